"""vmsync: keeps a VMS database in step with its Salesforce org."""

__version__ = "0.1.0"
