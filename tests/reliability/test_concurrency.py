"""Two writers on one database: a second run is refused naming the first; an analyst's notebook run by hand
during a run, and a database held locked by someone else, are waited for; nothing is corrupted.

After the runs the database must equal that of one uninterrupted sync (made step by step in this process),
every step must have ended (none left ``running``), and SQLite's own integrity check must pass.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import papermill as pm
import pytest
import sqlalchemy as sa

from vmsync.store import tables as t

from ..conftest import environ, process_environ, wait_for
from .conftest import differences, snapshot, steps_for

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def vmsync_run(sandbox, workdir: Path, db_url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vmsync.cli", "run", *args], cwd=workdir,
                            env=process_environ(sandbox, db_url, workdir / "runs"),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def lock_holder(db_url: str) -> str | None:
    """The run id in the database's run lock, if a run holds it."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            meta = t.sync_meta
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "run_lock")).scalar()
    except sa.exc.DBAPIError:  # no tables yet
        value = None
    finally:
        engine.dispose()
    return re.search(r'"run_id": "([^"]+)"', value).group(1) if value else None


def unfinished_steps(db_url: str) -> list:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.sync_step.c.run_id, t.sync_step.c.entity)
                            .where(t.sync_step.c.status == "running")).all()
    engine.dispose()
    return rows


def assert_sound(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        with sqlite3.connect(sa.engine.make_url(db_url).database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert unfinished_steps(db_url) == []


@pytest.mark.parametrize("db_url", [  # SQLite: tests/runner/test_lock.py starts two runs together
    pytest.param("sqlite", marks=pytest.mark.soak), "postgresql"], indirect=True)
def test_a_second_run_is_refused_naming_the_run_that_holds_the_database(org, db_url, tmp_path):
    first = vmsync_run(org, tmp_path, db_url, "--only", "schools")
    holder = wait_for(lambda: lock_holder(db_url), "the first run to take the database")
    second = vmsync_run(org, tmp_path, db_url, "--only", "schools")
    code, _, refusal = second.wait(timeout=120), *second.communicate()
    assert code == 2, refusal
    assert f"run {holder} is running on this database" in refusal
    assert first.wait(timeout=300) == 0, first.communicate()
    folders = [p.name for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    assert folders == [holder], "the refused run wrote a folder"
    assert_sound(db_url)


@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.soak)],
                         indirect=True)
def test_a_notebook_run_by_hand_during_a_run_is_safe(org, db_url, second_db_url, tmp_path, monkeypatch):
    reference = steps_for(org, second_db_url)
    for entity in ("organizations", "volunteers"):
        reference.run(entity, "reference")
    steps_for(org, db_url).run("organizations", "before")

    run = vmsync_run(org, tmp_path, db_url, "--only", "volunteers")
    wait_for(lambda: lock_holder(db_url), "the run to take the database")
    for name, value in environ(org, db_url).items():  # the analyst's own environment
        monkeypatch.setenv(name, value)
    manual = {}

    def analyst():
        try:
            pm.execute_notebook(str(NOTEBOOKS / "volunteers.ipynb"), str(tmp_path / "by-hand.ipynb"),
                                progress_bar=False, kernel_name="python3", cwd=str(tmp_path))
            manual["outcome"] = "succeeded"
        except pm.PapermillExecutionError as exc:
            manual["outcome"] = f"{exc.ename}: {exc.evalue}"

    by_hand = threading.Thread(target=analyst)
    by_hand.start()
    code = run.wait(timeout=600)
    by_hand.join(timeout=600)
    assert code == 0, run.communicate()
    assert manual["outcome"] == "succeeded", f"the notebook run by hand: {manual['outcome']}"
    assert_sound(db_url)
    got, expected = snapshot(db_url), snapshot(second_db_url)
    assert got == expected, differences(got, expected)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_database_locked_by_another_program_is_waited_for(org, db_url, second_db_url):
    reference = steps_for(org, second_db_url)
    reference.run("organizations", "reference")
    steps = steps_for(org, db_url)
    steps.run("organizations", "first", mode="full")  # makes the file and its tables
    holder = sqlite3.connect(sa.engine.make_url(db_url).database, isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another program writing: nobody else may write (or read, outside WAL)
    release = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        result = steps.run("organizations", "waited", mode="full")
    finally:
        release.join()
        holder.close()
    assert result.status == "succeeded"
    assert_sound(db_url)
    got, expected = snapshot(db_url), snapshot(second_db_url)
    assert got == expected, differences(got, expected)
