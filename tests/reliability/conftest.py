"""Reliability fixtures: settings and a fast-failing client for the tiny sandbox org, a frozen org clock, and
``snapshot`` to compare whole databases. The databases are the shared ``db_url`` and ``second_db_url`` (SQLite, or
a PostgreSQL schema of its own).

* ``org``: the session's sandbox, reset and with its clock frozen at ``FROZEN_AT`` (the same instant in every
  test, so records written through the API get the same Ids and stamps in a reference run and a faulty one).
* ``steps``: ``steps.run(entity, run_id, **params)`` runs a step with a client that gives up fast (small read
  timeout, short retry waits), so a fault the sync cannot get past costs a fraction of a second.
* ``snapshot(db_url)``: what the database says about the org, bookkeeping left out (see its docstring).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sfsandbox.generate.timeline import GENERATED_UNTIL
from vmsync.config import Settings, load_settings
from vmsync.entities import ENTITIES
from vmsync.errors import SyncError
from vmsync.salesforce import RetryPolicy, connect
from vmsync.store import tables as t
from vmsync.sync.params import StepParams
from vmsync.sync.step import StepResult, run_step

from ..conftest import environ

FAST = RetryPolicy(attempts=3, total_seconds=20, initial_wait=0.01, max_wait=0.05, jitter=0.01)
READ_TIMEOUT = 0.4  # seconds; a "slow" fault delays an answer past it
FROZEN_AT = GENERATED_UNTIL + timedelta(days=1)  # after every generated record, before the real now
BOOKKEEPING = {"id", "created_at", "updated_at", "run_id", "synced_at"}


def fast_client(settings: Settings):
    """A client that gives up quickly: 3 attempts, waits of hundredths of a second, a short read timeout."""
    return connect(settings, timeout=(5.0, READ_TIMEOUT), retry=FAST, bulk_poll_wait=0.02)


@pytest.fixture
def org(clean_sandbox):
    """The session's sandbox, reset, with its clock frozen at ``FROZEN_AT``."""
    clean_sandbox.control.freeze(FROZEN_AT)
    return clean_sandbox


@dataclass
class Steps:
    """Runs steps the way a notebook does, into one database, with one fast-failing client."""

    settings: Settings
    client: object

    def run(self, entity: str, run_id: str, **params) -> StepResult:
        return run_step(entity, StepParams(run_id=run_id, **params), self.settings, client=self.client)

    def attempt(self, entity: str, run_id: str, **params) -> StepResult | SyncError:
        """The step's result, or the ``SyncError`` it failed with."""
        try:
            return self.run(entity, run_id, **params)
        except SyncError as error:
            return error


def steps_for(sandbox, db_url: str) -> Steps:
    settings = load_settings(environ=environ(sandbox, db_url), env_file=None)
    return Steps(settings, fast_client(settings))


@pytest.fixture
def steps(org, db_url) -> Steps:
    return steps_for(org, db_url)


def snapshot(db_url: str) -> dict[str, Counter]:
    """Everything the database holds about the org, in a form two databases can be compared in.

    Per table, the multiset of its rows: model tables with foreign keys given as the parent's salesforce_id
    and ``deleted_at`` as a flag; raw mirror tables as they are; the open issues; the watermarks. Left out:
    surrogate ids, created/updated/synced times and run ids, which say when and by which run, not what.
    """
    engine = sa.create_engine(db_url)
    inspector = sa.inspect(engine)
    found: dict[str, Counter] = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            mirrored = "salesforce_id" in table.c or table.name.startswith("sf_")
            if mirrored and inspector.has_table(table.name):
                found[table.name] = _rows(conn, table)
        if inspector.has_table(t.sync_issue.name):
            i, w = t.sync_issue, t.sync_watermark
            found["open issues"] = Counter(conn.execute(
                sa.select(i.c.entity, i.c.object, i.c.record_id, i.c.kind, i.c.code, i.c.field, i.c.parent_id)
                .where(i.c.resolved_at.is_(None))).all())
            marks = conn.execute(sa.select(w.c.stream, w.c.watermark))
            found["watermarks"] = Counter((stream, _naive_utc(mark)) for stream, mark in marks)
    engine.dispose()
    return found


LOOKUPS = {spec.name for entity in ENTITIES.values() for stream in entity.streams for spec in stream.tables
           if spec.kind == "lookup"}


def live_snapshot(db_url: str) -> dict[str, Counter]:
    """The live rows of every model table (``deleted_at`` NULL), compared as ``snapshot`` compares them: what
    a fresh full sync of the same org must also give. Lookup tables (skills) are left out: they only ever grow,
    so they hold names no live record uses any more."""
    engine = sa.create_engine(db_url)
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        found = {table.name: _rows(conn, table, live=True) for table in t.metadata.sorted_tables
                 if "salesforce_id" in table.c and inspector.has_table(table.name) and table.name not in LOOKUPS}
    engine.dispose()
    return found


def _rows(conn, table: sa.Table, *, live: bool = False) -> Counter:
    columns = [c for c in table.c if c.name not in BOOKKEEPING]
    converters = [_converter(conn, c) for c in columns]
    query = sa.select(*columns)
    rows = conn.execute(query.where(table.c.deleted_at.is_(None)) if live else query)
    if not any(converters):
        return Counter(map(tuple, rows))
    plan = [(i, f) for i, f in enumerate(converters) if f]
    found = Counter()
    for row in rows:
        values = list(row)
        for i, convert in plan:
            if values[i] is not None:
                values[i] = convert(values[i])
        found[tuple(values)] += 1
    return found


def _converter(conn, column: sa.Column):
    """How a value of ``column`` is compared: None when as it is."""
    if column.name == "deleted_at":
        return lambda value: True  # None (live) stays None
    if column.foreign_keys:
        parent = next(iter(column.foreign_keys)).column.table
        keys = dict(conn.execute(sa.select(parent.c.id, parent.c.salesforce_id)).all())
        return lambda value: keys.get(value, f"dangling id {value}")
    if isinstance(column.type, sa.DateTime):
        return _naive_utc
    if isinstance(column.type, sa.JSON):
        return lambda value: json.dumps(value, sort_keys=True)
    return None


def _naive_utc(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def differences(got: dict[str, Counter], expected: dict[str, Counter], limit: int = 3) -> list[str]:
    """Per table, a few rows one snapshot has and the other lacks: a readable assertion message."""
    lines = []
    for name in sorted(set(got) | set(expected)):
        a, b = got.get(name, Counter()), expected.get(name, Counter())
        if a != b:
            extra, missing = list((a - b).elements()), list((b - a).elements())
            lines.append(f"{name}: {len(extra)} unexpected, {len(missing)} missing; unexpected e.g. "
                         f"{extra[:limit]}; missing e.g. {missing[:limit]}")
    return lines


def org_store(sandbox):
    """The org's record store, for what Salesforce's REST API cannot do (undelete; in Salesforce that is a
    SOAP or Apex call). Only a sandbox served in this process has one."""
    return sandbox._server.org.store


def scrub_environment(monkeypatch) -> None:
    """Remove every SF_* / VMSYNC_* setting this process inherited, so a test sees only what it sets."""
    for name in [n for n in os.environ if n.startswith(("SF_", "VMSYNC_"))]:
        monkeypatch.delenv(name)
