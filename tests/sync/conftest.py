"""Helpers for the entity mappings and the page writer on a real SQLite database (the shared ``engine``): a
stream's writer, records as the org gives them, and what the tables and ``sync_issue`` hold afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from vmsync.entities import CATALOG, get
from vmsync.store import tables as t
from vmsync.sync import PageWriter

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def writer(entity: str, stream: str | None = None, run: str = "r1", now: datetime = T0) -> PageWriter:
    """The writer of ``entity``'s stream called ``stream`` (default: the one named like the entity)."""
    spec = get(entity)
    return PageWriter(spec, next(s for s in spec.streams if s.name == (stream or entity)), run, now, CATALOG)


def rec(sf_id: str, stamp: int = 0, **fields) -> dict:
    """A record as the org gives it, ``stamp`` seconds after ``T0``."""
    return {"Id": sf_id, "IsDeleted": False, "SystemModstamp": T0 + timedelta(seconds=stamp)} | fields


def rows(engine, table: str, *cols: str, live: bool = False) -> list[tuple]:
    """``cols`` of every row of ``table`` (only those not deleted, when ``live``), by Salesforce Id."""
    tb = t.metadata.tables[table]
    q = select(*(tb.c[c] for c in cols)).order_by(tb.c.salesforce_id)
    if live:
        q = q.where(tb.c.deleted_at.is_(None))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def id_of(engine, table: str, salesforce_id: str) -> int:
    tb = t.metadata.tables[table]
    with engine.connect() as conn:
        return conn.execute(select(tb.c.id).where(tb.c.salesforce_id == salesforce_id)).scalar_one()


def open_issues(engine, entity: str | None = None) -> list[tuple]:
    """(record, kind, code, field) of the open issues (of ``entity``, when given)."""
    i = t.sync_issue
    q = select(i.c.record_id, i.c.kind, i.c.code, i.c.field).where(i.c.resolved_at.is_(None))
    if entity:
        q = q.where(i.c.entity == entity)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q.order_by(i.c.record_id, i.c.code, i.c.field))]
