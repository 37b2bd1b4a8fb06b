"""Reading run folders as the runner leaves them: ``runs/<run-id>/run.json`` and the notebooks beside it.

``run.json`` is plain JSON (its fields are listed in ``vmsync.runner.record``), read here without the runner,
so a report can be made from a copied folder and the runner can call the report without a cycle.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import DEFAULT_RUNS_DIR, environment

RUN_JSON = "run.json"
ERROR_ANCHOR = "papermill-error-cell"  # the banner papermill (and the runner) put above a failed cell


def run_ids(runs_dir: Path) -> list[str]:
    """The ids of every run folder holding a ``run.json``, oldest first (ids sort by their start time)."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    return sorted(p.name for p in runs_dir.iterdir() if (p / RUN_JSON).is_file())


def read_record(folder: Path) -> dict:
    """A run's ``run.json``; ``OSError`` / ``ValueError`` when it is missing or damaged."""
    record = json.loads((Path(folder) / RUN_JSON).read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError(f"{folder / RUN_JSON} holds no JSON object")
    return record


def default_runs_dir(environ: dict[str, str] | None = None, env_file: str | None = ".env") -> Path:
    """``VMSYNC_RUNS_DIR`` (from the environment or ``.env``), else ``runs``; a relative folder missing here
    is looked for one level up, where it is when a notebook is opened from ``notebooks/``."""
    given = Path(environment(environ, env_file).get("VMSYNC_RUNS_DIR", "").strip() or DEFAULT_RUNS_DIR)
    if not given.is_absolute() and not given.is_dir() and (Path("..") / given).is_dir():
        return (Path("..") / given).resolve()
    return given
