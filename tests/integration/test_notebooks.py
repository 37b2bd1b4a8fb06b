"""Each entity notebook runs under papermill against the sandbox and records its figures with scrapbook."""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest
import scrapbook as sb

from vmsync.notebook import SCRAP

from ..conftest import environ

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_core_notebooks_run_and_record_their_figures(clean_sandbox, db_url, tmp_path, monkeypatch):
    for key, value in environ(clean_sandbox, db_url).items():
        monkeypatch.setenv(key, value)  # the kernel reads credentials from its environment, never parameters
    for entity in ("schools", "organizations", "volunteers"):
        out = tmp_path / f"{entity}.ipynb"
        pm.execute_notebook(NOTEBOOKS / f"{entity}.ipynb", out, parameters={"run_id": "nb-run", "mode": "full"},
                            kernel_name="python3", shutdown_kernel="immediate", progress_bar=False, cwd=tmp_path)
        figures = sb.read_notebook(str(out)).scraps[SCRAP].data
        assert figures["entity"] == entity and figures["status"] == "succeeded"
        assert figures["extracted"] > 0 and figures["new"] == figures["extracted"] - figures["rejected"]
        text = out.read_text()
        assert clean_sandbox.connection["password"] not in text
        assert json.loads(text)["cells"][1]["metadata"]["tags"] == ["parameters"]
