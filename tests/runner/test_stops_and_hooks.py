"""A run stopped by SIGTERM, a run whose org cannot be reached, the summary notebook run last (after a failed
step too), and VMSYNC_ON_FAILURE told of every failed run."""

from __future__ import annotations

import json
import signal
import time

import nbformat
import sqlalchemy as sa

from ..conftest import process_environ
from .conftest import make_notebook, run_in_process, vmsync

HOOK = 'printf "%s %s %s" "$1" "$VMSYNC_RUN_ID" "$VMSYNC_RUN_STATUS" > "$HOOK_FILE"'


def _running(runs_dir, entity: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in runs_dir.glob("*/run.json"):
            try:
                record = json.loads(path.read_text())
            except ValueError:
                continue
            if any(s["entity"] == entity and s["status"] == "running" for s in record["steps"]):
                return record
        time.sleep(0.1)
    raise AssertionError(f"{entity} never started")


def _step_recorded(db_url: str, entity: str, timeout: float = 120.0) -> None:
    engine = sa.create_engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    if conn.execute(sa.text("SELECT count(*) FROM sync_step WHERE entity = :e"), {"e": entity}).scalar():
                        return
            except sa.exc.OperationalError:
                pass  # the tables are not there yet
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError(f"{entity} never reached its step")


def test_sigterm_stops_the_running_steps_and_leaves_a_resumable_run(clean_sandbox, tmp_path):
    clean_sandbox.control.add_fault({"kind": "query", "contains": "Type = 'School')", "effect": "delay",
                                     "seconds": 30})
    db_url = f"sqlite:///{tmp_path / 'vms.db'}"
    env = process_environ(clean_sandbox, db_url, tmp_path / "runs") | {"VMSYNC_ON_FAILURE": HOOK,
                                                               "HOOK_FILE": str(tmp_path / "hook")}
    process = vmsync("run", "--only", "schools,classes", env=env, cwd=tmp_path)
    record = _running(tmp_path / "runs", "schools")
    _step_recorded(db_url, "schools")  # the step is inside run_step, held by the slow query
    process.popen.send_signal(signal.SIGTERM)

    assert process.wait(timeout=60) == 1, process.output()
    folder = tmp_path / "runs" / record["run_id"]
    left = json.loads((folder / "run.json").read_text())
    steps = {s["entity"]: s for s in left["steps"]}
    assert left["status"] == "interrupted"
    assert steps["schools"]["status"] == "interrupted" and steps["classes"]["status"] == "pending"
    assert steps["schools"]["counts"]["extracted"] == 0, "read back from sync_step when the notebook has none"
    assert "papermill-error-cell-tag" in (folder / steps["schools"]["notebook"]).read_text()
    assert (tmp_path / "hook").read_text() == f"{folder} {record['run_id']} interrupted"
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value FROM sync_meta WHERE key = 'run_lock'")).scalar() is None
        assert conn.execute(sa.text("SELECT status FROM sync_run")).scalar() == "interrupted"
    engine.dispose()


def test_unreachable_org_is_a_failed_run_with_its_reason_and_nothing_synced(clean_sandbox, tmp_path):
    clean_sandbox.control.add_fault({"kind": "login", "effect": "error", "status": 403,
                                     "error_code": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit"})
    hook_file = tmp_path / "hook"
    result, report = run_in_process(clean_sandbox, tmp_path, only=["schools"],
                                     on_failure=f'echo "$1" > {hook_file}')
    assert result.exit_code == 1, report
    record = json.loads((result.folder / "run.json").read_text())
    assert record["status"] == "failed" and record["error"].startswith("RATE_LIMIT")
    assert [s["status"] for s in record["steps"]] == ["pending"]
    assert hook_file.read_text().strip() == str(result.folder)
    assert not (tmp_path / "vms.db").exists() or sa.inspect(sa.create_engine(
        f"sqlite:///{tmp_path / 'vms.db'}")).get_table_names() == []


def test_summary_runs_last_after_a_failed_step_and_hides_its_code(sandbox, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    make_notebook(notebooks / "schools.ipynb", "raise RuntimeError('schools broke')")
    make_notebook(notebooks / "summary.ipynb",
                  "import json, pathlib\n"
                  "record = json.loads((pathlib.Path(runs_dir) / run_id / 'run.json').read_text())\n"
                  "print('SUMMARY', [(s['entity'], s['status']) for s in record['steps']])",
                  parameters="run_id = None\nruns_dir = 'runs'")
    result, report = run_in_process(sandbox, tmp_path, only=["schools"], notebooks_dir=notebooks)

    assert result.exit_code == 1, report
    summary = result.record["summary"]
    assert summary["status"] == "succeeded"
    assert (summary["notebook"], summary["html"]) == ("summary.ipynb", "summary.html")
    nb = nbformat.read(result.folder / "summary.ipynb", as_version=4)
    assert "SUMMARY [('schools', 'failed')]" in nb.cells[-1].outputs[0].text
    assert nb.metadata.papermill.parameters == {"run_id": result.run_id, "runs_dir": str(tmp_path / "runs")}
    page = (result.folder / "summary.html").read_text()
    assert "SUMMARY" in page
    assert "pathlib.Path" not in page
    assert f"Report: {result.folder / 'summary.html'}\n" in report
