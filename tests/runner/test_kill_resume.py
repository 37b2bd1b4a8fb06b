"""A runner killed outright (SIGKILL) part-way leaves a run that ``--resume`` completes, with the database
ending exactly as an uninterrupted run leaves it."""

from __future__ import annotations

import json
import signal
import time

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


def test_killed_run_resumes_to_the_same_database_as_an_uninterrupted_run(clean_sandbox, tmp_path):
    (tmp_path / "reference").mkdir()
    reference, report = run_in_process(clean_sandbox, tmp_path / "reference", only=ENTITIES.split(","))
    assert reference.exit_code == 0, report

    killed_dir = tmp_path / "killed"
    killed_dir.mkdir()
    db_url = f"sqlite:///{killed_dir / 'vms.db'}"
    process = vmsync("run", "--only", ENTITIES, env=process_environ(clean_sandbox, db_url, killed_dir / "runs"),
                     cwd=killed_dir)
    record = _wait_until_part_way(killed_dir / "runs", process)
    process.popen.send_signal(signal.SIGKILL)
    process.wait()

    left = json.loads((killed_dir / "runs" / record["run_id"] / "run.json").read_text())
    assert left["status"] == "running" and any(s["status"] != "succeeded" for s in left["steps"])
    resumed, report = run_in_process(clean_sandbox, killed_dir, resume=record["run_id"], db_url=db_url)

    assert resumed.exit_code == 0, report
    assert all(s["status"] == "succeeded" for s in resumed.record["steps"])
    assert model_snapshot(db_url) == model_snapshot(f"sqlite:///{tmp_path / 'reference' / 'vms.db'}")
