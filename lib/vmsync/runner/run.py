"""``vmsync run``: check everything, take the database, run the suite, keep the run folder, tell the result.

The order matters. Bad input is found before anything is written (exit 2). Then the database lock is taken,
the run folder made, and the steps run; ``run.json`` is saved at every change, so a runner killed outright
leaves a run that ``--resume`` completes. After the steps: the summary notebook (when there is one), the
secret scan of every file of the run folder, ``runs/index.html``, then the alerts (``vmsync.report.alerts``: a
webhook, an email, ``VMSYNC_ON_FAILURE``) when the run did not succeed or found new problems. Exit 0 when
every step succeeded, 1 when one did not.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, update
from sqlalchemy.exc import SQLAlchemyError

from ..config import project_db_url
from ..entities import create_schema
from ..errors import SyncError, UsageError
from ..report import alerts
from ..report.index import INDEX, write_index
from ..report.runfolder import RunFolder
from ..store import runs
from ..store.tables import sync_run, sync_step
from . import preflight, render
from .environment import (
    SANDBOX_DB_URL,
    SandboxOpener,
    org_settings,
    settings_from,
)
from .execute import Limits
from .folder import check_runs_dir, find_run, new_run_id, shown_path
from .lock import LockHeld, RunLock, current_holder, is_stale
from .plan import Step, build_plan, default_notebooks_dir, summary_notebook
from .progress import Progress, table
from .prune import Retention, prune
from .record import FAILED, INTERRUPTED, RUNNING, SUCCEEDED, RunRecord, SummaryRecord, now_utc
from .schedule import StepContext, run_notebook, run_steps
from .secrets import choose_secrets, scan_and_redact
from .watchdog import Watchdog

log = logging.getLogger("vmsync.runner")

DEFAULT_CELL_TIMEOUT = 3600.0
DEFAULT_STEP_TIMEOUT = 4 * 3600.0


@dataclass
class RunOptions:
    sandbox: bool = False
    sandbox_preset: str = "demo"
    sandbox_dir: Path = Path(".sandbox")
    open_sandbox: SandboxOpener | None = None
    """How ``sandbox`` starts an org: the command line passes the sandbox package's."""
    db_url: str | None = None
    full: bool = False
    only: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    parallel: int = 2
    resume: str | None = None
    runs_dir: Path | None = None
    allow_other_org: bool = False
    cell_timeout: float | None = DEFAULT_CELL_TIMEOUT
    step_timeout: float | None = DEFAULT_STEP_TIMEOUT
    notebooks_dir: Path | None = None
    connection: dict | None = None
    """The connection of a sandbox org already running (tests, the benchmark): used like ``--sandbox``."""
    env_file: str | None = ".env"
    on_failure: str | None = None
    after_run: str | None = None
    live: bool | None = None
    """Redraw step lines in place; None: when the output is a terminal."""


@dataclass
class RunResult:
    exit_code: int
    run_id: str | None = None
    folder: Path | None = None
    message: str = ""
    record: dict | None = None
    """The run's record as ``run.json`` holds it."""
    alert: alerts.Alert | None = None


@dataclass
class RunContext:
    """What executing a checked run needs, gathered before anything is written."""

    options: RunOptions
    engine: Engine
    folder: RunFolder
    record: RunRecord
    plan: list[Step]
    env: dict[str, str]
    secrets: list[str]
    runs_dir: Path
    out: TextIO
    report: TextIO


def run_suite(options: RunOptions, *, out: TextIO | None = None, report: TextIO | None = None) -> RunResult:
    """Run the suite as ``options`` say; progress goes to ``out`` (stderr), the result to ``report``."""
    out = out or sys.stderr
    report = report or sys.stdout
    try:
        with contextlib.ExitStack() as stack:
            result = _run(options, stack, out, report)
    except UsageError as exc:
        print(f"vmsync run: {exc}", file=out)
        return RunResult(2, message=str(exc))
    if result.alert is not None:  # after the lock is released: a slow channel holds up no other run
        alerts.send(result.alert, alerts.AlertSettings.from_environment(env_file=options.env_file,
                                                                        command=options.on_failure), out)
    if result.exit_code == 0 and result.folder is not None:
        _hook("VMSYNC_AFTER_RUN", options.after_run, result, out)
    if result.folder is not None:
        _prune_after(options, result.folder.parent, out)
    return result


def _prune_after(options: RunOptions, runs_dir: Path, out: TextIO) -> None:
    """Prune the run folders as ``VMSYNC_PRUNE_KEEP`` / ``VMSYNC_PRUNE_DAYS`` say, when either is set."""
    settings = settings_from(dict(os.environ), options.env_file, need_salesforce=False)
    if settings.prune_keep is None and settings.prune_days is None:
        return
    prune(runs_dir, Retention(settings.prune_keep, settings.prune_days), out)


def _check_options(options: RunOptions) -> None:
    if options.parallel < 1:
        raise UsageError(f"--parallel must be 1 or more, not {options.parallel}")
    if options.resume and (options.only or options.exclude or options.full):
        raise UsageError("--resume reruns the steps of that run as it was planned; leave out --only, "
                         "--exclude and --full")
    for name, value in (("--cell-timeout", options.cell_timeout), ("--step-timeout", options.step_timeout)):
        if value is not None and value <= 0:
            raise UsageError(f"{name} must be more than 0 seconds, not {value:g}")


def _run(options: RunOptions, stack: contextlib.ExitStack, out: TextIO, report: TextIO) -> RunResult:
    _check_options(options)
    uses_sandbox = options.sandbox or options.connection is not None
    base = settings_from(dict(os.environ), options.env_file, need_salesforce=not uses_sandbox)
    runs_dir = Path(options.runs_dir or base.runs_dir).absolute()
    check_runs_dir(runs_dir)
    db_url = project_db_url(options.db_url or (SANDBOX_DB_URL if options.sandbox else base.db_url.reveal()))
    engine, exists = preflight.open_database(db_url)
    stack.callback(engine.dispose)
    notebooks_dir = options.notebooks_dir or default_notebooks_dir()

    folder, rec, plan = _plan(options, runs_dir, db_url, notebooks_dir)
    holder = current_holder(engine) if exists else None
    if holder and not is_stale(holder):
        raise UsageError(str(LockHeld(holder)))

    settings, env, connection = org_settings(
        options, {"VMSYNC_DB_URL": db_url, "VMSYNC_RUNS_DIR": str(runs_dir)}, stack)
    named = settings.named_secrets() | ({"the sandbox's admin token": (connection["admin_token"],)}
                                         if connection else {})
    secrets, unsafe = choose_secrets(named, settings.public_values())
    for warning in unsafe:  # once per run, never a leak: see runner.secrets
        print(f"warning: {warning}", file=out)

    try:  # bad credentials, an untrusted certificate, a URL where nothing answers: exit 2, nothing written
        client, unreachable = preflight.connect_org(settings), None
    except SyncError as exc:  # an org that answers but fails: a failed run, recorded, with nothing synced
        client, unreachable = None, exc
    if rec is None:
        folder, rec = _new_run(options, plan, runs_dir, db_url, notebooks_dir)
    run = RunContext(options, engine, folder, rec, plan, env, secrets, runs_dir, out, report)
    if unreachable is not None:
        return _unreachable(run, unreachable)
    org_id = client.org_id
    preflight.check_org(preflight.recorded_org(engine) if exists else None, org_id,
                        allow_other_org=options.allow_other_org, shown_db=preflight.safe_url(db_url))

    _create_schema(engine)
    lock = RunLock(engine, rec.run_id)
    try:
        lock.acquire()
    except LockHeld as exc:
        raise UsageError(str(exc)) from None
    try:
        return _execute(run, org_id)
    finally:
        lock.release()


def _plan(options: RunOptions, runs_dir: Path, db_url: str,
          notebooks_dir: Path) -> tuple[RunFolder | None, RunRecord | None, list[Step]]:
    """The steps to run: those of the run to resume (with its folder and record), or a new plan."""
    if not options.resume:
        return None, None, build_plan(options.only, options.exclude, notebooks_dir)
    folder = find_run(runs_dir, options.resume)
    rec = RunRecord.load(folder)
    if rec.manual:
        raise UsageError(f"run {options.resume} is a notebook run by hand: run the notebook again instead")
    if rec.database != preflight.safe_url(db_url):
        raise UsageError(f"run {options.resume} ran against {rec.database}, not {preflight.safe_url(db_url)}; "
                         "pass --db with that database to resume it")
    plan = rec.plan(notebooks_dir)
    missing = [s.entity for s in plan if not s.notebook.is_file()]
    if missing:
        raise UsageError(f"cannot resume: no notebook for {', '.join(missing)} in {notebooks_dir}")
    return folder, rec, plan


def _new_run(options: RunOptions, plan: list[Step], runs_dir: Path, db_url: str,
             notebooks_dir: Path) -> tuple[RunFolder, RunRecord]:
    run_id = new_run_id()
    mode = "full" if options.full else "incremental"
    parameters = {"mode": mode, "only": options.only, "exclude": options.exclude, "parallel": options.parallel,
                  "cell_timeout": options.cell_timeout, "step_timeout": options.step_timeout,
                  "allow_other_org": options.allow_other_org,
                  "sandbox": options.sandbox_preset if options.sandbox else None,
                  "notebook_parameters": {"run_id": run_id, "mode": mode}}
    rec = RunRecord.new(run_id, plan, mode=mode, database=preflight.safe_url(db_url), parameters=parameters,
                        notebooks_dir=notebooks_dir, now=now_utc())
    return RunFolder(runs_dir, run_id), rec


def _create_schema(engine: Engine, attempts: int = 3) -> None:
    """Make the tables; two runs starting together on a new database may race to create the same table."""
    for attempt in range(1, attempts + 1):
        try:
            create_schema(engine)
            return
        except SQLAlchemyError:
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def _begin_attempt(run: RunContext, now: datetime) -> None:
    """Start an attempt of the run; the notebooks of steps run again are kept under their attempt's name
    (``NN-entity.attempt1.ipynb`` and its HTML), so a resumed run keeps every failure and its traceback."""
    run.folder.path.mkdir(parents=True, exist_ok=True)
    for current, kept in run.record.begin_attempt(now):
        for name, target in ((current, kept), (f"{Path(current).stem}.html", f"{Path(kept).stem}.html")):
            if (run.folder.path / name).exists():
                os.replace(run.folder.path / name, run.folder.path / target)


def _unreachable(run: RunContext, exc: SyncError) -> RunResult:
    rec, folder = run.record, run.folder
    _begin_attempt(run, now_utc())
    rec.error = f"{exc.error_class}: {exc.message}"
    rec.end_attempt(FAILED, now_utc())
    rec.save(folder)
    scan_and_redact(folder.path, run.secrets)
    write_index(run.runs_dir)
    print(f"Run {rec.run_id} failed before any step: {rec.error}", file=run.report)
    print(f"Record: {shown_path(folder.record_path)}", file=run.report)
    written = rec.to_json()
    alert = alerts.build(written, folder.path, {}, run.secrets)
    return RunResult(1, rec.run_id, folder.path, rec.error, written, alert=alert)


def _execute(run: RunContext, org_id: str) -> RunResult:
    rec, folder, engine, options = run.record, run.folder, run.engine, run.options
    now = now_utc()
    _begin_attempt(run, now)
    rec.org_id = org_id
    rec.error = None
    rec.save(folder)
    write_index(run.runs_dir)
    with engine.begin() as conn:
        runs.ensure_run(conn, rec.run_id, mode=rec.mode, parameters=rec.parameters, now=now)
        conn.execute(update(sync_run).where(sync_run.c.run_id == rec.run_id).values(org_id=org_id))
        conn.execute(update(sync_step).where(sync_step.c.run_id == rec.run_id, sync_step.c.status == RUNNING)
                     .values(status=INTERRUPTED, error_message="the runner stopped while this step ran"))
        runs.check_org(conn, org_id, allow_other_org=options.allow_other_org)

    live = options.live if options.live is not None else run.out.isatty()
    progress = Progress(rec.steps, run.out, live=live)
    limits = Limits(cell_timeout=options.cell_timeout, step_timeout=options.step_timeout)
    stop = threading.Event()
    with _stop_on_signals(stop), Watchdog(options.step_timeout) as watchdog, render.Renderer() as renderer:
        steps = StepContext(folder, rec.run_id, rec.mode, run.env, limits, engine, progress, renderer)
        progress.refresh()
        run_steps(run.plan, rec, steps, watchdog, parallel=options.parallel, stop=stop,
                  save=lambda: rec.save(folder))
        interrupted = stop.is_set()
        summary = summary_notebook(options.notebooks_dir)
        if summary is not None and not interrupted:
            _run_summary(run, steps, summary, watchdog)
        _renderings(run, renderer)

    rec.end_attempt(rec.final_status(interrupted), now_utc())
    rec.save(folder)
    leaks = scan_and_redact(folder.path, run.secrets)
    if leaks:
        run.record = rec = RunRecord.load(folder)  # as redacted
        rec.secrets_found = [str(leak) for leak in leaks]
        rec.end_attempt(rec.final_status(interrupted), now_utc())
        rec.save(folder)
    write_index(run.runs_dir)
    with engine.begin() as conn:
        runs.finish_run(conn, rec.run_id, rec.status, now_utc())
    result = _report(run)
    result.alert = alerts.build(result.record, folder.path, alerts.new_problems(engine, rec.run_id), run.secrets,
                                alerts.new_shape_changes(engine, rec.run_id))
    return result


def _renderings(run: RunContext, renderer: render.Renderer) -> None:
    """Wait for the HTML of every notebook in the folder (also of steps done by an attempt that was killed
    before rendering them) and note each in the record."""
    rec, folder = run.record, run.folder
    entries = [s for s in rec.steps if s.notebook] + ([rec.summary] if rec.summary else [])
    earlier = [e for s in rec.steps for e in s.earlier]
    for notebook_name, hide_code in [(e.notebook, e is rec.summary) for e in entries] + \
            [(e["notebook"], False) for e in earlier]:
        notebook, html = folder.path / notebook_name, folder.html(Path(notebook_name).stem)
        if notebook.exists() and not html.exists() and not renderer.pending(html):
            renderer.submit(notebook, html, hide_code=hide_code)
    for target, reason in renderer.wait().items():
        print(f"could not render {target.name}: {reason}", file=run.out)
    for entry in entries:
        html = folder.html(Path(entry.notebook).stem)
        entry.html = html.name if html.exists() else None
    for entry in earlier:
        entry["html"] = entry["html"] if folder.html(Path(entry["notebook"]).stem).exists() else None


def _run_summary(run: RunContext, steps: StepContext, notebook: Path, watchdog: Watchdog) -> None:
    """The summary runs last, after failed steps too: its report says what failed."""
    outcome = run_notebook(steps, "summary", notebook, "summary",
                           {"run_id": steps.run_id, "runs_dir": str(run.runs_dir)}, watchdog, hide_code=True)
    run.record.summary = SummaryRecord.of(run.folder.notebook("summary"), outcome)
    print(f"summary: {run.record.summary.status} in {outcome.duration_s:.1f} s", file=run.out, flush=True)


def _report(run: RunContext) -> RunResult:
    rec, report = run.record, run.report
    print(table(rec.steps), file=report)
    for leak in rec.secrets_found:
        print(f"secret found and redacted: {leak}", file=report)
    target = rec.summary.html if rec.summary else None
    print(f"Run {rec.run_id} {rec.status} in {rec.duration_s:.0f} s.", file=report)
    print(f"Report: {shown_path(run.folder.path / target if target else run.folder.path)}", file=report)
    print(f"All runs: {shown_path(run.runs_dir / INDEX)}", file=report, flush=True)
    code = 0 if rec.status == SUCCEEDED else 1
    return RunResult(code, rec.run_id, run.folder.path, rec.status, rec.to_json())


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event):
    """SIGINT / SIGTERM stop the run: running steps are stopped and marked interrupted (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        log.warning("signal %s: stopping the run (running steps are stopped)", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _hook(name: str, command: str | None, result: RunResult, out: TextIO) -> None:
    """Run a hook command (``VMSYNC_AFTER_RUN`` after a successful run, so the VMS application can refresh its
    caches) through the shell with the run folder as ``$1``, as ``VMSYNC_ON_FAILURE`` is run (``alerts``)."""
    if not command:
        return
    try:
        alerts.run_hook(name, command, result.folder, {"VMSYNC_RUN_ID": result.run_id or "",
                                                       "VMSYNC_RUN_STATUS": result.message})
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"{name} did not succeed: {exc}", file=out)

