"""Every vmsync table, gathered: the run records and the raw mirror are defined here, the VMS model in
``store.model``; importing this module defines them all on ``metadata`` (``store.columns`` holds it, with the
helpers the model modules share). Column meanings are in ``docs/data-dictionary.md``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from . import model  # noqa: F401  (the model tables join ``metadata``)
from .columns import JSONB_OR_JSON, TS, metadata

# --- run records ------------------------------------------------------------------------------------------

sync_run = Table(
    "sync_run", metadata,
    Column("run_id", String(40), primary_key=True,
           comment="the run's id: UTC start time and a random suffix, or manual-... for a notebook run by hand"),
    Column("started_at", TS, nullable=False, comment='when the run started'),
    Column("finished_at", TS, comment='when it ended; NULL while running'),
    Column("status", String(20), nullable=False, comment='running | succeeded | failed'),
    Column("mode", String(20), nullable=False, comment='incremental | full'),
    Column("org_id", String(18), comment='the Salesforce org synced from'),
    Column("parameters", JSON, comment="the run's parameters, database password masked"),
    Column("host", String(255), comment='the machine that ran it'),
    Column("pid", Integer, comment='the process that ran it'),
    Column("vmsync_version", String(40), comment='the vmsync version that ran it'),
    comment='One row per run of the suite (or per notebook run by hand).',
)

sync_step = Table(
    "sync_step", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, comment='surrogate key'),
    Column("run_id", String(40), nullable=False, index=True, comment='the run this step belongs to'),
    Column("entity", String(60), nullable=False, comment='the entity synced (schools, volunteers, ...)'),
    Column("status", String(20), nullable=False, comment='running | succeeded | failed'),
    Column("mode", String(20), nullable=False, comment='incremental | full'),
    Column("dry_run", Boolean, nullable=False, default=False,
           comment='true when nothing was written (every figure computed, then rolled back)'),
    Column("started_at", TS, nullable=False, comment='when the step started'),
    Column("finished_at", TS, comment='when it ended'),
    Column("duration_s", Float, comment='wall time in seconds'),
    Column("extracted", Integer, nullable=False, default=0, comment='records read from Salesforce'),
    Column("new", Integer, nullable=False, default=0,
           comment='extracted records not in the raw mirror before'),
    Column("updated", Integer, nullable=False, default=0,
           comment='extracted records whose SystemModstamp moved'),
    Column("unchanged", Integer, nullable=False, default=0,
           comment='extracted records already mirrored as they are (re-read by the lookback)'),
    Column("deleted", Integer, nullable=False, default=0,
           comment='records given deleted_at: deleted or purged in Salesforce, or gone from the entity'),
    Column("rejected", Integer, nullable=False, default=0,
           comment='records that could not be mapped (see sync_issue)'),
    Column("orphaned", Integer, nullable=False, default=0,
           comment='records held back, or written with a link pending, for a missing parent'),
    Column("healed", Integer, nullable=False, default=0,
           comment='issues resolved by this step (parents arrived, records fixed)'),
    Column("api_calls", Integer, nullable=False, default=0,
           comment='API requests this step made, retries and logins included'),
    Column("api_used", Integer, comment="the org's daily API calls used after the step (Sforce-Limit-Info)"),
    Column("api_max", Integer, comment="the org's daily API allocation"),
    Column("watermark_before", TS, comment='the oldest stream watermark before the step'),
    Column("watermark_after", TS, comment='the oldest stream watermark after it'),
    Column("peak_memory_mb", Float, comment="the kernel's peak resident memory"),
    Column("error_class", String(20),
           comment='AUTH | RATE_LIMIT | NETWORK | DATABASE | VALIDATION | TIMEOUT | UNKNOWN'),
    Column("error_message", Text, comment='what went wrong, when the step failed'),
    Column("details", JSON, comment='per-stream figures and a sample of rejected records'),
    Index("ix_sync_step_entity_started", "entity", "started_at"),
    comment='One row per step execution: what it read, wrote, held back and cost.',
)

sync_watermark = Table(
    "sync_watermark", metadata,
    Column("stream", String(120), primary_key=True, comment='<entity>:<stream>'),
    Column("object", String(80), nullable=False, comment='the Salesforce object the stream reads'),
    Column("watermark", TS, nullable=False,
           comment='the greatest SystemModstamp committed; moved only when the whole stream succeeded'),
    Column("updated_at", TS, nullable=False, comment='when it was last moved'),
    Column("run_id", String(40), comment='the run that moved it'),
    comment='Per stream, how far incremental reads have safely come.',
)

sync_issue = Table(
    "sync_issue", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, comment='surrogate key'),
    Column("entity", String(60), nullable=False, comment='the entity whose record it is'),
    Column("object", String(80), nullable=False, comment='the Salesforce object (or pathful)'),
    Column("record_id", String(255), nullable=False,
           comment="the record's Salesforce Id (or its key in the source)"),
    Column("kind", String(20), nullable=False,
           comment="rejected | orphan | warning | schema (a change in the org's fields; record_id is the object)"),
    Column("code", String(40), nullable=False,
           comment='MISSING_REQUIRED_FIELD, INVALID_DATE, PARENT_MISSING, LINK_PENDING, PARENT_DELETED, UNKNOWN_PICKLIST, ...'),
    Column("field", String(120), nullable=False, default="", comment="the field at fault ('' when none)"),
    Column("message", Text, nullable=False, comment='what is wrong, in words'),
    Column("parent_table", String(60), comment='orphans: the table of the missing parent'),
    Column("parent_id", String(100), comment='orphans: the key of the missing parent'),
    Column("first_run_id", String(40), comment='the run that first saw it'),
    Column("last_run_id", String(40), comment='the run that last saw it'),
    Column("first_seen_at", TS, nullable=False, comment='when first seen'),
    Column("last_seen_at", TS, nullable=False, comment='when last seen'),
    Column("attempts", Integer, nullable=False, default=1, comment='how many times it was seen'),
    Column("resolved_at", TS, comment='when it was resolved; NULL while open'),
    Column("resolution", String(40), comment='linked | fixed | deleted | parent_deleted'),
    Column("resolved_run_id", String(40), comment='the run that resolved it'),
    UniqueConstraint("entity", "record_id", "code", "field", name="uq_sync_issue"),
    Index("ix_sync_issue_open", "entity", "resolved_at"),
    comment='Records that could not be mapped, linked or matched, kept until they can; open issues are retried every run.',
)

sync_meta = Table(
    "sync_meta", metadata,
    Column("key", String(60), primary_key=True,
           comment="the fact's name (org_id, lock, schema: the fingerprint of the schema made)"),
    Column("value", Text, nullable=False, comment='its value'),
    comment='Facts about the database, such as the org it is synced from and the run lock.',
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


RAW_BOOKKEEPING = ("run_id", "synced_at", "read_by")  # a raw table's columns that are not Salesforce fields


def raw_table(sf_object: str, fields: dict[str, str]) -> Table:
    """The raw mirror table of ``sf_object``: one column per mirrored field, named as Salesforce names it.

    Entities reading the same object share its table; it is (re)defined with the union of their fields.
    ``read_by`` names the stream that last wrote a row, whose fields are the ones the row holds as read.
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
    columns += [Column("run_id", String(40)), Column("synced_at", TS, nullable=False), Column("read_by", String(80))]
    return Table(name, metadata, *columns, Index(f"ix_{name}_modstamp", "SystemModstamp"))


def widened_raw_table(table: Table, extra: dict[str, str]) -> Table:
    """``table`` (a raw mirror) with a column for each field of ``extra`` it lacks, for one step alone: kept
    out of ``metadata``, so that the schema and its fingerprint stay what the specs make."""
    columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in table.columns]
    columns += [Column(f, RAW_TYPES[kind]) for f, kind in extra.items() if f not in table.c]
    return Table(table.name, MetaData(), *columns)
