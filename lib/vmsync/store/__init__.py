"""The VMS database: every table vmsync keeps (``tables``: run records, raw mirror, and the VMS model of
``store.model``), opening it (``open_engine``, after ``check_url``) and making its schema (``create_schema``,
given the raw fields the entities catalog lists), and the run records' reads and writes (``runs``). Rows are
loaded by ``store.upsert`` (only what changed), and long IN lists run in parts by ``store.chunks``. This is
the bottom layer: of the rest of vmsync it imports ``config`` alone.
"""

from . import runs, tables
from .database import (
    add_raw_columns,
    check_url,
    create_schema,
    open_engine,
    raw_column_kinds,
    register_raw_tables,
    schema_fingerprint,
)

__all__ = ["add_raw_columns", "check_url", "create_schema", "open_engine", "raw_column_kinds", "register_raw_tables",
           "runs", "schema_fingerprint", "tables"]
