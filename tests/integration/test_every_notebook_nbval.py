"""``make test`` runs every notebook under nbval as an analyst would run it by hand (the defaults of its
parameters cell): each entity notebook in dependency order, the virtual sessions and then the summary, against
the tiny sandbox org, sharing one database. Every notebook must run without an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vmsync.entities import ordered

from ..conftest import environ

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_notebook_passes_nbval_against_the_tiny_sandbox_in_dependency_order(clean_sandbox, tmp_path):
    order = [NOTEBOOKS / f"{entity.name}.ipynb" for entity in ordered()] + [NOTEBOOKS / "summary.ipynb"]
    assert sorted(p.name for p in order) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))  # every one
    settings = environ(clean_sandbox, f"sqlite:///{tmp_path / 'vms.db'}",
                       VMSYNC_PATHFUL_SOURCE=str(clean_sandbox.connection["pathful_report"]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "VMSYNC_"))} | settings | {
        "VMSYNC_HOME": str(tmp_path), "VMSYNC_RUNS_DIR": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
                           *map(str, order)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir() if p.is_dir())
    assert len(runs) == len(order) - 1 and all(r.startswith("manual-") for r in runs)  # one run per entity
    assert clean_sandbox.connection["password"] not in "".join(
        p.read_text() for p in (tmp_path / "runs").rglob("*") if p.is_file())
