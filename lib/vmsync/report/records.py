"""What the database remembers of runs: ``sync_run``, ``sync_step`` and ``sync_issue``, read for a report.

Read only. Every function takes a connection to a database that holds the run-record tables (see
``has_run_records``); times come back as aware UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, inspect, or_, select

from ..figures import COUNTS
from ..store.runs import as_utc
from ..store.tables import sync_issue, sync_run, sync_step

RUN_TABLES = ("sync_run", "sync_step", "sync_issue")
SAMPLE = 15


def has_run_records(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return all(t in names for t in RUN_TABLES)


def _row(mapping) -> dict:
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in dict(mapping).items()}


def run_row(conn: Connection, run_id: str) -> dict | None:
    row = conn.execute(select(sync_run).where(sync_run.c.run_id == run_id)).mappings().first()
    return _row(row) if row else None


def last_run_id(conn: Connection) -> str | None:
    return conn.execute(select(sync_run.c.run_id).order_by(sync_run.c.started_at.desc()).limit(1)).scalar()


def step_rows(conn: Connection, run_id: str) -> dict[str, dict]:
    """The last ``sync_step`` row of each entity of the run (a resumed step has one row per attempt)."""
    q = select(sync_step).where(sync_step.c.run_id == run_id).order_by(sync_step.c.id)
    rows = conn.execute(q).mappings()
    return {r["entity"]: _row(r) for r in rows}


def issue_counts(conn: Connection, run_id: str) -> list[dict]:
    """Per entity, kind and code: issues open now, first seen by the run, and resolved by it."""
    i = sync_issue
    is_open = i.c.resolved_at.is_(None)
    q = (select(i.c.entity, i.c.kind, i.c.code,
                func.sum(case((is_open, 1), else_=0)).label("open"),
                func.sum(case((i.c.first_run_id == run_id, 1), else_=0)).label("new"),
                func.sum(case((i.c.resolved_run_id == run_id, 1), else_=0)).label("resolved"))
         .where(is_open | (i.c.first_run_id == run_id) | (i.c.resolved_run_id == run_id))
         .group_by(i.c.entity, i.c.kind, i.c.code).order_by(i.c.entity, i.c.kind, i.c.code))
    return [{k: (int(v) if k in ("open", "new", "resolved") else v) for k, v in r.items()}
            for r in conn.execute(q).mappings()]


def resolutions(conn: Connection, run_id: str) -> dict[tuple[str, str], int]:
    """How the issues the run resolved were resolved: (kind, resolution) -> count."""
    i = sync_issue
    q = (select(i.c.kind, i.c.resolution, func.count()).where(i.c.resolved_run_id == run_id)
         .group_by(i.c.kind, i.c.resolution))
    return {(kind, resolution or ""): n for kind, resolution, n in conn.execute(q)}


def oldest_open_orphan(conn: Connection) -> datetime | None:
    i = sync_issue
    return as_utc(conn.execute(select(func.min(i.c.first_seen_at))
                               .where(i.c.kind == "orphan", i.c.resolved_at.is_(None))).scalar())


def new_open_issues(conn: Connection, run_id: str) -> dict[str, int]:
    """Issues the run found that are still open, per entity: the run's new problems."""
    i = sync_issue
    q = (select(i.c.entity, func.count()).where(i.c.first_run_id == run_id, i.c.resolved_at.is_(None))
         .group_by(i.c.entity).order_by(i.c.entity))
    return dict(conn.execute(q).all())


def org_shape(conn: Connection, run_id: str) -> list[dict]:
    """The changes in the org's fields (``schema`` issues): those open, and those this run saw resolved, one row
    per object, field and change (several entities reading one object see the same change)."""
    i = sync_issue
    q = (select(i.c.object, i.c.field, i.c.code, func.min(i.c.message).label("message"),
                func.min(i.c.first_seen_at).label("since"), func.min(i.c.first_run_id).label("first_run_id"),
                func.max(i.c.resolution).label("resolution"))
         .where(i.c.kind == "schema", or_(i.c.resolved_at.is_(None), i.c.resolved_run_id == run_id))
         .group_by(i.c.object, i.c.field, i.c.code).order_by(i.c.object, i.c.code, i.c.field))
    return [_row(r._mapping) for r in conn.execute(q)]


def issue_samples(conn: Connection, run_id: str, groups: list[dict], limit: int = SAMPLE) -> list[dict]:
    """Open issues of every (entity, kind, code) group of ``issue_counts`` that has any, so each kind of
    problem shows and not only the most common one: ``limit`` in all (one per group at least), groups with
    issues new in this run first, the most recently seen of each."""
    open_groups = sorted((g for g in groups if g["open"]),
                         key=lambda g: (-g["new"], g["entity"], g["kind"], g["code"]))
    each = max(1, limit // len(open_groups)) if open_groups else 0
    i = sync_issue
    samples = []
    for group in open_groups:
        q = (select(i.c.entity, i.c.record_id, i.c.kind, i.c.code, i.c.field, i.c.message, i.c.attempts,
                    i.c.first_seen_at, i.c.first_run_id)
             .where(i.c.resolved_at.is_(None), i.c.entity == group["entity"], i.c.kind == group["kind"],
                    i.c.code == group["code"])
             .order_by(case((i.c.first_run_id == run_id, 0), else_=1), i.c.last_seen_at.desc(), i.c.id)
             .limit(each))
        samples += [_row(r) for r in conn.execute(q).mappings()]
    return samples


def recent_runs(conn: Connection, limit: int = 30) -> list[dict]:
    """The last ``limit`` runs, oldest first."""
    q = select(sync_run).order_by(sync_run.c.started_at.desc()).limit(limit)
    return [_row(r) for r in conn.execute(q).mappings()][::-1]


def steps_of_runs(conn: Connection, run_ids: list[str]) -> list[dict]:
    """Every step row of the given runs (dry runs left out: they wrote nothing)."""
    if not run_ids:
        return []
    q = (select(sync_step.c.run_id, sync_step.c.entity, sync_step.c.status, sync_step.c.started_at,
                sync_step.c.duration_s, *[sync_step.c[c] for c in COUNTS])
         .where(sync_step.c.run_id.in_(run_ids), sync_step.c.dry_run.is_(False)).order_by(sync_step.c.id))
    return [_row(r) for r in conn.execute(q).mappings()]


def steps_since(conn: Connection, since: datetime) -> list[dict]:
    """Every step row started since ``since`` (dry runs left out), for the daily / weekly / monthly tables."""
    q = (select(sync_step.c.run_id, sync_step.c.entity, sync_step.c.status, sync_step.c.started_at,
                sync_step.c.duration_s, *[sync_step.c[c] for c in COUNTS])
         .where(sync_step.c.started_at >= since, sync_step.c.dry_run.is_(False)).order_by(sync_step.c.id))
    return [_row(r) for r in conn.execute(q).mappings()]


def open_problems(conn: Connection, runs: list[dict]) -> list[dict]:
    """Per run (as ``recent_runs`` gives them) and kind: the issues open as the run ended (seen by then and
    not yet resolved; for a run that has not ended, open now), for the trend of open problems."""
    i = sync_issue
    found = []
    for run in runs:
        moment = run.get("finished_at")
        q = select(i.c.kind, func.count().label("open")).group_by(i.c.kind)
        if moment is None:
            q = q.where(i.c.resolved_at.is_(None))
        else:
            q = q.where(i.c.first_seen_at <= moment, i.c.resolved_at.is_(None) | (i.c.resolved_at > moment))
        found += [{"run_id": run["run_id"], "kind": kind, "open": int(n)} for kind, n in conn.execute(q).all()]
    return found


def aggregate_window(now: datetime) -> datetime:
    """How far back the aggregates look: a little over a year, for twelve whole months."""
    return now - timedelta(days=400)
