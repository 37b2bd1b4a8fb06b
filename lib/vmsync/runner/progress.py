"""What the runner shows while it works: a live line per step on a terminal, plain lines otherwise.

On a terminal the block of step lines is redrawn in place (waiting, running with its cell and time, done
with its counts, failed with its error class, skipped with the reason). Anywhere else (cron, a log file) one
plain line is written per finished step, nothing more. Both end with the same table, which ``vmsync status``
prints too.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TextIO

from .record import FAILED, INTERRUPTED, PENDING, RUNNING, SKIPPED, SUCCEEDED, StepRecord

COUNT_COLUMNS = ("extracted", "new", "updated", "unchanged", "deleted", "rejected", "orphaned")
_LABEL = {PENDING: "waiting", RUNNING: "running", SUCCEEDED: "done", FAILED: "failed", SKIPPED: "skipped",
          INTERRUPTED: "stopped"}


def _counts_text(step: StepRecord) -> str:
    counts = step.counts or {}
    shown = [f"{name} {counts[name]}" for name in ("extracted", "new", "updated", "deleted", "rejected",
                                                     "orphaned") if counts.get(name)]
    return ", ".join(shown) if shown else "no changes"


def step_line(step: StepRecord, width: int, cell: tuple[int, int] | None = None, elapsed: float | None = None,
              pages: dict | None = None) -> str:
    """One step as a line: ``01 schools      done     2.1 s  new 12, updated 3``."""
    status = step.status
    head = f"{step.index:>3} {step.entity:<{width}} {_LABEL.get(status, status):<8}"
    if status == RUNNING:
        took = f"{elapsed:5.1f} s" if elapsed is not None else ""
        where = f"cell {cell[0]}/{cell[1]}" if cell else "starting"
        if pages:
            where += f", page {pages['pages']} ({pages['records']} records)"
        return f"{head} {took}  {where}"
    took = f"{step.duration_s:5.1f} s" if step.duration_s is not None else ""
    if status == SUCCEEDED:
        return f"{head} {took}  {_counts_text(step)}"
    if status in (FAILED, INTERRUPTED):
        return f"{head} {took}  {step.error_class or ''}: {step.error_message or ''}"[:200]
    if status == SKIPPED:
        return f"{head} {step.reason or ''}"
    return head


def table(steps: list[StepRecord]) -> str:
    """The final table: a row per step with its status, time and counts, and the error of a failed one."""
    width = max([len("step"), *(len(s.entity) for s in steps)])
    header = f"{'':>3} {'step':<{width}} {'status':<10} {'time':>7} " + " ".join(f"{c:>9}" for c in COUNT_COLUMNS)
    lines = [header, "-" * len(header)]
    for step in steps:
        counts = step.counts or {}
        took = f"{step.duration_s:.1f} s" if step.duration_s is not None else ""
        row = (f"{step.index:>3} {step.entity:<{width}} {step.status:<10} {took:>7} "
               + " ".join(f"{counts.get(c, ''):>9}" for c in COUNT_COLUMNS))
        if step.error_class:
            row += f"  {step.error_class}"
        elif step.reason:
            row += f"  {step.reason}"
        lines.append(row.rstrip())
    return "\n".join(lines)


class Progress:
    """Shows the steps of a run as they change; ``live`` redraws in place (a terminal)."""

    def __init__(self, steps: list[StepRecord], out: TextIO, *, live: bool):
        self.steps = steps
        self.out = out
        self.live = live
        self.width = max(len(s.entity) for s in steps) if steps else 10
        self._cells: dict[str, tuple[int, int]] = {}
        self._page_files: dict[str, Path] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()
        self._drawn = 0

    def cell(self, entity: str, index: int, total: int) -> None:
        """A step's kernel started cell ``index`` of ``total`` (called from the step's thread)."""
        with self._lock:
            self._cells[entity] = (index, total)

    def watch(self, entity: str, page_file: Path) -> None:
        """Where a step's kernel reports the pages it has written (``VMSYNC_PROGRESS_FILE``)."""
        with self._lock:
            self._page_files[entity] = page_file

    def pages(self, entity: str) -> dict | None:
        """What the step's kernel reported so far (``stream``, ``pages``, ``records``), None before a page."""
        path = self._page_files.get(entity)
        try:
            return json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):  # not written yet, or being replaced
            return None

    def changed(self, step: StepRecord) -> None:
        """A step started or ended (called from the runner's thread)."""
        if step.status == RUNNING:
            self._started[step.entity] = time.monotonic()
        if self.live:
            self.refresh()
        elif step.status not in (PENDING, RUNNING):
            print(step_line(step, self.width).rstrip(), file=self.out, flush=True)

    def refresh(self) -> None:
        if not self.live:
            return
        with self._lock:
            cells = dict(self._cells)
        now = time.monotonic()
        lines = [step_line(s, self.width, cells.get(s.entity),
                           now - self._started[s.entity] if s.entity in self._started else None,
                           self.pages(s.entity) if s.status == RUNNING else None)
                 for s in self.steps]
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.out.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.out.flush()
        self._drawn = len(lines)
