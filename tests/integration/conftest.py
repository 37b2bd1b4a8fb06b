"""Helpers for the end-to-end tests (steps run against the sandbox org into ``db_url``): what the database holds,
and how Salesforce's values should have landed."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from vmsync.store import tables as t


def open_issues(conn, entity: str) -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
    """Open issues of ``entity`` by record: (code, field) -> (kind, message)."""
    i = t.sync_issue
    out: dict[str, dict] = defaultdict(dict)
    q = select(i.c.record_id, i.c.code, i.c.field, i.c.kind, i.c.message).where(
        i.c.entity == entity, i.c.resolved_at.is_(None))
    for record_id, code, field, kind, message in conn.execute(q):
        out[record_id][(code, field)] = (kind, message)
    return out


def clean(value):
    """A text value as the sync stores it: stripped, and None when blank."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def snapshot(engine, tables: tuple[str, ...]) -> dict[str, set]:
    """Every row of ``tables``, all columns: what a run that changes nothing must leave exactly as it was."""
    with engine.connect() as conn:
        return {name: {tuple(r) for r in conn.execute(select(t.metadata.tables[name]))} for name in tables}
