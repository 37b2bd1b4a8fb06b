"""After a successful run the VMS application is told (VMSYNC_AFTER_RUN) and run.json says which model tables
each step changed, so it can refresh just the caches that depend on them."""

from __future__ import annotations

import json

from .conftest import run_in_process


def test_after_run_hook_and_tables_changed(sandbox, tmp_path):
    marker = tmp_path / "after-run.txt"
    result, printed = run_in_process(sandbox, tmp_path, only=["organizations"],
                                     after_run=f'echo "$1" > {marker}')
    assert result.exit_code == 0, printed
    assert marker.read_text().strip() == str(result.folder)
    step = json.loads((result.folder / "run.json").read_text())["steps"][0]
    assert step["tables_changed"] == {"organization": step["counts"]["new"]}

    again, printed = run_in_process(sandbox, tmp_path, only=["organizations"])
    assert again.exit_code == 0, printed
    assert json.loads((again.folder / "run.json").read_text())["steps"][0]["tables_changed"] == {}
