"""The run folder's layout: ``<runs dir>/<run-id>/`` holding ``run.json`` and each step's notebook and HTML.

The runner writes ``run.json`` (``vmsync.runner.record`` lists its fields); it is plain JSON read here without
the runner, so a report can be made from a copied folder.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from ..config import DEFAULT_RUNS_DIR, environment, in_project

RUN_JSON = "run.json"
LIVE = "live.html"  # the page of a run as it goes (report.live)
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


def write_record(folder: RunFolder, record: dict) -> None:
    """Save ``run.json`` atomically (a temporary file renamed over it): a reader never sees half of it."""
    tmp = folder.path / f".{RUN_JSON}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, folder.record_path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shown_status(record: dict) -> str:
    """The recorded status; a run still "running" whose process (on this host) has gone is shown as such: a
    manual run as ``abandoned`` (its kernel was killed), a runner's as interrupted, to resume."""
    status = record.get("status") or ""
    if status == "running" and record.get("host") == socket.gethostname() \
            and not pid_alive(int(record.get("pid") or 0)):
        return "abandoned" if record.get("manual") else "interrupted (runner gone; --resume it)"
    return status


def resumed_at(record: dict) -> list[str]:
    """When the run was resumed: the start of every attempt after the first, oldest first."""
    return [str(a.get("started_at") or "?") for a in (record.get("attempts") or [])[1:] if isinstance(a, dict)]


def earlier_attempts(record: dict) -> list[tuple[str, dict]]:
    """``(entity, attempt)`` for every attempt of a step that a resume ran again (``run.json``'s ``earlier``):
    what failed before, with its kept notebook."""
    return [(step["entity"], attempt) for step in record.get("steps") or []
            if isinstance(step, dict) and step.get("entity")
            for attempt in step.get("earlier") or [] if isinstance(attempt, dict)]


def list_runs(runs_dir: Path) -> list[RunFolder]:
    """Every run folder holding a ``run.json``, oldest first (run ids sort by their start time)."""
    if not Path(runs_dir).is_dir():
        return []
    found = [RunFolder(runs_dir, p.name) for p in Path(runs_dir).iterdir() if p.is_dir()]
    return sorted((f for f in found if f.exists()), key=lambda f: f.run_id)


def default_runs_dir(environ: dict[str, str] | None = None, env_file: str | None = ".env") -> Path:
    """``VMSYNC_RUNS_DIR`` (from the environment or ``.env``), else ``runs``; a relative folder is in the project
    folder (``config.project_dir``), wherever a notebook's kernel started."""
    return in_project(environment(environ, env_file).get("VMSYNC_RUNS_DIR", "").strip() or DEFAULT_RUNS_DIR,
                      environ)
