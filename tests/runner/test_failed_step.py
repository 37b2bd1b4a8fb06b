"""A step that fails for real (the sandbox refuses its query): the run exits 1, the failed notebook shows the
error at the top, its dependants are skipped, independent steps complete, and ``--resume`` finishes the run
once the cause is gone."""

from __future__ import annotations

import json

import nbformat

from .conftest import run_in_process

ENTITIES = ["organizations", "schools", "volunteers", "classes"]  # classes depends on schools
BROKEN_QUERY = {"kind": "query", "contains": "Type = 'School')", "effect": "error", "status": 400,
                "error_code": "MALFORMED_QUERY", "message": "unexpected token: broken on purpose"}


def test_failed_step_skips_its_dependants_and_resume_finishes_the_run(clean_sandbox, tmp_path):
    clean_sandbox.control.add_fault(BROKEN_QUERY)
    failed, report = run_in_process(clean_sandbox, tmp_path, only=ENTITIES)

    assert failed.exit_code == 1, report
    steps = {s["entity"]: s for s in failed.record["steps"]}
    assert steps["schools"]["status"] == "failed"
    assert steps["schools"]["error_class"] == "VALIDATION"
    assert "MALFORMED_QUERY" in steps["schools"]["error_message"]
    assert steps["classes"]["status"] == "skipped" and "schools" in steps["classes"]["reason"]
    assert steps["organizations"]["status"] == "succeeded" and steps["volunteers"]["status"] == "succeeded"
    assert json.loads((failed.folder / "run.json").read_text())["status"] == "failed"

    nb = nbformat.read(failed.folder / steps["schools"]["notebook"], as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.tags, "the error banner is the first cell"
    failing = [c for c in nb.cells if c.get("metadata", {}).get("papermill", {}).get("status") == "failed"]
    assert failing and failing[0].outputs[-1].output_type == "error"
    assert (failed.folder / steps["schools"]["html"]).exists()
    assert not (failed.folder / "04-classes.ipynb").exists()
    table = report.split("Run ")[0]
    assert "schools" in table and "VALIDATION" in table

    clean_sandbox.control.clear_faults()
    resumed, report = run_in_process(clean_sandbox, tmp_path, resume=failed.run_id)

    assert resumed.exit_code == 0, report
    assert resumed.run_id == failed.run_id and resumed.folder == failed.folder
    steps = {s["entity"]: s for s in resumed.record["steps"]}
    assert all(s["status"] == "succeeded" for s in steps.values())
    assert steps["organizations"]["attempts"] == 1, "a step that succeeded is not run again"
    assert steps["schools"]["attempts"] == 2 and steps["classes"]["attempts"] == 1
    assert len(resumed.record["attempts"]) == 2
    nb = nbformat.read(resumed.folder / steps["schools"]["notebook"], as_version=4)
    assert not any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells)

    # the failed attempt stays in the folder, traceback and rendering included, and the reports say so
    [before] = steps["schools"]["earlier"]
    assert (before["attempt"], before["status"], before["error_class"]) == (1, "failed", "VALIDATION")
    assert before["notebook"] == "02-schools.attempt1.ipynb" and before["html"] == "02-schools.attempt1.html"
    kept = nbformat.read(resumed.folder / before["notebook"], as_version=4)
    assert "papermill-error-cell-tag" in kept.cells[0].metadata.tags
    assert "MALFORMED_QUERY" in (resumed.folder / before["html"]).read_text()
    assert steps["classes"]["earlier"] == [] and steps["organizations"]["earlier"] == []
    resumed_when = resumed.record["attempts"][1]["started_at"][:16].replace("T", " ")
    index = (tmp_path / "runs" / "index.html").read_text()
    assert f"resumed {resumed_when}" in index and f'{failed.run_id}/02-schools.attempt1.html#' in index
    summary = (resumed.folder / resumed.record["summary"]["html"]).read_text()
    assert "This run was resumed" in summary and "What failed before" in summary
    assert "02-schools.attempt1.html#papermill-error-cell" in summary and "left out" not in summary
