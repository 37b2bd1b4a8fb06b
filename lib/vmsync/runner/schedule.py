"""Run the steps of a plan side by side, each as soon as the steps it depends on have succeeded.

Up to ``parallel`` notebooks run at once, each in a thread of this process (papermill waits on its kernel
with the GIL released). A step whose dependency failed, was skipped or was interrupted is skipped and says
why; steps that do not depend on it carry on. The record is updated and saved by this (the runner's) thread
alone, every time a step starts or ends.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from .. import entities
from ..errors import ErrorClass
from ..figures import COUNTS
from ..report.runfolder import RunFolder
from ..store.tables import sync_step
from ..sync.step import PROGRESS_ENV
from . import artifact
from .execute import Limits, NotebookOutcome, execute
from .kernel import kill_kernels
from .plan import Step
from .progress import Progress
from .record import FAILED, INTERRUPTED, PENDING, SKIPPED, SUCCEEDED, RunRecord, StepRecord, counts_of
from .render import Renderer
from .watchdog import Watchdog

log = logging.getLogger("vmsync.runner")

NOT_DONE = (FAILED, SKIPPED, INTERRUPTED)


@dataclass
class StepContext:
    """What every step of a run shares."""

    folder: RunFolder
    run_id: str
    mode: str
    env: dict[str, str]
    limits: Limits
    engine: Engine
    progress: Progress
    renderer: Renderer

    def tag(self, stem: str) -> str:
        """The tag of the kernels of one notebook of this run (to stop them)."""
        return f"{self.run_id}/{stem}"

    def pages_file(self, stem: str) -> Path:
        """Where a running notebook of this run reports its pages (removed when it ends)."""
        return Path(tempfile.gettempdir()) / f"vmsync-{self.run_id}-{stem}.progress.json"

    def parameters(self) -> dict:
        """What an entity notebook is given: never a credential (those reach the kernel's environment)."""
        return {"run_id": self.run_id, "mode": self.mode}


def run_notebook(ctx: StepContext, stem: str, source: Path, label: str, parameters: dict, watchdog: Watchdog, *,
                 hide_code: bool = False) -> NotebookOutcome:
    """Execute ``source`` into ``<run folder>/<stem>.ipynb``, trim it, queue its HTML; never raises."""
    output = ctx.folder.notebook(stem)
    tag = ctx.tag(stem)
    deadline = watchdog.watch(tag)
    pages = ctx.pages_file(stem)
    ctx.progress.watch(label, pages)
    try:
        outcome = execute(source, output, parameters, env={**ctx.env, PROGRESS_ENV: str(pages)}, tag=tag,
                          limits=ctx.limits, deadline=deadline, on_cell=lambda i, n: ctx.progress.cell(label, i, n))
    except Exception as exc:  # a runner bug must not stop the other steps: the step fails, with the reason
        log.exception("%s: the runner failed", stem)
        outcome = NotebookOutcome(False, 0.0, ErrorClass.UNKNOWN, f"runner error: {type(exc).__name__}: {exc}")
    finally:
        watchdog.forget(tag)
        pages.unlink(missing_ok=True)
    if output.exists():
        try:
            artifact.truncate_outputs(output)
        except (OSError, ValueError) as exc:  # left as papermill wrote it; the run goes on
            log.warning("%s: could not trim the notebook's outputs: %s", stem, exc)
        ctx.renderer.submit(output, ctx.folder.html(stem), hide_code=hide_code)
    return outcome


def _counts_from_database(engine: Engine, run_id: str, entity: str) -> tuple[dict | None, int | None]:
    """The counts of the step's last ``sync_step`` row, for a notebook that stopped before recording them."""
    q = (select(sync_step).where(sync_step.c.run_id == run_id, sync_step.c.entity == entity)
         .order_by(sync_step.c.id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    if row is None:
        return None, None
    return {k: row[k] for k in COUNTS}, row["api_calls"]


def run_steps(plan: list[Step], record: RunRecord, ctx: StepContext, watchdog: Watchdog, *, parallel: int,
              stop: threading.Event, save: Callable[[], None]) -> None:
    """Run every pending step of ``record`` in dependency order, up to ``parallel`` at once."""
    steps = {s.entity: s for s in record.steps}
    done: queue.Queue[tuple[Step, NotebookOutcome]] = queue.Queue()
    running: dict[str, Step] = {}

    def work(step: Step) -> None:
        outcome = run_notebook(ctx, step.name, step.notebook, step.entity, ctx.parameters(), watchdog)
        done.put((step, outcome))

    def changed(entry: StepRecord) -> None:
        save()
        ctx.progress.changed(entry)

    while True:
        for step in plan:
            entry = steps[step.entity]
            if entry.status != PENDING:
                continue
            blocked = [d for d in step.depends_on if steps[d].status in NOT_DONE and not steps[d].unconfigured]
            if blocked and not stop.is_set():  # an interrupted run leaves the rest pending, for --resume
                entry.skip(f"{', '.join(blocked)} did not succeed")
                changed(entry)
            elif not stop.is_set() and (reason := _unconfigured(step, ctx)):
                entry.skip(reason, configured=False)
                changed(entry)
            elif (not stop.is_set() and len(running) < parallel
                  and all(steps[d].status == SUCCEEDED or steps[d].unconfigured for d in step.depends_on)):
                entry.start(ctx.folder.notebook(step.name).name)
                running[step.entity] = step
                changed(entry)
                threading.Thread(target=work, args=(step,), name=f"vmsync-{step.entity}", daemon=True).start()
        if stop.is_set() and running:
            kill_kernels(*(ctx.tag(s.name) for s in running.values()))
        if not running:
            return
        try:
            step, outcome = done.get(timeout=0.5)
        except queue.Empty:
            ctx.progress.refresh()
            if _note_pages(running, steps, ctx.progress):
                save()  # the live page shows the pages so far
            continue
        del running[step.entity]
        _finish(steps[step.entity], step, outcome, ctx, interrupted=stop.is_set())
        changed(steps[step.entity])


def _note_pages(running: dict[str, Step], steps: dict[str, StepRecord], progress: Progress) -> bool:
    """Copy what the running steps' kernels reported into their records; whether anything changed."""
    changed = False
    for entity in running:
        pages = progress.pages(entity)
        if pages and pages != steps[entity].progress:
            steps[entity].progress, changed = pages, True
    return changed


def _unconfigured(step: Step, ctx: StepContext) -> str | None:
    """Why the step has nothing to do in this run's environment (its source not configured), or None."""
    skip = entities.get(step.entity).skip
    return skip({**os.environ, **ctx.env}) if skip else None


def _finish(entry: StepRecord, step: Step, outcome: NotebookOutcome, ctx: StepContext, *,
            interrupted: bool) -> None:
    counts, api_calls = counts_of(outcome.figures), (outcome.figures or {}).get("api_calls")
    if counts is None:
        counts, api_calls = _counts_from_database(ctx.engine, ctx.run_id, step.entity)
    if outcome.succeeded:
        status = SUCCEEDED
    else:
        status = INTERRUPTED if interrupted else FAILED
    entry.end(status, outcome, counts, api_calls)
    if interrupted and not outcome.succeeded:
        entry.error_message = "the run was interrupted while this step ran"

