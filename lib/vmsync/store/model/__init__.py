"""The VMS model: the tables the VMS application reads, one module per domain.

Importing this package defines every model table on ``store.columns.metadata``; ``store.tables`` gathers
them with the others.
"""

from . import activity, people, places, virtual  # noqa: F401  (defining the tables is the import's effect)
