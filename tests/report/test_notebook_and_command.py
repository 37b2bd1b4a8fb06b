"""The summary notebook as committed (outputs cleared, a parameters cell whose defaults find the last run),
``pytest --nbval-lax`` against a prepared run, and ``vmsync report`` making a summary and the index again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat

from .conftest import NOTEBOOKS_DIR

SUMMARY = NOTEBOOKS_DIR / "summary.ipynb"


def _environment(history) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "VMSYNC_"))}
    return env | {"VMSYNC_RUNS_DIR": str(history.runs_dir), "VMSYNC_DB_URL": history.db_url}


def test_summary_notebook_is_committed_clean_with_a_parameters_cell():
    nb = nbformat.read(SUMMARY, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "run_id = None" in tagged[0].source and "runs_dir = None" in tagged[0].source


def test_summary_passes_nbval_lax_against_the_last_prepared_run(history, tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           str(SUMMARY)], cwd=tmp_path, env=_environment(history), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_vmsync_report_makes_the_summary_and_the_index_again(history, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(history.runs_dir, runs)
    run_id = history.failed.run_id  # the last run, which ``vmsync report`` makes by default
    html = runs / run_id / "summary.html"
    html.unlink()
    (runs / "index.html").unlink()
    env = {k: v for k, v in _environment(history).items() if k != "VMSYNC_DB_URL"}  # run.json names it
    done = subprocess.run([sys.executable, "-m", "vmsync.cli", "report", "--runs-dir", str(runs)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Report: {html.relative_to(tmp_path)}" in done.stdout
    page = html.read_text()
    assert "Failed steps" in page and "VALIDATION" in page and "The last 2 run(s)" in page
    record = json.loads((runs / run_id / "run.json").read_text())
    assert record["summary"]["html"] == "summary.html" and record["summary"]["status"] == "succeeded"
    index = (runs / "index.html").read_text()
    assert all(r.run_id in index for r in history.runs)

    missing = subprocess.run([sys.executable, "-m", "vmsync.cli", "report", "20990101T000000Z-0000",
                              "--runs-dir", str(runs)], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 2 and "no run '20990101T000000Z-0000'" in missing.stderr
