"""The ``vmsync`` command. Each command is an argparse sub-parser whose defaults carry ``run(args) -> int``
and ``command_parser`` (for usage errors). Exit codes: 0 success, 1 failure, 2 usage or configuration error
(argparse's own errors exit 2 too).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .config import ConfigError

USAGE_ERROR = 2


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text}")
    return value


@contextlib.contextmanager
def _sandbox_org(preset: str, state_dir: Path) -> Iterator[dict]:
    """A sandbox org for ``--sandbox``, in this process: its connection, stopped after."""
    from sfsandbox import Sandbox, SandboxError

    from .errors import UsageError

    try:
        sandbox = Sandbox.start(preset=preset, state_dir=state_dir)
    except (SandboxError, OSError, ValueError) as exc:
        raise UsageError(f"cannot start the sandbox org ({preset} in {state_dir}): {exc}") from None
    try:
        yield sandbox.connection
    finally:
        sandbox.stop()


def _add_sandbox(commands) -> None:
    from sfsandbox.cli import add_serve_command

    sandbox = commands.add_parser("sandbox", help="the local sandbox Salesforce org")
    add_serve_command(sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True),
                      "vmsync sandbox serve")


def _names(text: str) -> list[str]:
    from .runner.plan import parse_names

    names = parse_names(text)
    if not names:
        raise argparse.ArgumentTypeError(f"names no entity: {text!r}; give one or more, comma-separated")
    return names


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def _timeout(text: str) -> float | None:
    """Seconds, or 0 / ``none`` for no limit."""
    if text.lower() in ("0", "none"):
        return None
    return _positive_float(text)


def _add_org_options(parser: argparse.ArgumentParser) -> None:
    """--sandbox, --sandbox-preset, --sandbox-dir and --db, shared by ``run`` and ``check``."""
    from sfsandbox.org import PRESETS

    parser.add_argument("--sandbox", action="store_true",
                        help="start the built-in sandbox org for this command and use it (database "
                             "sqlite:///sandbox.db unless --db says otherwise)")
    parser.add_argument("--sandbox-preset", choices=PRESETS, default="demo", help="size of the sandbox org (demo)")
    parser.add_argument("--sandbox-dir", type=Path, default=Path(".sandbox"),
                        help="the sandbox's state folder (.sandbox)")
    parser.add_argument("--db", metavar="URL", help="database URL (default VMSYNC_DB_URL, or sqlite:///vms.db)")


def _add_runs_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs-dir", type=Path, help="where run folders are (default VMSYNC_RUNS_DIR, or runs)")


def _add_run(commands) -> None:
    from .runner.run import DEFAULT_CELL_TIMEOUT, DEFAULT_STEP_TIMEOUT

    run = commands.add_parser(
        "run", help="run the suite of notebooks with papermill into runs/<run-id>/",
        description="Run every entity notebook in dependency order (independent ones side by side), keeping "
                    "the executed notebooks, their HTML and run.json in runs/<run-id>/. Exit 0 when every step "
                    "succeeded, 1 when one did not, 2 on bad input or configuration (nothing written).",
    )
    _add_org_options(run)
    run.add_argument("--full", action="store_true", help="re-read everything and reconcile deletes by Id")
    run.add_argument("--only", type=_names, default=[], metavar="A,B", help="run these entities only")
    run.add_argument("--exclude", type=_names, default=[], metavar="A,B", help="leave these entities out")
    run.add_argument("--parallel", type=_positive_int, default=2, metavar="N",
                     help="notebooks run at once when their dependencies are done (2)")
    run.add_argument("--resume", metavar="RUN_ID", help="rerun the failed, skipped and unstarted steps of a run")
    _add_runs_dir(run)
    run.add_argument("--log", type=Path, metavar="FILE",
                     help="append everything the run prints to FILE (its folders made as needed), as cron wants")
    run.add_argument("--allow-other-org", action="store_true",
                     help="let a database synced from another org be synced from this one")
    run.add_argument("--cell-timeout", type=_timeout, default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                     help=f"longest a notebook cell may run; 0 for no limit ({DEFAULT_CELL_TIMEOUT:g})")
    run.add_argument("--step-timeout", type=_timeout, default=DEFAULT_STEP_TIMEOUT, metavar="SECONDS",
                     help=f"longest a notebook may run before its kernel is stopped; 0 for no limit "
                          f"({DEFAULT_STEP_TIMEOUT:g})")
    run.set_defaults(run=_run, command_parser=run)


def _quiet_library_logs(verbose: bool = False) -> None:
    """Runner warnings on stderr; papermill's and nbclient's own error lines repeat what the runner reports."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("papermill", "traitlets", "nbclient"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL)


def _hook_command(name: str) -> str | None:
    """A hook command (``VMSYNC_ON_FAILURE``, ``VMSYNC_AFTER_RUN``) from the environment over ``.env``."""
    from .config import environment

    return environment().get(name, "").strip() or None


def _log_to(path: Path) -> None:
    """Send this process's output, and its children's, to the end of ``path`` (folders made as needed), with a
    line saying when the run started. Raises ``OSError`` when the file cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    sys.stdout.flush()
    sys.stderr.flush()
    for target in (1, 2):
        os.dup2(fd, target)
    os.close(fd)
    print(f"--- vmsync run, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC ---", flush=True)


def _run(args: argparse.Namespace) -> int:
    from .runner import RunOptions, run_suite

    if args.log is not None:
        try:
            _log_to(args.log)
        except OSError as exc:
            print(f"vmsync run: --log {args.log}: cannot write it ({exc.strerror or exc}): pick another file",
                  file=sys.stderr)
            return 2

    _quiet_library_logs()
    options = RunOptions(
        sandbox=args.sandbox, sandbox_preset=args.sandbox_preset, sandbox_dir=args.sandbox_dir,
        open_sandbox=_sandbox_org, db_url=args.db, full=args.full, only=args.only, exclude=args.exclude,
        parallel=args.parallel, resume=args.resume,
        runs_dir=args.runs_dir, allow_other_org=args.allow_other_org, cell_timeout=args.cell_timeout,
        step_timeout=args.step_timeout,
    )
    try:
        options.on_failure, options.after_run = _hook_command("VMSYNC_ON_FAILURE"), _hook_command("VMSYNC_AFTER_RUN")
    except ConfigError as exc:  # a malformed .env: refused before anything is written
        print("vmsync run: the configuration is not usable:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return 2
    return run_suite(options).exit_code


def _add_status(commands) -> None:
    status = commands.add_parser("status", help="the steps of a run, or the last runs",
                                 description="Without RUN_ID: the last runs. With it: that run's steps; exit 0 "
                                             "when it succeeded, 1 when it did not.")
    status.add_argument("run_id", nargs="?", metavar="RUN_ID")
    _add_runs_dir(status)
    status.add_argument("--watch", action="store_true",
                        help="show RUN_ID (default: the last run) again every --interval seconds until it ends")
    status.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="how often --watch shows the run (default 2)")
    status.set_defaults(run=_status, command_parser=status)


def _runs_dir(given: Path | None) -> Path:
    from .runner.environment import settings_from

    return given or settings_from(None, ".env", need_salesforce=False).runs_dir


def _status(args: argparse.Namespace) -> int:
    from .errors import UsageError
    from .runner.status import show_run, show_runs, watch_run

    try:
        runs_dir = _runs_dir(args.runs_dir)
        if args.interval <= 0:
            raise UsageError(f"--interval must be more than 0 seconds, not {args.interval:g}")
        if args.watch:
            return watch_run(runs_dir, args.run_id, sys.stdout, interval=args.interval,
                             clear=sys.stdout.isatty())
        if args.run_id:
            return show_run(runs_dir, args.run_id, sys.stdout)
        return show_runs(runs_dir, sys.stdout)
    except UsageError as exc:
        print(f"vmsync status: {exc}", file=sys.stderr)
        return USAGE_ERROR


def _add_report(commands) -> None:
    report = commands.add_parser(
        "report", help="make a run's summary.html and the runs index again",
        description="Run the summary notebook for RUN_ID (the last run by default) into its run folder, "
                    "render summary.html and rewrite runs/index.html. It reads the run folder and the database "
                    "and never calls Salesforce. Exit 0 when the summary was made, 1 when it failed, 2 on bad "
                    "input.",
    )
    report.add_argument("run_id", nargs="?", metavar="RUN_ID")
    _add_runs_dir(report)
    report.add_argument("--db", metavar="URL", help="the run's database (default: the one run.json names, or "
                                                    "VMSYNC_DB_URL)")
    report.set_defaults(run=_report, command_parser=report)


def _report(args: argparse.Namespace) -> int:
    from .errors import UsageError
    from .runner.environment import settings_from
    from .runner.rebuild import rebuild
    from .runner.secrets import choose_secrets

    _quiet_library_logs()
    try:
        settings = settings_from(None, ".env", need_salesforce=False)
        runs_dir = args.runs_dir or settings.runs_dir
        secrets = choose_secrets(settings.named_secrets(), settings.public_values())[0]
        return rebuild(args.run_id, runs_dir, db_url=args.db, secrets=secrets, out=sys.stdout).exit_code
    except UsageError as exc:
        print(f"vmsync report: {exc}", file=sys.stderr)
        return USAGE_ERROR


def _add_prune(commands) -> None:
    prune = commands.add_parser(
        "prune", help="remove old run folders (the database's run records stay)",
        description="Remove the run folders older than what is kept: the last N runs (--keep) and/or the runs of "
                    "the last D days (--days); default VMSYNC_PRUNE_KEEP / VMSYNC_PRUNE_DAYS. A run in progress "
                    "and the last failed run before the latest success are always kept.",
    )
    prune.add_argument("--keep", type=int, metavar="N", help="keep the last N runs")
    prune.add_argument("--days", type=int, metavar="D", help="keep the runs of the last D days")
    prune.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    _add_runs_dir(prune)
    prune.set_defaults(run=_prune, command_parser=prune)


def _prune(args: argparse.Namespace) -> int:
    from .errors import UsageError
    from .runner.environment import settings_from
    from .runner.prune import Retention, prune

    try:
        settings = settings_from(None, ".env", need_salesforce=False)
        keep, days = args.keep, args.days
        if keep is None and days is None:
            keep, days = settings.prune_keep, settings.prune_days
        prune(args.runs_dir or settings.runs_dir, Retention(keep, days), sys.stdout, dry_run=args.dry_run)
        return 0
    except UsageError as exc:
        print(f"vmsync prune: {exc}", file=sys.stderr)
        return USAGE_ERROR


def _add_check(commands) -> None:
    check = commands.add_parser(
        "check", help="configuration, database, Salesforce login and API budget",
        description="Check that a run can work: the configuration, the database, the login, and the daily API "
                    "calls left against what a run needs. --reconcile also compares the record Ids of org and "
                    "database per stream. Exit 0 when all is well, 1 when a check failed, 2 on bad configuration.",
    )
    _add_org_options(check)
    _add_runs_dir(check)
    check.add_argument("--reconcile", action="store_true",
                       help="compare the Ids of live records in the org with the database, per stream")
    check.set_defaults(run=_check, command_parser=check)


def _check(args: argparse.Namespace) -> int:
    from .runner.check import CheckOptions, run_check

    _quiet_library_logs()
    options = CheckOptions(sandbox=args.sandbox, sandbox_preset=args.sandbox_preset, sandbox_dir=args.sandbox_dir,
                           open_sandbox=_sandbox_org,
                           db_url=args.db, reconcile=args.reconcile, runs_dir=args.runs_dir)
    return run_check(options, sys.stdout)


def _add_notebooks(commands) -> None:
    notebooks = commands.add_parser(
        "notebooks", help="write the entity notebooks from their template",
        description="Write notebooks/<entity>.ipynb for every entity that reads Salesforce, from the one template "
                    "and the entity's spec. --check writes nothing: exit 1, naming them, when notebooks differ "
                    "from what the template gives.",
    )
    notebooks.add_argument("--check", action="store_true", help="only compare; exit 1 when a notebook differs")
    notebooks.set_defaults(run=_notebooks, command_parser=notebooks)


def _notebooks(args: argparse.Namespace) -> int:
    from .notebook import template
    from .runner.plan import default_notebooks_dir

    folder = default_notebooks_dir()
    if args.check:
        stale = template.differing(folder)
        if stale:
            print(f"vmsync notebooks: not what the template gives, in {folder}: {', '.join(stale)} "
                  "(vmsync notebooks writes them)", file=sys.stderr)
            return 1
        print(f"Every entity notebook in {folder} is what the template gives.")
        return 0
    for name in template.write(folder):
        print(f"wrote {folder / name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmsync", description="Keep a VMS database in step with Salesforce.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run(commands)
    _add_status(commands)
    _add_report(commands)
    _add_check(commands)
    _add_prune(commands)
    _add_notebooks(commands)
    _add_sandbox(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
