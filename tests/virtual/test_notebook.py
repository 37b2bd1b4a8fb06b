"""The virtual-sessions notebook runs under papermill with its sources from the environment, like the runner
runs it, and records its figures under the name every step uses."""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest
import scrapbook as sb

from vmsync.figures import SCRAP

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "virtual_sessions.ipynb"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_notebook_imports_the_configured_report(db_url, generated, tmp_path, monkeypatch):
    report = generated.write(tmp_path / "Session Report.xlsx")
    monkeypatch.setenv("VMSYNC_PATHFUL_SOURCE", str(report))
    monkeypatch.setenv("VMSYNC_DB_URL", db_url)
    out = tmp_path / "virtual_sessions.ipynb"
    pm.execute_notebook(NOTEBOOK, out, parameters={"run_id": "nb-run", "mode": "full"}, kernel_name="python3",
                        shutdown_kernel="immediate", progress_bar=False, cwd=tmp_path)
    figures = sb.read_notebook(str(out)).scraps[SCRAP].data
    assert figures["entity"] == "virtual_sessions"
    assert (figures["status"], figures["run_id"]) == ("succeeded", "nb-run")
    assert figures["new"] == len([s for s in generated.sessions.values() if s.start])
    assert figures["tables_changed"]["event"] == figures["new"] and figures["source"] == str(report)
    source = json.loads(NOTEBOOK.read_text())
    assert source["cells"][1]["metadata"]["tags"] == ["parameters"]
    assert all(not c.get("outputs") for c in source["cells"] if c["cell_type"] == "code")
