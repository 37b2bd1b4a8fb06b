"""The ``sync_issue`` ledger: records that could not be mapped or linked, kept until they can.

An issue is keyed by (entity, record, code, field), so seeing the same problem again updates one row instead of
adding another. When a record is written again without the problem, its issue is resolved: ``linked`` for an
orphan whose parent arrived, ``fixed`` for a record that now maps, ``deleted`` when the record left Salesforce,
``parent_deleted`` for a pending link that turned out to point at a deleted parent (a ``PARENT_DELETED`` issue
takes its place, open: the parent may be undeleted, and the record is tried again until it is linked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..store.chunks import in_values, run_in
from ..store.tables import sync_issue

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(frozen=True)
class Found:
    record_id: str
    kind: str  # rejected | orphan | warning | schema
    code: str
    field: str
    message: str
    parent_table: str | None = None
    parent_id: str | None = None


def settle(
    conn: Connection,
    entity: str,
    sf_object: str,
    record_ids: list[str],
    found: list[Found],
    *,
    deleted: set[str],
    run_id: str,
    now: datetime,
    keep: tuple[str, ...] = (),
) -> int:
    """Record ``found`` and resolve the open issues of ``record_ids`` that did not recur, but for those whose code
    is in ``keep`` (what only a new extract can tell: a value that did not fit); returns how many healed."""
    record(conn, entity, sf_object, found, run_id, now)
    current = {(f.record_id, f.code, f.field) for f in found}
    parent_deleted = {f.record_id for f in found if f.code == "PARENT_DELETED"}
    healed = 0
    resolved: dict[str, list[int]] = defaultdict(list)
    open_rows = list(run_in(conn, select(sync_issue.c.id, sync_issue.c.record_id, sync_issue.c.code,
                                         sync_issue.c.field, sync_issue.c.kind)
                            .where(sync_issue.c.entity == entity, sync_issue.c.record_id.in_(in_values()),
                                   sync_issue.c.resolved_at.is_(None)), list(dict.fromkeys(record_ids))))
    for issue_id, record_id, code, field, kind in open_rows:
        if (record_id, code, field) in current or code in keep:
            continue
        if record_id in deleted:
            resolution = "deleted"
        elif record_id in parent_deleted:
            resolution = "parent_deleted"
        else:
            resolution = "linked" if kind in ("orphan", "unmatched") else "fixed"
            healed += 1
        resolved[resolution].append(issue_id)
    for resolution, issue_ids in resolved.items():
        list(run_in(conn, update(sync_issue).where(sync_issue.c.id.in_(in_values())).values(
            resolved_at=now, resolution=resolution, resolved_run_id=run_id), issue_ids))
    return healed


def record(conn: Connection, entity: str, sf_object: str, found: list[Found], run_id: str, now: datetime) -> None:
    if not found:
        return
    insert = _INSERTS[conn.dialect.name](sync_issue)
    rows = {}
    for f in found:
        rows[(f.record_id, f.code, f.field)] = {
            "entity": entity, "object": sf_object, "record_id": f.record_id, "kind": f.kind, "code": f.code,
            "field": f.field, "message": f.message, "parent_table": f.parent_table, "parent_id": f.parent_id,
            "first_run_id": run_id, "last_run_id": run_id, "first_seen_at": now, "last_seen_at": now,
            "attempts": 1, "resolved_at": None, "resolution": None, "resolved_run_id": None,
        }
    statement = insert.on_conflict_do_update(
        index_elements=["entity", "record_id", "code", "field"],
        set_={
            "kind": insert.excluded.kind, "message": insert.excluded.message,
            "parent_table": insert.excluded.parent_table, "parent_id": insert.excluded.parent_id,
            "last_run_id": insert.excluded.last_run_id, "last_seen_at": insert.excluded.last_seen_at,
            "attempts": sync_issue.c.attempts + 1, "resolved_at": None, "resolution": None,
            "resolved_run_id": None,
        },
    )
    conn.execute(statement, list(rows.values()))


def settle_kind(conn: Connection, entity: str, sf_object: str, kind: str, found: list[Found], run_id: str,
                now: datetime, within: Callable[[str, str], bool]) -> None:
    """Record ``found`` (all of ``kind``), and resolve as ``fixed`` the open ``kind`` issues of ``entity`` and
    ``sf_object`` that did not recur (a field back in the org), of those the caller looked for
    (``within(code, field)``: another stream of the entity may read other fields of the object)."""
    record(conn, entity, sf_object, found, run_id, now)
    current = {(f.record_id, f.code, f.field) for f in found}
    rows = conn.execute(select(sync_issue.c.id, sync_issue.c.record_id, sync_issue.c.code, sync_issue.c.field).where(
        sync_issue.c.entity == entity, sync_issue.c.object == sf_object, sync_issue.c.kind == kind,
        sync_issue.c.resolved_at.is_(None)))
    gone = [issue_id for issue_id, record_id, code, field in rows
            if (record_id, code, field) not in current and within(code, field)]
    if gone:
        conn.execute(update(sync_issue).where(sync_issue.c.id.in_(gone)).values(
            resolved_at=now, resolution="fixed", resolved_run_id=run_id))


def open_record_ids(conn: Connection, entity: str, sf_object: str) -> list[str]:
    """The records of ``entity`` from ``sf_object`` with an open issue: the ones to try again (an issue of
    the org's shape is not a record's)."""
    return list(conn.execute(
        select(sync_issue.c.record_id).distinct().where(
            sync_issue.c.entity == entity, sync_issue.c.object == sf_object, sync_issue.c.resolved_at.is_(None),
            sync_issue.c.kind != "schema")
    ).scalars())


def resolve(conn: Connection, entity: str, record_ids: list[str], resolution: str, run_id: str,
            now: datetime) -> None:
    """Close the open issues of these records in ``entity``: they left it (another kind took them)."""
    list(run_in(conn, update(sync_issue).where(
        sync_issue.c.entity == entity, sync_issue.c.record_id.in_(in_values()),
        sync_issue.c.resolved_at.is_(None)).values(resolved_at=now, resolution=resolution, resolved_run_id=run_id),
        record_ids))
