"""The run records: ``sync_run``, ``sync_step``, ``sync_watermark`` and the org a database belongs to."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update

from .. import __version__
from ..config import ConfigError
from .tables import sync_meta, sync_run, sync_step, sync_watermark
from .upsert import upsert


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC, whether the database handed back an aware (PostgreSQL) or a naive UTC (SQLite) value."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ensure_run(conn: Connection, run_id: str, *, mode: str, parameters: dict, now: datetime) -> None:
    """Create the ``sync_run`` row of ``run_id`` unless it exists (a resumed run keeps its row)."""
    exists = conn.execute(select(sync_run.c.run_id).where(sync_run.c.run_id == run_id)).first()
    if exists:
        conn.execute(update(sync_run).where(sync_run.c.run_id == run_id).values(status="running", finished_at=None))
        return
    conn.execute(sync_run.insert().values(
        run_id=run_id, started_at=now, status="running", mode=mode, parameters=parameters,
        host=socket.gethostname(), pid=os.getpid(), vmsync_version=__version__,
    ))


def finish_run(conn: Connection, run_id: str, status: str, now: datetime) -> None:
    conn.execute(update(sync_run).where(sync_run.c.run_id == run_id).values(status=status, finished_at=now))


def start_step(conn: Connection, run_id: str, entity: str, *, mode: str, dry_run: bool, now: datetime) -> int:
    result = conn.execute(sync_step.insert().values(
        run_id=run_id, entity=entity, status="running", mode=mode, dry_run=dry_run, started_at=now,
    ))
    return result.inserted_primary_key[0]


def finish_step(conn: Connection, step_id: int, **values) -> None:
    conn.execute(update(sync_step).where(sync_step.c.id == step_id).values(**values))


def get_watermark(conn: Connection, stream: str) -> datetime | None:
    value = conn.execute(select(sync_watermark.c.watermark).where(sync_watermark.c.stream == stream)).scalar()
    return as_utc(value)


def set_watermark(conn: Connection, stream: str, sf_object: str, value: datetime, run_id: str,
                  now: datetime) -> None:
    upsert(conn, sync_watermark, [{"stream": stream, "object": sf_object, "watermark": value, "updated_at": now,
                                   "run_id": run_id}], key=("stream",), keep=())


def check_org(conn: Connection, org_id: str | None, *, allow_other_org: bool = False) -> None:
    """Bind the database to the org it is synced from; refuse another org unless told otherwise."""
    if not org_id:
        return
    recorded = conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == "org_id")).scalar()
    if recorded and recorded != org_id and not allow_other_org:
        raise ConfigError([
            f"VMSYNC_DB_URL: this database was synced from org {recorded}, not from {org_id}; point VMSYNC_DB_URL at the "
            "database of this org, or pass allow_other_org (--allow-other-org) to rebind it",
        ])
    upsert(conn, sync_meta, [{"key": "org_id", "value": org_id}], key=("key",), keep=())
