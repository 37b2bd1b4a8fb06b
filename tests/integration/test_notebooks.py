"""An entity notebook runs under papermill against the sandbox and records its figures with scrapbook; every
entity notebook has its parameters cell where papermill puts the runner's parameters."""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest
import scrapbook as sb

from vmsync.entities import ordered
from vmsync.figures import SCRAP

from ..conftest import environ

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_entity_notebook_has_its_parameters_cell_first():
    for entity in ordered():
        cell = json.loads((NOTEBOOKS / f"{entity.name}.ipynb").read_text())["cells"][1]
        assert cell["cell_type"] == "code" and cell["metadata"].get("tags") == ["parameters"], entity.name


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
