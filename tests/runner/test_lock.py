"""One run at a time per database: the lock row, its heartbeat, stale locks, and two runs started together."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from vmsync.runner.lock import LockHeld, RunLock, current_holder, is_stale
from vmsync.store.tables import sync_meta

from ..conftest import process_environ
from .conftest import vmsync


def _plant(engine, **holder) -> None:
    with engine.begin() as conn:
        conn.execute(sync_meta.insert().values(key="run_lock", value=json.dumps(holder)))


def test_second_lock_is_refused_naming_the_holder_then_free_after_release(engine):
    first = RunLock(engine, "run-a")
    first.acquire()
    with pytest.raises(LockHeld, match="run run-a is running"):
        RunLock(engine, "run-b").acquire()
    assert current_holder(engine)["run_id"] == "run-a"
    first.release()
    assert current_holder(engine) is None
    second = RunLock(engine, "run-b")
    second.acquire()
    second.release()


def test_lock_of_a_dead_process_is_cleared():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = {"run_id": "gone", "pid": int(dead.stdout), "host": socket.gethostname(),
              "heartbeat": datetime.now(UTC).isoformat()}
    assert is_stale(holder)


def test_stale_lock_is_taken_over_and_a_live_one_is_not(engine):
    _plant(engine, run_id="old", pid=1, host="elsewhere",
           heartbeat=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    lock = RunLock(engine, "new")
    lock.acquire()
    assert current_holder(engine)["run_id"] == "new"
    lock.release()

    _plant(engine, run_id="busy", pid=1, host="elsewhere", heartbeat=datetime.now(UTC).isoformat())
    with pytest.raises(LockHeld, match="busy"):
        RunLock(engine, "new").acquire()


def test_heartbeat_refreshes_the_lock_and_notices_when_it_was_taken(engine):
    lock = RunLock(engine, "beating", heartbeat_every=3600)
    lock.acquire()
    before = current_holder(engine)["heartbeat"]
    time.sleep(1.1)  # heartbeats are written to the second
    lock.heartbeat()
    assert current_holder(engine)["heartbeat"] > before and not lock.lost
    with engine.begin() as conn:
        conn.execute(sa.delete(sync_meta).where(sync_meta.c.key == "run_lock"))
    lock.heartbeat()
    assert lock.lost
    lock.release()


def test_two_runs_started_together_exactly_one_proceeds(sandbox, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'vms.db'}"
    env = process_environ(sandbox, db_url, tmp_path / "runs")
    processes = [vmsync("run", "--only", "schools", env=env, cwd=tmp_path) for _ in range(2)]
    outcomes = [(p.wait(), *p.output()) for p in processes]

    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 2], outcomes
    refused = next(err for code, _, err in outcomes if code == 2)
    winner = next(out for code, out, _ in outcomes if code == 0)
    run_id = re.search(r"Run (\S+) succeeded", winner).group(1)
    assert f"run {run_id} is running on this database" in refused
    assert [p.name for p in (tmp_path / "runs").iterdir() if p.is_dir()] == [run_id]
