"""A runner killed outright (SIGKILL) part-way leaves a run that ``--resume`` completes, with the database
ending exactly as an uninterrupted sync of the same entities leaves it (made step by step in this process, as
each notebook syncs its entity; a whole uninterrupted run is tests/runner/test_complete_run.py's)."""

from __future__ import annotations

import json
import signal
import time

import pytest

from vmsync.entities import ordered

from ..conftest import process_environ
from .conftest import model_snapshot, run_in_process, vmsync

ENTITIES = "organizations,schools,volunteers,classes,teachers"


def _wait_until_part_way(run_json_dir, process, timeout: float = 120.0) -> dict:
    """The run.json of the run once one step has succeeded and another is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.output()
        for path in run_json_dir.glob("*/run.json"):
            try:
                record = json.loads(path.read_text())
            except ValueError:
                continue
            states = [s["status"] for s in record["steps"]]
            if "succeeded" in states and "running" in states:
                return record
        time.sleep(0.1)
    raise AssertionError("the run never got part-way")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_killed_run_resumes_to_the_same_database_as_an_uninterrupted_run(clean_sandbox, sync, db_url, tmp_path):
    for entity in ordered(ENTITIES.split(",")):
        assert sync(entity.name, "reference").status == "succeeded"

    killed_dir = tmp_path / "killed"
    killed_dir.mkdir()
    killed_url = f"sqlite:///{killed_dir / 'vms.db'}"
    process = vmsync("run", "--only", ENTITIES, env=process_environ(clean_sandbox, killed_url, killed_dir / "runs"),
                     cwd=killed_dir)
    record = _wait_until_part_way(killed_dir / "runs", process)
    process.popen.send_signal(signal.SIGKILL)
    process.wait()

    left = json.loads((killed_dir / "runs" / record["run_id"] / "run.json").read_text())
    assert left["status"] == "running" and any(s["status"] != "succeeded" for s in left["steps"])
    resumed, report = run_in_process(clean_sandbox, killed_dir, resume=record["run_id"], db_url=killed_url)

    assert resumed.exit_code == 0, report
    assert all(s["status"] == "succeeded" for s in resumed.record["steps"])
    assert model_snapshot(killed_url) == model_snapshot(db_url)
