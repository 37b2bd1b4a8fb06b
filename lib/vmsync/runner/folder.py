"""The run folder ``runs/<run-id>/`` and its ``run.json``, the record a resumed run and ``vmsync status`` read.

``run.json`` is rewritten (atomically: a temporary file renamed over it) every time a step starts or ends, so
a runner killed outright leaves a record of what had finished, which ``--resume`` completes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError

RUN_JSON = "run.json"
_RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")

# step states: a step is "pending" until it starts; the last four are final
PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, INTERRUPTED = (
    "pending", "running", "succeeded", "failed", "skipped", "interrupted")


def new_run_id(now: datetime | None = None) -> str:
    """``20261128T221500Z-ab12``: sortable by time, unique by its random suffix."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def is_run_id(text: str) -> bool:
    return bool(_RUN_ID_RE.match(text))


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def check_runs_dir(runs_dir: Path) -> None:
    """Refuse a runs folder that cannot be created or written, before anything is written."""
    probe = runs_dir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"runs folder {runs_dir}: {probe} is not a folder; pick another with --runs-dir")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"runs folder {runs_dir} is not writable ({probe}): fix its permissions or pick "
                         "another with --runs-dir (or VMSYNC_RUNS_DIR)")


class RunFolder:
    """One run's folder and the ``run.json`` record kept in it (a plain dict, see ``runner.run``)."""

    def __init__(self, runs_dir: Path, run_id: str):
        self.runs_dir = Path(runs_dir)
        self.run_id = run_id
        self.path = self.runs_dir / run_id

    @property
    def record_path(self) -> Path:
        return self.path / RUN_JSON

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=False)

    def exists(self) -> bool:
        return self.record_path.is_file()

    def read(self) -> dict:
        return json.loads(self.record_path.read_text(encoding="utf-8"))

    def write(self, record: dict) -> None:
        tmp = self.path / f".{RUN_JSON}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.record_path)

    def notebook(self, stem: str) -> Path:
        return self.path / f"{stem}.ipynb"

    def html(self, stem: str) -> Path:
        return self.path / f"{stem}.html"

    def progress_file(self, stem: str) -> Path:
        """Where a running step reports its pages (removed when the step ends)."""
        return Path(tempfile.gettempdir()) / f"vmsync-{self.run_id}-{stem}.progress.json"

    @classmethod
    def existing(cls, runs_dir: Path, run_id: str) -> RunFolder:
        """The folder of an earlier run, for ``--resume`` and ``status``; an unknown id is a ``UsageError``."""
        if not is_run_id(run_id):
            raise UsageError(f"{run_id!r} is not a run id (they look like 20261128T221500Z-ab12); "
                             "`vmsync status` lists the last runs")
        folder = cls(runs_dir, run_id)
        if not folder.exists():
            known = [f.run_id for f in list_runs(runs_dir)[-5:]]
            hint = f"; recent runs: {', '.join(known)}" if known else f"; {runs_dir} holds no runs"
            raise UsageError(f"no run {run_id!r} in {runs_dir}{hint}")
        return folder


def list_runs(runs_dir: Path) -> list[RunFolder]:
    """Every run folder holding a ``run.json``, oldest first."""
    if not Path(runs_dir).is_dir():
        return []
    found = [RunFolder(runs_dir, p.name) for p in Path(runs_dir).iterdir() if p.is_dir()]
    return sorted((f for f in found if f.exists()), key=lambda f: f.run_id)
