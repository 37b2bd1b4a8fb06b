"""A notebook run by hand, from a kernel started in ``notebooks/`` with the settings in the project's ``.env``:
it finds the project, records a manual run that is closed however the step ends, and that run shows in
``vmsync status``, the runs index and the run records the trends read; a killed kernel's run is abandoned."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest
from sqlalchemy import select

from vmsync.report import records
from vmsync.runner.status import show_run, show_runs
from vmsync.store.database import open_engine
from vmsync.store.tables import sync_run

from ..conftest import environ

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def project(tmp_path: Path, settings: dict[str, str]) -> Path:
    """A project folder with its ``.env`` and a copy of the schools notebook in ``notebooks/``."""
    home = tmp_path / "project"
    (home / "notebooks").mkdir(parents=True)
    (home / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    shutil.copy(NOTEBOOKS / "schools.ipynb", home / "notebooks")
    return home


def by_hand(home: Path) -> Path:
    """Run the notebook as an analyst does: its defaults, the kernel in ``notebooks/``."""
    out = home / "notebooks" / "schools-run.ipynb"
    pm.execute_notebook(home / "notebooks" / "schools.ipynb", out, kernel_name="python3",
                        shutdown_kernel="immediate", progress_bar=False, cwd=home / "notebooks")
    return out


def only_run(home: Path) -> dict:
    [folder] = [p for p in (home / "runs").iterdir() if p.is_dir()]
    return json.loads((folder / "run.json").read_text())


def closed_row(db_url: str, run_id: str) -> dict:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        row = dict(conn.execute(select(sync_run).where(sync_run.c.run_id == run_id)).mappings().one())
        recent = [r["run_id"] for r in records.recent_runs(conn)]
    engine.dispose()
    assert run_id in recent  # what the trends read
    return row


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_notebook_run_by_hand_is_a_closed_manual_run_in_status_and_index(clean_sandbox, db_url, tmp_path,
                                                                           monkeypatch):
    monkeypatch.delenv("VMSYNC_HOME", raising=False)
    sqlite = db_url.startswith("sqlite")
    home = project(tmp_path, environ(clean_sandbox, "sqlite:///vms.db" if sqlite else db_url))
    by_hand(home)
    if sqlite:  # the project's database, not a new one beside the notebook
        assert (home / "vms.db").is_file() and not (home / "notebooks" / "vms.db").exists()
        db_url = f"sqlite:///{home / 'vms.db'}"
    record = only_run(home)
    assert record["manual"] is True and record["status"] == "succeeded" and record["finished_at"]
    assert record["run_id"].startswith("manual-") and record["steps"][0]["entity"] == "schools"
    assert record["steps"][0]["counts"]["extracted"] > 0
    row = closed_row(db_url, record["run_id"])
    assert row["status"] == "succeeded" and row["finished_at"] is not None
    index = (home / "runs" / "index.html").read_text()
    assert record["run_id"] in index and "manual" in index
    out = io.StringIO()
    assert show_runs(home / "runs", out) == 0 and record["run_id"] in out.getvalue()
    out = io.StringIO()
    assert show_run(home / "runs", record["run_id"], out) == 0
    assert "succeeded (run by hand)" in out.getvalue()
    assert clean_sandbox.connection["password"] not in (home / "runs" / record["run_id"] / "run.json").read_text()


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_failed_notebook_run_by_hand_closes_its_run_as_failed(clean_sandbox, db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("VMSYNC_HOME", raising=False)
    home = project(tmp_path, environ(clean_sandbox, db_url, SF_PASSWORD="not-the-password"))
    with pytest.raises(pm.PapermillExecutionError):
        by_hand(home)
    record = only_run(home)
    assert record["status"] == "failed" and record["steps"][0]["error_class"] == "AUTH"
    assert closed_row(db_url, record["run_id"])["status"] == "failed"
    out = io.StringIO()
    assert show_run(home / "runs", record["run_id"], out) == 1 and "failed (run by hand)" in out.getvalue()


KILLED_KERNEL = """
import os, signal, sys
from pathlib import Path
from vmsync.notebook.manual import ManualRun
ManualRun("manual-killed", "schools", "incremental", sys.argv[1], Path(sys.argv[2])).open()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_manual_run_left_open_by_a_killed_kernel_shows_as_abandoned(tmp_path):
    runs = tmp_path / "runs"
    done = subprocess.run([sys.executable, "-c", KILLED_KERNEL, f"sqlite:///{tmp_path / 'vms.db'}", str(runs)],
                          check=False)
    assert done.returncode == -9
    assert json.loads((runs / "manual-killed" / "run.json").read_text())["status"] == "running"
    out = io.StringIO()
    show_runs(runs, out)
    assert "abandoned" in out.getvalue() and "running" not in out.getvalue().splitlines()[1]
    from vmsync.report.index import write_index

    assert "abandoned" in write_index(runs).read_text()
