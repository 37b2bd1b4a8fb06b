"""The tables vmsync keeps for itself: run records and the raw mirror, and what every model table carries.

The VMS model tables live in ``store.model`` by domain. Column meanings are in ``docs/data-dictionary.md``.
Every model table carries the same bookkeeping columns:
a surrogate ``id``, a unique ``salesforce_id`` (the record's Id, or for rows that are not Salesforce records,
such as a contact's emails, a key derived from it), ``created_at`` / ``updated_at`` and ``deleted_at`` (NULL while
the record lives in Salesforce).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

TS = DateTime(timezone=True)
JSONB_OR_JSON = JSON().with_variant(JSONB, "postgresql")  # PostgreSQL's json has no equality; jsonb does


def model_table(name: str, *columns, **kw) -> Table:
    """A VMS model table with the bookkeeping columns every model table has."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("salesforce_id", String(100), nullable=False, unique=True),
        *columns,
        Column("created_at", TS, nullable=False),
        Column("updated_at", TS, nullable=False),
        Column("deleted_at", TS),
        Column("run_id", String(40), comment="the run that last changed the row"),
        **kw,
    )


def fk(table: str, *, nullable: bool = True) -> ForeignKey:
    return ForeignKey(f"{table}.id", ondelete="SET NULL" if nullable else "CASCADE")


# --- run records ------------------------------------------------------------------------------------------

sync_run = Table(
    "sync_run", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Column("status", String(20), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("org_id", String(18)),
    Column("parameters", JSON),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("vmsync_version", String(40)),
)

sync_step = Table(
    "sync_step", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False, index=True),
    Column("entity", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Column("duration_s", Float),
    Column("extracted", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("orphaned", Integer, nullable=False, default=0),
    Column("healed", Integer, nullable=False, default=0),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("api_used", Integer),
    Column("api_max", Integer),
    Column("watermark_before", TS),
    Column("watermark_after", TS),
    Column("peak_memory_mb", Float),
    Column("error_class", String(20)),
    Column("error_message", Text),
    Column("details", JSON),
    Index("ix_sync_step_entity_started", "entity", "started_at"),
)

sync_watermark = Table(
    "sync_watermark", metadata,
    Column("stream", String(120), primary_key=True),
    Column("object", String(80), nullable=False),
    Column("watermark", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("run_id", String(40)),
)

sync_issue = Table(
    "sync_issue", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(60), nullable=False),
    Column("object", String(80), nullable=False),
    Column("record_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False, comment="rejected | orphan"),
    Column("code", String(40), nullable=False),
    Column("field", String(120), nullable=False, default=""),
    Column("message", Text, nullable=False),
    Column("parent_table", String(60)),
    Column("parent_id", String(100)),
    Column("first_run_id", String(40)),
    Column("last_run_id", String(40)),
    Column("first_seen_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("resolved_at", TS),
    Column("resolution", String(40)),
    Column("resolved_run_id", String(40)),
    UniqueConstraint("entity", "record_id", "code", "field", name="uq_sync_issue"),
    Index("ix_sync_issue_open", "entity", "resolved_at"),
)

sync_meta = Table(
    "sync_meta", metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- raw mirror ----------------------------------------------------------------------------------------------

RAW_TYPES = {
    "text": Text,
    "bool": Boolean,
    "number": Float,
    "date": Date,
    "datetime": TS,
    "json": JSONB_OR_JSON,
}


def raw_table_name(sf_object: str) -> str:
    return "sf_" + sf_object.lower()


def raw_table(sf_object: str, fields: dict[str, str]) -> Table:
    """The raw mirror table of ``sf_object``: one column per selected field, named as Salesforce names it.

    Entities reading the same object share its table, each writing only the columns it selects; the table is
    (re)defined with the union of those columns.
    """
    name = raw_table_name(sf_object)
    if name in metadata.tables:
        existing = metadata.tables[name]
        missing = {f: t for f, t in fields.items() if f not in existing.c}
        for field, kind in missing.items():
            existing.append_column(Column(field, RAW_TYPES[kind]))
        return existing
    columns = [Column("Id", String(18), primary_key=True)]
    columns += [Column(f, RAW_TYPES[kind]) for f, kind in fields.items() if f != "Id"]
    columns += [Column("run_id", String(40)), Column("synced_at", TS, nullable=False)]
    return Table(name, metadata, *columns, Index(f"ix_{name}_modstamp", "SystemModstamp"))


from . import model  # noqa: E402,F401  (the model tables join ``metadata``)
