"""A notebook run by hand is a run: its ``sync_run`` row is closed when the step ends, and it gets a run folder.

The folder holds a ``run.json`` marked ``manual`` (the fields ``vmsync.runner.record`` lists), so the run shows
in ``vmsync status``, the runs index and, through the database, the trends. It is written as ``running``
when the step starts, with the kernel's pid: a kernel killed mid-step leaves it so, and the reports call
such a run abandoned (``report.runfolder.shown_status``).
"""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from .. import __version__
from ..figures import COUNTS
from ..report.index import write_index
from ..report.runfolder import RunFolder, write_record
from ..store import runs
from ..store.database import open_engine


@dataclass
class ManualRun:
    """The run of one notebook executed by hand."""

    run_id: str
    entity: str
    mode: str
    db_url: str
    runs_dir: Path

    def __post_init__(self) -> None:
        self.started_at = datetime.now(UTC)
        self.folder = RunFolder(self.runs_dir, self.run_id)

    def open(self) -> None:
        """The run folder, with the run and its one step running."""
        self.folder.path.mkdir(parents=True, exist_ok=True)
        self._write("running", {"status": "running", "started_at": _iso(self.started_at)})

    def close(self, figures: dict | None) -> None:
        """The step ended (``figures`` as it recorded them, None when it never began): close the run."""
        step = figures or {"status": "failed", "error_message": "the step did not start"}
        status = "failed" if step.get("status") == "failed" else "succeeded"
        now = datetime.now(UTC)
        engine = open_engine(self.db_url)
        try:
            with engine.begin() as conn:
                runs.finish_run(conn, self.run_id, status, now)
        finally:
            engine.dispose()
        self._write(status, step, finished_at=now)

    def _write(self, status: str, step: dict, finished_at: datetime | None = None) -> None:
        write_record(self.folder, {
            "run_id": self.run_id, "status": status, "manual": True, "started_at": _iso(self.started_at),
            "finished_at": _iso(finished_at),
            "duration_s": round((finished_at - self.started_at).total_seconds(), 1) if finished_at else None,
            "mode": self.mode, "org_id": None, "database": make_url(self.db_url).render_as_string(hide_password=True), "parameters": {},
            "versions": {"python": platform.python_version(), "vmsync": __version__}, "git_commit": None,
            "host": socket.gethostname(), "pid": os.getpid(),
            "attempts": [{"started_at": _iso(self.started_at), "finished_at": _iso(finished_at),
                          "pid": os.getpid(), "host": socket.gethostname(), "status": status}],
            "steps": [{
                "index": 1, "entity": self.entity, "depends_on": [], "notebook": None, "html": None,
                "status": step.get("status"), "started_at": step.get("started_at"),
                "finished_at": step.get("finished_at"), "duration_s": step.get("duration_s"),
                "counts": {k: step[k] for k in COUNTS if k in step} or None, "api_calls": step.get("api_calls"),
                "error_class": step.get("error_class"), "error_message": step.get("error_message"),
                "reason": None, "attempts": 1, "configured": None}],
            "summary": None, "secrets_found": [], "error": None,
        })
        write_index(self.runs_dir)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
