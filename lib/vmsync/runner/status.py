"""``vmsync status [RUN_ID]``: the steps of one run, or the last runs, read from the run folders."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TextIO

from .folder import RUNNING, SUCCEEDED, RunFolder, list_runs
from .lock import pid_alive
from .progress import table

LAST_RUNS = 10


def shown_status(record: dict) -> str:
    """The recorded status, or ``interrupted (runner gone)`` for a run whose runner died mid-way."""
    status = record.get("status", "")
    if status == RUNNING and record.get("host") == socket.gethostname() and not pid_alive(int(record.get("pid") or 0)):
        return "interrupted (runner gone; --resume it)"
    return status


def show_run(runs_dir: Path, run_id: str, out: TextIO) -> int:
    """Print one run; exit 0 when it succeeded, 1 otherwise (``UsageError`` for an unknown id)."""
    folder = RunFolder.existing(runs_dir, run_id)
    record = folder.read()
    status = shown_status(record)
    print(f"Run {record['run_id']}: {status}", file=out)
    print(f"  started {record.get('started_at')}, finished {record.get('finished_at') or '-'}, "
          f"{record.get('mode')}, org {record.get('org_id') or '-'}, database {record.get('database')}", file=out)
    if record.get("error"):
        print(f"  error: {record['error']}", file=out)
    print(table(record["steps"]), file=out)
    summary = record.get("summary")
    if summary:
        print(f"summary: {summary['status']}" + (f" ({summary['error_message']})" if summary.get("error_message")
                                                  else ""), file=out)
    for step in record["steps"]:
        if step.get("error_message"):
            print(f"{step['entity']}: {step['error_class']}: {step['error_message']}", file=out)
    for leak in record.get("secrets_found", []):
        print(f"secret found and redacted: {leak}", file=out)
    print(f"Folder: {folder.path}", file=out)
    return 0 if record.get("status") == SUCCEEDED else 1


def show_runs(runs_dir: Path, out: TextIO, last: int = LAST_RUNS) -> int:
    """Print the last runs, newest first."""
    folders = list_runs(runs_dir)[-last:]
    if not folders:
        print(f"No runs in {runs_dir} yet: start one with `vmsync run`.", file=out)
        return 0
    print(f"{'run':<24} {'status':<12} {'started (UTC)':<26} {'took':>7}  ok/failed/skipped", file=out)
    for folder in reversed(folders):
        try:
            record = folder.read()
        except (OSError, ValueError):
            continue
        steps = record.get("steps", [])
        tally = "/".join(str(sum(1 for s in steps if s.get("status") == k)) for k in ("succeeded", "failed", "skipped"))
        took = f"{record['duration_s']:.0f} s" if record.get("duration_s") is not None else "-"
        print(f"{record['run_id']:<24} {shown_status(record):<12} {record.get('started_at') or '':<26} {took:>7}  "
              f"{tally}", file=out)
    return 0
