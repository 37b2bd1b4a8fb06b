"""Retention: run folders older than what the operator keeps are removed; the database's run records stay.

A run is kept when it is among the last ``keep`` runs or started within the last ``days`` days (either rule
keeps it). Never removed, whatever the rules say: a run in progress (or killed, and so still resumable), and the
last failed run before the latest success (what went wrong before things were fixed).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from ..errors import UsageError
from ..report.index import write_index
from ..report.runfolder import RunFolder, list_runs
from .record import FAILED, SUCCEEDED


@dataclass(frozen=True)
class Retention:
    """How many runs (``keep``) and how many days of runs (``days``) to keep; None: that rule is not used."""

    keep: int | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        if self.keep is None and self.days is None:
            raise UsageError("say what to keep: --keep N (the last N runs) and/or --days D (the last D days), or "
                             "set VMSYNC_PRUNE_KEEP / VMSYNC_PRUNE_DAYS")
        for name, value in (("keep", self.keep), ("days", self.days)):
            if value is not None and value < 1:
                raise UsageError(f"--{name} must be 1 or more, not {value}")


def started(folder: RunFolder) -> datetime:
    """When a run started, from its id (``20261128T221500Z-ab12``)."""
    return datetime.strptime(folder.run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def to_prune(runs_dir: Path, retention: Retention, now: datetime) -> list[RunFolder]:
    """The run folders the retention lets go, oldest first."""
    runs = list_runs(runs_dir)
    statuses = {}
    for folder in runs:
        try:
            statuses[folder.run_id] = folder.read().get("status")
        except (OSError, ValueError):
            statuses[folder.run_id] = None  # unreadable: not known to be finished, so kept
    kept = set()
    if retention.keep is not None:
        kept |= {f.run_id for f in runs[-retention.keep:]}
    if retention.days is not None:
        kept |= {f.run_id for f in runs if started(f) >= now - timedelta(days=retention.days)}
    kept |= {run_id for run_id, status in statuses.items() if status not in (SUCCEEDED, FAILED)}
    successes = [f.run_id for f in runs if statuses[f.run_id] == SUCCEEDED]
    if successes:
        failed_before = [f.run_id for f in runs if statuses[f.run_id] == FAILED and f.run_id < successes[-1]]
        kept |= set(failed_before[-1:])
    return [f for f in runs if f.run_id not in kept]


def prune(runs_dir: Path, retention: Retention, out: TextIO, *, now: datetime | None = None,
          dry_run: bool = False) -> list[str]:
    """Remove the run folders ``to_prune`` names (only list them with ``dry_run``), rewrite the index; returns
    their run ids."""
    gone = to_prune(runs_dir, retention, now or datetime.now(UTC))
    for folder in gone:
        if not dry_run:
            shutil.rmtree(folder.path)
        print(f"{'would remove' if dry_run else 'removed'} run {folder.run_id}", file=out)
    if gone and not dry_run:
        write_index(Path(runs_dir))
    print(f"{len(gone)} run folder(s) {'to remove' if dry_run else 'removed'}; "
          f"{len(list_runs(runs_dir)) - (len(gone) if dry_run else 0)} kept", file=out)
    return [f.run_id for f in gone]

