"""The run folder's layout: ``<runs dir>/<run-id>/`` holding ``run.json`` and each step's notebook and HTML.

The runner writes ``run.json`` (``vmsync.runner.record`` lists its fields); it is plain JSON read here without
the runner, so a report can be made from a copied folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import DEFAULT_RUNS_DIR, environment

RUN_JSON = "run.json"
ERROR_ANCHOR = "papermill-error-cell"  # the banner papermill (and the runner) put above a failed cell


class RunFolder:
    """One run's folder: where its record, notebooks and renderings are."""

    def __init__(self, runs_dir: Path, run_id: str):
        self.runs_dir = Path(runs_dir)
        self.run_id = run_id
        self.path = self.runs_dir / run_id

    @property
    def record_path(self) -> Path:
        return self.path / RUN_JSON

    def notebook(self, stem: str) -> Path:
        return self.path / f"{stem}.ipynb"

    def html(self, stem: str) -> Path:
        return self.path / f"{stem}.html"

    def exists(self) -> bool:
        return self.record_path.is_file()

    def read(self) -> dict:
        """The run's ``run.json``; ``OSError`` / ``ValueError`` when it is missing or damaged."""
        record = json.loads(self.record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError(f"{self.record_path} holds no JSON object")
        return record


def list_runs(runs_dir: Path) -> list[RunFolder]:
    """Every run folder holding a ``run.json``, oldest first (run ids sort by their start time)."""
    if not Path(runs_dir).is_dir():
        return []
    found = [RunFolder(runs_dir, p.name) for p in Path(runs_dir).iterdir() if p.is_dir()]
    return sorted((f for f in found if f.exists()), key=lambda f: f.run_id)


def default_runs_dir(environ: dict[str, str] | None = None, env_file: str | None = ".env") -> Path:
    """``VMSYNC_RUNS_DIR`` (from the environment or ``.env``), else ``runs``; a relative folder missing here
    is looked for one level up, where it is when a notebook is opened from ``notebooks/``."""
    given = Path(environment(environ, env_file).get("VMSYNC_RUNS_DIR", "").strip() or DEFAULT_RUNS_DIR)
    if not given.is_absolute() and not given.is_dir() and (Path("..") / given).is_dir():
        return (Path("..") / given).resolve()
    return given
