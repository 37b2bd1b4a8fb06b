"""An entity notebook runs under papermill against the sandbox and records its figures with scrapbook; every
entity notebook has its parameters cell where papermill puts the runner's parameters, and is what the template
makes of its entity's spec (``vmsync notebooks``)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import scrapbook as sb

from vmsync.cli import main
from vmsync.entities import ordered
from vmsync.figures import SCRAP
from vmsync.notebook import template

from ..conftest import environ

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_entity_notebook_has_its_parameters_cell_first():
    for entity in ordered():
        cell = json.loads((NOTEBOOKS / f"{entity.name}.ipynb").read_text())["cells"][1]
        assert cell["cell_type"] == "code" and cell["metadata"].get("tags") == ["parameters"], entity.name


def test_every_committed_entity_notebook_is_what_the_template_gives():
    assert template.differing(NOTEBOOKS) == []


def test_the_template_gives_valid_notebooks_without_outputs_the_same_every_time():
    notebooks = template.entity_notebooks()
    assert sorted(notebooks) == sorted(f"{e.name}.ipynb" for e in ordered() if e.streams)
    assert template.entity_notebooks() == notebooks
    for name, text in notebooks.items():
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        ids = [c["id"] for c in nb.cells]
        assert len(set(ids)) == len(ids), name
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in nb.cells if c["cell_type"] == "code")
        assert [c["metadata"].get("tags") for c in nb.cells].count(["parameters"]) == 1, name


def test_the_command_writes_the_notebooks_that_differ_and_check_names_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("vmsync.runner.plan.default_notebooks_dir", lambda: tmp_path)
    (tmp_path / "schools.ipynb").write_text("{}")
    assert main(["notebooks", "--check"]) == 1
    assert "schools.ipynb" in capsys.readouterr().err
    assert main(["notebooks"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(template.entity_notebooks())
    assert main(["notebooks", "--check"]) == 0
    (tmp_path / "classes.ipynb").write_text((tmp_path / "classes.ipynb").read_text().replace("nb.chart", "nb.show"))
    assert main(["notebooks", "--check"]) == 1
    err = capsys.readouterr().err
    assert "classes.ipynb" in err and "schools.ipynb" not in err
    assert main(["notebooks"]) == 0 and capsys.readouterr().out.strip().endswith("classes.ipynb")
    assert template.differing(tmp_path) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_notebook_runs_and_records_its_figures(clean_sandbox, db_url, tmp_path, monkeypatch):
    """One notebook, with a full sync into an empty database; every entity notebook runs in the runner's
    tests (tests/runner/test_complete_run.py), whose step counts are these figures read back."""
    for key, value in environ(clean_sandbox, db_url).items():
        monkeypatch.setenv(key, value)  # the kernel reads credentials from its environment, never parameters
    out = tmp_path / "schools.ipynb"
    pm.execute_notebook(NOTEBOOKS / "schools.ipynb", out, parameters={"run_id": "nb-run", "mode": "full"},
                        kernel_name="python3", shutdown_kernel="immediate", progress_bar=False, cwd=tmp_path)
    figures = sb.read_notebook(str(out)).scraps[SCRAP].data
    assert figures["entity"] == "schools" and figures["status"] == "succeeded"
    assert (figures["run_id"], figures["mode"]) == ("nb-run", "full")
    assert figures["extracted"] > 0 and figures["new"] == figures["extracted"] - figures["rejected"]
    assert clean_sandbox.connection["password"] not in out.read_text()


def test_make_lab_opens_the_notebooks_with_the_project_as_home_and_allows_root_only_as_root():
    project = NOTEBOOKS.parent
    done = subprocess.run(["make", "-n", "lab"], cwd=project, capture_output=True, text=True, check=True)
    command = next(line for line in done.stdout.splitlines() if "jupyter lab" in line)
    assert command.startswith(f"VMSYNC_HOME={project} ") and command.endswith(" notebooks/")
    assert ("--allow-root" in command) == (os.geteuid() == 0)
