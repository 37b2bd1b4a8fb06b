"""The per-stream Id comparison of org and database (``vmsync.sync.reconcile``), kept for the run's report.

A comparison costs Salesforce calls (one ``SELECT Id`` page per 2,000 records), so it is made once and kept in
``sync_meta`` under ``reconcile:<run-id>`` as JSON: the summary of a ``--full`` run makes it when the run has
none, ``vmsync check --reconcile`` files its own under the last run, and a summary made again reads it back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from ..store.tables import sync_meta
from ..store.upsert import upsert
from ..sync.reconcile import StreamReconciliation, reconcile

KEY_PREFIX = "reconcile:"


def save(conn: Connection, run_id: str, results: list[StreamReconciliation], *, source: str,
         now: datetime | None = None) -> dict:
    """Keep ``results`` as the comparison of ``run_id``; returns what was kept."""
    kept = {"checked_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"), "source": source,
            "streams": [asdict(r) for r in results]}
    upsert(conn, sync_meta, [{"key": KEY_PREFIX + run_id, "value": json.dumps(kept)}], key=("key",), keep=())
    return kept


def load(conn: Connection, run_id: str) -> dict | None:
    value = conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == KEY_PREFIX + run_id)).scalar()
    return json.loads(value) if value else None


def save_for_last_run(engine: Engine, results: list[StreamReconciliation], *, source: str) -> str | None:
    """Keep ``results`` with the last run in the database (the state they checked); its id, or None."""
    from .records import last_run_id

    with engine.begin() as conn:
        run_id = last_run_id(conn)
        if run_id:
            save(conn, run_id, results, source=source)
    return run_id


def compare_and_save(engine: Engine, client, run_id: str, names: list[str] | None = None, *,
                     source: str) -> dict:
    """Compare org and database now for the entities ``names`` (all by default; ``client``: a connected
    ``SalesforceClient``) and keep the result."""
    results = reconcile(engine, client, names)
    with engine.begin() as conn:
        return save(conn, run_id, results, source=source)
