"""After a successful run the VMS application is told (VMSYNC_AFTER_RUN) and run.json says which model tables
each step changed, so it can refresh just the caches that depend on them."""

from __future__ import annotations

import json


def test_after_run_hook_and_tables_changed(two_runs):
    first, again = two_runs.first, two_runs.second
    assert first.exit_code == 0, two_runs.printed["first"]
    assert two_runs.marker.read_text().strip() == str(first.folder)
    step = json.loads((first.folder / "run.json").read_text())["steps"][0]
    assert step["tables_changed"] == {"organization": step["counts"]["new"]}

    assert again.exit_code == 0, two_runs.printed["second"]
    steps = {s["entity"]: s for s in json.loads((again.folder / "run.json").read_text())["steps"]}
    assert steps["organizations"]["tables_changed"] == {}
