"""Making and finding run folders: a new run's id, the runs folder checked before anything is written, an
earlier run found by its id (the folder's layout is ``vmsync.report.runfolder``)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from ..report.runfolder import RunFolder, list_runs

_RUN_ID_RE = re.compile(r"^(manual-)?\d{8}T\d{6}Z-[0-9a-f]{4}$")  # manual-: a notebook run by hand


def new_run_id(now: datetime | None = None) -> str:
    """``20261128T221500Z-ab12``: sortable by time, unique by its random suffix."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def is_run_id(text: str) -> bool:
    return bool(_RUN_ID_RE.match(text))


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


def find_run(runs_dir: Path, run_id: str) -> RunFolder:
    """The folder of an earlier run, for ``--resume``, ``status`` and ``report``; an unknown id is a
    ``UsageError``."""
    if not is_run_id(run_id):
        raise UsageError(f"{run_id!r} is not a run id (they look like 20261128T221500Z-ab12); "
                         "`vmsync status` lists the last runs")
    folder = RunFolder(runs_dir, run_id)
    if not folder.exists():
        known = [f.run_id for f in list_runs(runs_dir)[-5:]]
        hint = f"; recent runs: {', '.join(known)}" if known else f"; {runs_dir} holds no runs"
        raise UsageError(f"no run {run_id!r} in {runs_dir}{hint}")
    return folder


def shown_path(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it (``runs/...``), else absolute."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
