"""Making and finding run folders: a new run's id, the runs folder (and the room on its disk) checked before
anything is written, an earlier run found by its id (the folder's layout is ``vmsync.report.runfolder``)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from ..report.runfolder import RunFolder, list_runs

_RUN_ID_RE = re.compile(r"^(manual-)?\d{8}T\d{6}Z-[0-9a-f]{4}$")  # manual-: a notebook run by hand
MB = 1024 * 1024
DEFAULT_RUN_SIZE = 10 * MB  # a run folder of the whole suite is about 4 MB
SIZE_SAMPLE = 5  # the last runs whose sizes estimate the next one's


def new_run_id(now: datetime | None = None) -> str:
    """``20261128T221500Z-ab12``: sortable by time, unique by its random suffix."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def is_run_id(text: str) -> bool:
    return bool(_RUN_ID_RE.match(text))


def check_runs_dir(runs_dir: Path) -> int:
    """Refuse a runs folder that cannot be created or written, or whose disk has too little room for a run,
    before anything is written; returns the bytes a run is expected to need.

    Writability is tried, not inferred from permissions (which say nothing for root or a read-only mount): a
    folder is made and removed where the runs folder is, or would be made.
    """
    probe = runs_dir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"runs folder {runs_dir} (--runs-dir or VMSYNC_RUNS_DIR): {probe} is not a folder; "
                         "pick another")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".vmsync-probe-", dir=probe))
    except OSError as exc:
        raise UsageError(f"runs folder {runs_dir} (--runs-dir or VMSYNC_RUNS_DIR) cannot be created or written "
                         f"in {probe} ({exc.strerror or exc}): fix its permissions or pick another") from None
    needed = run_size_estimate(runs_dir)
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise UsageError(f"runs folder {runs_dir} (--runs-dir or VMSYNC_RUNS_DIR): {free / MB:.0f} MB free, and "
                         f"a run needs about {needed / MB:.0f} MB (twice the largest of the last runs): free "
                         "space, prune old runs (vmsync prune) or pick another folder")
    return needed


def run_size_estimate(runs_dir: Path) -> int:
    """Bytes the next run may write: twice the largest of the last few runs, or a default with none yet."""
    sizes = [folder_size(f.path) for f in list_runs(runs_dir)[-SIZE_SAMPLE:]]
    return 2 * max(sizes, default=DEFAULT_RUN_SIZE)


def folder_size(path: Path) -> int:
    """The bytes of the files under ``path`` as they say they are (a sparse file counts in full)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


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
