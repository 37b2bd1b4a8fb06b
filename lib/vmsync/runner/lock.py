"""One run at a time per database: a ``sync_meta`` row naming the run that holds the database.

The row is taken with an INSERT on ``sync_meta``'s primary key, so of two runs starting together exactly one
gets it, on SQLite and PostgreSQL alike. The holder refreshes a heartbeat in it; a holder whose process is
gone (same host) or whose heartbeat is older than ``stale_after`` is stale, and the next run clears it.
Every change is a compare-and-set on the row's whole value, so a run never clears a lock it did not see.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..report.runfolder import pid_alive
from ..store.tables import sync_meta

log = logging.getLogger("vmsync.runner")

LOCK_KEY = "run_lock"
HEARTBEAT_EVERY = 20.0
STALE_AFTER = 300.0
_ATTEMPTS = 3


class LockHeld(Exception):
    """Another run holds the database; ``holder`` is its lock record (run_id, pid, host, heartbeat)."""

    def __init__(self, holder: dict):
        self.holder = holder
        super().__init__(
            f"run {holder.get('run_id')} is running on this database (pid {holder.get('pid')} on "
            f"{holder.get('host')}, last heartbeat {holder.get('heartbeat')}); wait for it to finish")


def is_stale(holder: dict, *, stale_after: float = STALE_AFTER, now: datetime | None = None) -> bool:
    """Whether the process that wrote ``holder`` has gone (same host) or stopped beating."""
    if holder.get("host") == socket.gethostname() and not pid_alive(int(holder.get("pid") or 0)):
        return True
    try:
        beat = datetime.fromisoformat(holder["heartbeat"])
    except (KeyError, TypeError, ValueError):
        return True
    return ((now or datetime.now(UTC)) - beat).total_seconds() > stale_after


def current_holder(engine: Engine) -> dict | None:
    """The lock record of the run holding the database, or None (also when the tables do not exist yet)."""
    from sqlalchemy import inspect

    if not inspect(engine).has_table(sync_meta.name):
        return None
    with engine.connect() as conn:
        value = conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == LOCK_KEY)).scalar()
    return json.loads(value) if value else None


class RunLock:
    """The database lock of one run: ``acquire()``, a heartbeat thread, ``release()``."""

    def __init__(self, engine: Engine, run_id: str, *, heartbeat_every: float = HEARTBEAT_EVERY,
                 stale_after: float = STALE_AFTER):
        self.engine = engine
        self.run_id = run_id
        self.heartbeat_every = heartbeat_every
        self.stale_after = stale_after
        self.lost = False
        self._value: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _record(self) -> str:
        return json.dumps({"run_id": self.run_id, "pid": os.getpid(), "host": socket.gethostname(),
                           "heartbeat": datetime.now(UTC).isoformat(timespec="seconds")})

    def acquire(self) -> None:
        """Take the lock or raise ``LockHeld`` naming the run that has it; a stale lock is cleared first."""
        for _ in range(_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    seen = conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == LOCK_KEY)).scalar()
                    if seen:
                        holder = json.loads(seen)
                        if not is_stale(holder, stale_after=self.stale_after):
                            raise LockHeld(holder)
                        log.warning("clearing the stale lock of run %s (pid %s on %s)", holder.get("run_id"),
                                    holder.get("pid"), holder.get("host"))
                        conn.execute(delete(sync_meta).where(sync_meta.c.key == LOCK_KEY,
                                                             sync_meta.c.value == seen))
                    value = self._record()
                    conn.execute(insert(sync_meta).values(key=LOCK_KEY, value=value))
                self._value = value
                self._start_heartbeat()
                return
            except IntegrityError:
                continue  # another run inserted first: look again at who holds it
        holder = current_holder(self.engine) or {"run_id": "(unknown)"}
        raise LockHeld(holder)

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="vmsync-lock-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_every):
            self.heartbeat()

    def heartbeat(self) -> None:
        """Refresh the heartbeat; a lock cleared by someone else is noted in ``lost`` and logged."""
        new = self._record()
        try:
            with self.engine.begin() as conn:
                changed = conn.execute(update(sync_meta).where(
                    sync_meta.c.key == LOCK_KEY, sync_meta.c.value == self._value).values(value=new)).rowcount
        except Exception as exc:  # a database hiccup must not stop the run; the next beat tries again
            log.warning("lock heartbeat failed: %s", exc)
            return
        if changed:
            self._value = new
        elif not self.lost:
            self.lost = True
            log.warning("the database lock of run %s was cleared by another run", self.run_id)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._value is None:
            return
        with self.engine.begin() as conn:
            conn.execute(delete(sync_meta).where(sync_meta.c.key == LOCK_KEY, sync_meta.c.value == self._value))
        self._value = None
