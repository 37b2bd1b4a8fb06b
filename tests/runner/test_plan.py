"""The plan (order, selection, notebooks), run ids, the progress lines and table, and the runs index."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from vmsync.entities import ENTITIES, ordered
from vmsync.errors import UsageError
from vmsync.report.index import write_index
from vmsync.report.runfolder import RunFolder
from vmsync.runner.folder import is_run_id, new_run_id
from vmsync.runner.plan import build_plan, default_notebooks_dir, parse_names
from vmsync.runner.progress import Progress, table
from vmsync.runner.record import StepRecord


def test_plan_takes_every_entity_with_its_notebook_in_dependency_order():
    plan = build_plan()
    assert [s.entity for s in plan] == [e.name for e in ordered()]
    assert [s.name for s in plan][:2] == [f"01-{plan[0].entity}", f"02-{plan[1].entity}"]
    position = {s.entity: s.index for s in plan}
    for step in plan:
        assert step.notebook == default_notebooks_dir() / f"{step.entity}.ipynb"
        assert set(step.depends_on) == set(ENTITIES[step.entity].depends_on)
        assert all(position[d] < step.index for d in step.depends_on)


def test_only_and_exclude_narrow_the_plan_and_drop_dependencies_left_out():
    plan = build_plan(only=["volunteers", "organizations", "schools"], exclude=["schools"])
    assert [(s.entity, s.depends_on) for s in plan] == [("organizations", ()), ("volunteers", ("organizations",))]
    assert [s.entity for s in build_plan(only=["volunteers"])] == ["volunteers"]
    assert build_plan(only=["volunteers"])[0].depends_on == ()


def test_unknown_names_are_refused_listing_the_known_ones():
    with pytest.raises(UsageError, match="unknown entities nope, nada; known: " + ", ".join(ENTITIES)):
        build_plan(only=["nope"], exclude=["nada"])


def test_an_entity_without_a_notebook_is_refused(tmp_path):
    shutil.copy(default_notebooks_dir() / "schools.ipynb", tmp_path / "schools.ipynb")
    with pytest.raises(UsageError, match="no notebook for organizations"):
        build_plan(only=["schools", "organizations"], notebooks_dir=tmp_path)
    assert [s.entity for s in build_plan(only=["schools"], notebooks_dir=tmp_path)] == ["schools"]


def test_names_and_run_ids():
    assert parse_names(" a, b ,,c ") == ["a", "b", "c"] and parse_names(None) == []
    run_id = new_run_id()
    assert is_run_id(run_id) and run_id != new_run_id()
    assert not is_run_id("manual-20240101")


def _steps():
    return [
        StepRecord(1, "schools", [], status="succeeded", duration_s=2.5,
                   counts={"extracted": 16, "new": 16, "updated": 0, "deleted": 0, "rejected": 0, "orphaned": 0}),
        StepRecord(2, "classes", [], status="failed", duration_s=1.0, counts=None, error_class="NETWORK",
                   error_message="login failed"),
        StepRecord(3, "students", [], status="skipped", reason="classes did not succeed"),
        StepRecord(4, "teachers", [], status="pending"),
    ]


def test_plain_progress_writes_one_line_per_finished_step():
    out = io.StringIO()
    steps = _steps()
    progress = Progress(steps, out, live=False)
    for step in steps:
        progress.changed(step)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "schools" in lines[0] and "done" in lines[0] and "new 16" in lines[0]
    assert "failed" in lines[1] and "NETWORK: login failed" in lines[1]
    assert "skipped" in lines[2] and "classes did not succeed" in lines[2]


def test_live_progress_redraws_the_block_in_place():
    out = io.StringIO()
    steps = _steps()
    steps[3].status = "running"
    progress = Progress(steps, out, live=True)
    progress.changed(steps[3])
    progress.cell("teachers", 3, 8)
    progress.refresh()
    drawn = out.getvalue()
    assert drawn.count("\x1b[4F") == 1, "the second drawing moves up over the first"
    assert "cell 3/8" in drawn.split("\x1b[4F")[1]


def test_final_table_has_a_row_per_step():
    text = table(_steps())
    assert text.splitlines()[0].split()[:4] == ["step", "status", "time", "extracted"]
    assert "NETWORK" in text and "classes did not succeed" in text and len(text.splitlines()) == 6


def test_index_lists_runs_newest_first_and_escapes(tmp_path):
    for run_id, status in (("20260101T000000Z-aaaa", "failed"), ("20260102T000000Z-bbbb", "succeeded")):
        folder = RunFolder(tmp_path, run_id)
        folder.path.mkdir()
        folder.record_path.write_text(json.dumps(
            {"run_id": run_id, "status": status, "started_at": "x", "mode": "incremental", "duration_s": 3.0,
             "steps": [{"entity": "<b>", "status": status, "html": "01-x.html"}]}))
    (tmp_path / "not-a-run").mkdir()
    page = write_index(tmp_path).read_text()
    assert page.index("20260102T000000Z-bbbb") < page.index("20260101T000000Z-aaaa")
    assert "&lt;b&gt;" in page and "<b>" not in page and "not-a-run" not in page
    assert 'href="20260101T000000Z-aaaa/01-x.html#papermill-error-cell"' in page, "a failed step opens at its error"
