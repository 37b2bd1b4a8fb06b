"""The Salesforce client layer: log in, retry and classify failures, stream flat records page by page."""

from .client import DeletedRecord, DeletedRecords, SalesforceClient, UpdatedIds
from .connect import connect, login_arguments, login_domain
from .retry import RetryPolicy, call_with_retries
from .soql import SelectShape, select_shape, soql_datetime, soql_quote
from .source import SalesforceSource
from .transport import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_TIMEOUT",
    "DeletedRecord",
    "DeletedRecords",
    "RetryPolicy",
    "SalesforceClient",
    "SalesforceSource",
    "SelectShape",
    "UpdatedIds",
    "call_with_retries",
    "connect",
    "login_arguments",
    "login_domain",
    "select_shape",
    "soql_datetime",
    "soql_quote",
]
