"""The ``MetaData`` every vmsync table is defined on, and the column helpers the table modules share.

Every model table carries the same bookkeeping columns: a surrogate ``id``, a unique ``salesforce_id`` (the
record's Id, or for rows that are not Salesforce records, such as a contact's emails, a key derived from it),
``created_at`` / ``updated_at`` and ``deleted_at`` (NULL while the record lives in Salesforce).
``store.tables`` gathers the tables themselves.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

TS = DateTime(timezone=True)
JSONB_OR_JSON = JSON().with_variant(JSONB, "postgresql")  # PostgreSQL's json has no equality; jsonb does


def model_table(name: str, *columns, **kw) -> Table:
    """A VMS model table with the bookkeeping columns every model table has."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("salesforce_id", Text, nullable=False, unique=True),  # derived keys hold user text
        *columns,
        Column("created_at", TS, nullable=False),
        Column("updated_at", TS, nullable=False),
        Column("deleted_at", TS),
        Column("run_id", String(40), comment="the run that last changed the row"),
        **kw,
    )


def fk(table: str, *, nullable: bool = True) -> ForeignKey:
    return ForeignKey(f"{table}.id", ondelete="SET NULL" if nullable else "CASCADE")
