"""A kernel killed outright (SIGKILL) in the middle of a database write, at a seeded random one of the step's
writes, and then the step run again as ``--resume`` runs it (same run id, a new kernel): the database must
equal that of a run that was never killed, with no duplicate and no lost row.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from ..conftest import process_environ
from .conftest import differences, snapshot, steps_for

KILLER = Path(__file__).with_name("kill_at_write.py")
WRITES = ("INSERT", "UPDATE", "DELETE")
STEP = {"page_size": 200}  # the volunteers' first sync: a full read of two pages, then the Id comparison


class WriteCounter:
    """Counts the INSERT / UPDATE / DELETE statements sent while it is active, as the killer does."""

    def __init__(self):
        self.writes = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            self.writes += 1

    def __enter__(self):
        event.listen(Engine, "after_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "after_cursor_execute", self)


def kill_during_step(sandbox, db_url: str, run_id: str, kill_at: int) -> subprocess.CompletedProcess:
    args = [f"{k}={v}" for k, v in STEP.items()]
    return subprocess.run([sys.executable, str(KILLER), "volunteers", run_id, str(kill_at), *args],
                          env=process_environ(sandbox, db_url),
                          capture_output=True, text=True, timeout=300)


def sqlite_and_postgres_seeds(sqlite: int, postgres: int, soak: int) -> list:
    """(dialect, seed) cases: a few by default, ``soak`` more of each behind --run-soak."""
    cases = []
    for dialect, default in (("sqlite", sqlite), ("postgresql", postgres)):
        for seed in range(soak):
            cases.append(pytest.param(dialect, seed, marks=() if seed < default else pytest.mark.soak,
                                      id=f"{dialect}-seed{seed}"))
    return cases


@pytest.mark.parametrize(("db_url", "seed"), sqlite_and_postgres_seeds(2, 1, 25), indirect=["db_url"])
def test_kernel_killed_at_a_random_write_then_resumed(org, db_url, second_db_url, seed):
    reference = steps_for(org, second_db_url)
    reference.run("organizations", "base", mode="full")
    with WriteCounter() as counter:
        reference.run("volunteers", "reference", **STEP)
    expected = snapshot(second_db_url)

    steps = steps_for(org, db_url)
    steps.run("organizations", "base", mode="full")
    kill_at = random.Random(seed).randint(1, counter.writes)
    killed = kill_during_step(org, db_url, "crashed", kill_at)
    assert killed.returncode == -signal.SIGKILL, f"not killed at write {kill_at} of {counter.writes}: " \
                                                 f"{killed}"

    resumed = steps.run("volunteers", "crashed", **STEP)  # what --resume does: the same step, a new kernel
    assert resumed.status == "succeeded"
    got = snapshot(db_url)
    assert got == expected, [f"killed at write {kill_at} of {counter.writes}", *differences(got, expected)]
