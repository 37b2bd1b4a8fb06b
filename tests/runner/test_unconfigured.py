"""A step whose source is not configured (virtual sessions without a Pathful report) is skipped, saying why,
and neither fails the run nor holds anything up."""

from __future__ import annotations

import json

from vmsync import entities
from vmsync.runner.record import RunRecord


def test_the_virtual_sessions_step_says_what_to_configure():
    skip = entities.get("virtual_sessions").skip
    assert "VMSYNC_PATHFUL_SOURCE" in skip({})
    assert skip({"VMSYNC_PATHFUL_SOURCE": "report.xlsx"}) is None


def test_an_unconfigured_step_is_skipped_and_the_run_succeeds(two_runs):
    result = two_runs.second  # a connection without the Pathful report
    assert result.exit_code == 0, two_runs.printed["second"]
    record = json.loads((result.folder / "run.json").read_text())
    steps = {s["entity"]: s for s in record["steps"]}
    assert steps["organizations"]["status"] == "succeeded"
    assert steps["virtual_sessions"]["status"] == "skipped"
    assert "VMSYNC_PATHFUL_SOURCE" in steps["virtual_sessions"]["reason"]
    assert RunRecord.from_json(record).final_status(interrupted=False) == "succeeded"
