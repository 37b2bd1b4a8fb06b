"""Opening the VMS database: URL checks, engine options per dialect, and making the schema."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Numeric,
    Table,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from ..config import ConfigError, _check_db_url
from .tables import metadata, raw_table, raw_table_name, sync_meta
from .upsert import upsert


def check_url(url: str) -> str:
    """Refuse a database URL vmsync cannot use, before anything is opened or written."""
    problems: list[str] = []
    _check_db_url(url, problems)
    if problems:
        raise ConfigError(problems)
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def open_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout, PostgreSQL through psycopg 3."""
    url = check_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def register_raw_tables(raw_fields: Mapping[str, Iterable[Mapping[str, str]]]) -> None:
    """Define the raw mirror table of every object in ``raw_fields`` (Salesforce object: the fields, name: kind,
    of each stream that reads it, as the entities catalog gives them), with the union of their fields."""
    for sf_object, field_sets in raw_fields.items():
        for fields in field_sets:
            raw_table(sf_object, fields)


def create_schema(engine: Engine, raw_fields: Mapping[str, Iterable[Mapping[str, str]]]) -> None:
    """Create every vmsync table that does not exist, the raw mirror of ``raw_fields`` (as
    ``register_raw_tables``) included, and add the nullable columns an older one lacks.

    New columns appear when an entity starts selecting another field of an object whose raw mirror already
    exists; adding them is the only migration vmsync does by itself. Every step calls this: when every table
    is there and the database records this very schema (its fingerprint in ``sync_meta``), that is all it does
    (one or two queries instead of inspecting every table, a third of a second a step on PostgreSQL).
    """
    register_raw_tables(raw_fields)
    fingerprint = schema_fingerprint()
    existing = inspect(engine)
    if set(metadata.tables) <= set(existing.get_table_names()):
        with engine.connect() as conn:
            if conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == "schema")).scalar() == fingerprint:
                return
    metadata.create_all(engine)
    existing = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            _add_columns(conn, table, {c["name"] for c in existing.get_columns(table.name)})
        upsert(conn, sync_meta, [{"key": "schema", "value": fingerprint}], key=("key",), keep=())


def add_raw_columns(engine: Engine, table: Table) -> None:
    """Add to the database the nullable columns of ``table`` (a raw mirror widened for one step,
    ``tables.widened_raw_table``) that it lacks; committed at once, as ``create_schema``'s are."""
    have = {c["name"] for c in inspect(engine).get_columns(table.name)}
    with engine.begin() as conn:
        _add_columns(conn, table, have)


def raw_column_kinds(conn: Connection, sf_object: str) -> dict[str, str]:
    """The kind (``tables.RAW_TYPES``) of each column the database's raw mirror of ``sf_object`` has now, as
    reflected (none before its first step): what a field gets written as once it has a column."""
    name = raw_table_name(sf_object)
    found = inspect(conn)
    if not found.has_table(name):
        return {}
    return {c["name"]: next((kind for type_, kind in _REFLECTED if isinstance(c["type"], type_)), "text")
            for c in found.get_columns(name)}


_REFLECTED = ((Boolean, "bool"), ((Float, Numeric), "number"), (DateTime, "datetime"), (Date, "date"), (JSON, "json"))


def _add_columns(conn: Connection, table: Table, have: set[str]) -> None:
    for column in table.columns:
        if column.name not in have and column.nullable:
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))


def schema_fingerprint() -> str:
    """A digest of every table and column vmsync defines: equal exactly when the schema is."""
    described = [(table.name, [(c.name, repr(c.type), c.nullable) for c in table.columns])
                 for table in metadata.sorted_tables]
    return hashlib.sha256(repr(described).encode()).hexdigest()
