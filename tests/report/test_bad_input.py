"""Bad input: a run folder with a missing, partial or foreign notebook, a step that recorded nothing, a
database with no history, nothing at all. The summary still renders, says what is missing, shows the rest."""

from __future__ import annotations

import json
import shutil

import nbformat
import papermill as pm
import pytest
import sqlalchemy as sa

from vmsync.figures import read_scrap
from vmsync.report import scraps, summary
from vmsync.report.scraps import read_figures
from vmsync.runner.render import notebook_html

from .conftest import NOTEBOOKS_DIR

SCRAP_MEDIA = "application/scrapbook.scrap.json+json"


@pytest.fixture(scope="module")
def damaged(history, tmp_path_factory):
    """A copy of the first run's folder with five kinds of damage; the database is the history's."""
    runs = tmp_path_factory.mktemp("damaged") / "runs"
    folder = runs / history.first.run_id
    shutil.copytree(history.first.folder, folder)
    steps = {s["entity"]: s["notebook"] for s in history.first.record["steps"]}
    shutil.copy(folder / steps["schools"], folder / "scratch.ipynb")  # a notebook that is no step of the run
    (folder / steps["organizations"]).unlink()
    partial = folder / steps["schools"]
    partial.write_text(partial.read_text()[:3000])
    shutil.copy(folder / steps["events"], folder / steps["volunteers"])
    silent = folder / steps["events"]
    nb = nbformat.read(silent, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if SCRAP_MEDIA not in o.get("data", {})]
    nbformat.write(nb, silent)
    silent.with_suffix(".html").unlink()
    return runs, folder


def test_damaged_folder_notes_every_problem_and_uses_the_database(history, damaged):
    runs, _ = damaged
    report = summary.load(history.first.run_id, runs, history.db_url)
    by = {s.entity: s for s in report.steps}
    assert "01-organizations.ipynb is missing from the run folder" in by["organizations"].notes
    assert by["schools"].notes[0].startswith("02-schools.ipynb is not a readable notebook")
    assert by["volunteers"].notes == ["03-volunteers.ipynb holds the figures of 'events' in run "
                                      f"'{history.first.run_id}', not of this step: left out"]
    assert by["events"].notes == [
        "04-events.ipynb recorded no figures (it stopped before its step recorded them)",
        "its rendering 04-events.html is missing"]
    assert by["events"].html is None
    assert any("scratch.ipynb" in note for note in report.notes)
    assert all(step.source == "database" for step in report.steps)
    engine = sa.create_engine(history.db_url)
    with engine.connect() as conn:
        rows = {r.entity: r for r in conn.execute(sa.text("SELECT * FROM sync_step WHERE run_id = :r"),
                                                  {"r": history.first.run_id})}
    engine.dispose()
    for step in report.steps:
        row = rows[step.entity]
        assert (step.count("new"), step.count("orphaned")) == (row.new, row.orphaned)


def test_damaged_folder_still_renders(history, damaged, tmp_path):
    runs, _ = damaged
    out = tmp_path / "summary.ipynb"
    pm.execute_notebook(NOTEBOOKS_DIR / "summary.ipynb", out, kernel_name="python3", progress_bar=False,
                        parameters={"run_id": history.first.run_id, "runs_dir": str(runs),
                                    "db_url": history.db_url, "reconcile": False})
    notebook_html(out, tmp_path / "summary.html", hide_code=True)
    page = (tmp_path / "summary.html").read_text()
    assert "Missing or left out" in page
    for text in ("01-organizations.ipynb is missing", "02-schools.ipynb is not a readable notebook",
                 "scratch.ipynb", "04-events.ipynb recorded no figures"):
        assert text in page


def test_no_runs_and_no_database_still_render(tmp_path):
    out = tmp_path / "summary.ipynb"
    pm.execute_notebook(NOTEBOOKS_DIR / "summary.ipynb", out, kernel_name="python3", progress_bar=False,
                        parameters={"runs_dir": str(tmp_path / "runs"),
                                    "db_url": f"sqlite:///{tmp_path / 'none.db'}"})
    notebook_html(out, tmp_path / "summary.html", hide_code=True)
    page = (tmp_path / "summary.html").read_text()
    assert "holds no run folder yet" in page and "does not exist: no run records to show" in page
    assert "No run history in the database yet" in page
    assert not (tmp_path / "none.db").exists(), "reading never creates a database"


def test_a_database_with_no_history_and_a_damaged_run_json(history, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(history.failed.folder, runs / history.failed.run_id)
    empty = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    report = summary.load(None, runs, f"sqlite:///{empty}")
    assert report.run_id == history.failed.run_id
    assert any("holds no run records yet" in note for note in report.notes)
    assert [s.entity for s in report.steps][0] == "schools", "the failed step first, from run.json alone"
    assert report.steps[0].figures is not None, "its notebook recorded the failed step's figures"

    (runs / history.failed.run_id / "run.json").write_text("{not json")
    report = summary.load(history.failed.run_id, runs, history.db_url)
    assert any("run.json cannot be read" in note for note in report.notes)
    assert {s.entity for s in report.steps} == {"organizations", "schools"}, "the database's steps stand in"
    assert all(s.source == "database" for s in report.steps)


def test_our_own_reader_reads_what_scrapbook_reads(history, tmp_path, monkeypatch):
    step = history.first.record["steps"][0]
    path = history.first.folder / step["notebook"]
    import scrapbook as sb

    assert read_scrap(path, "vmsync_step") == sb.read_notebook(str(path)).scraps["vmsync_step"].data

    def gone(*args):
        raise ModuleNotFoundError("No module named 'scrapbook'")

    monkeypatch.setattr(scraps, "_with_scrapbook", gone)  # the day scrapbook is dropped
    assert read_figures(path) == (sb.read_notebook(str(path)).scraps["vmsync_step"].data, None)
    monkeypatch.undo()
    other = tmp_path / "other.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.write(nb, other)
    raw = json.loads(other.read_text())
    raw["metadata"] = {}  # no papermill metadata: a notebook from elsewhere
    other.write_text(json.dumps(raw))
    figures, problem = read_figures(other)
    assert problem is None and figures["entity"] == step["entity"]
    (tmp_path / "bad.ipynb").write_text("not a notebook")
    assert read_figures(tmp_path / "bad.ipynb")[1].startswith("bad.ipynb is not a readable notebook")
