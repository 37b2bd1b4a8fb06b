"""``vmsync status [RUN_ID] [--watch]``: the steps of one run, or the last runs, read from the run folders;
``--watch`` shows a run again and again until it ends (what its live page shows, in the terminal)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import TextIO

from ..errors import UsageError
from ..report.runfolder import list_runs, shown_status
from .folder import find_run
from .progress import table
from .record import RUNNING, SUCCEEDED, RunRecord

LAST_RUNS = 10


def show_run(runs_dir: Path, run_id: str, out: TextIO) -> int:
    """Print one run; exit 0 when it succeeded, 1 otherwise (``UsageError`` for an unknown id)."""
    folder = find_run(runs_dir, run_id)
    record = RunRecord.load(folder)
    print(f"Run {record.run_id}: {shown_status(folder.read())}" + (" (run by hand)" if record.manual else ""),
          file=out)
    print(f"  started {record.started_at}, finished {record.finished_at or '-'}, "
          f"{record.mode}, org {record.org_id or '-'}, database {record.database}", file=out)
    if record.error:
        print(f"  error: {record.error}", file=out)
    print(table(record.steps), file=out)
    summary = record.summary
    if summary:
        print(f"summary: {summary.status}" + (f" ({summary.error_message})" if summary.error_message else ""),
              file=out)
    for step in record.steps:
        if step.status == RUNNING and step.progress:
            print(f"{step.entity}: running, {step.progress.get('stream')} page {step.progress.get('pages')} "
                  f"({step.progress.get('records')} records written)", file=out)
        if step.error_message:
            print(f"{step.entity}: {step.error_class}: {step.error_message}", file=out)
    for leak in record.secrets_found:
        print(f"secret found and redacted: {leak}", file=out)
    print(f"Folder: {folder.path}", file=out)
    return 0 if record.status == SUCCEEDED else 1


def show_runs(runs_dir: Path, out: TextIO, last: int = LAST_RUNS) -> int:
    """Print the last runs, newest first."""
    folders = list_runs(runs_dir)[-last:]
    if not folders:
        print(f"No runs in {runs_dir} yet: start one with `vmsync run`.", file=out)
        return 0
    print(f"{'run':<24} {'status':<12} {'started (UTC)':<26} {'took':>7}  ok/failed/skipped", file=out)
    for folder in reversed(folders):
        try:
            data = folder.read()
            record = RunRecord.from_json(data)
        except (OSError, ValueError):
            continue
        tally = "/".join(str(sum(1 for s in record.steps if s.status == k)) for k in ("succeeded", "failed", "skipped"))
        took = f"{record.duration_s:.0f} s" if record.duration_s is not None else "-"
        print(f"{record.run_id:<24} {shown_status(data):<12} {record.started_at or '':<26} {took:>7}  "
              f"{tally}", file=out)
    return 0


def watch_run(runs_dir: Path, run_id: str | None, out: TextIO, *, interval: float = 2.0,
              clear: bool = True) -> int:
    """Show ``run_id`` (default: the last run) every ``interval`` seconds until it is no longer running;
    exit as ``show_run``. ``clear`` redraws in place (a terminal)."""
    if run_id is None:
        known = list_runs(runs_dir)
        if not known:
            raise UsageError(f"{runs_dir} holds no runs yet: start one with `vmsync run`")
        run_id = known[-1].run_id
    while True:
        shown = io.StringIO()
        code = show_run(runs_dir, run_id, shown)
        out.write(("\x1b[H\x1b[2J" if clear else "") + shown.getvalue())
        out.flush()
        if shown_status(find_run(runs_dir, run_id).read()) != "running":
            return code
        time.sleep(interval)
