"""``vmsync check``: is a run going to work? Configuration, database, Salesforce login, API budget, the org's
fields against the specs (what changed in the org's shape, nothing written).

The budget check counts, per stream, the records the next incremental run would read (``COUNT()`` since the
watermark, less the lookback) and turns them into API calls: pages of 2000 records, or a Bulk 2.0 job for a
large full extract, plus the describe, getDeleted and leavers calls of each stream and a login per step.
With ``--reconcile`` it also compares the record Ids of org and database (``vmsync.sync.reconcile``).
Exit 0 when all is well, 1 when a check failed, 2 when the configuration is not usable.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, inspect

from ..config import project_db_url
from ..entities import CATALOG, ordered
from ..errors import SyncError, UsageError
from ..report import reconciliation
from ..salesforce import soql_datetime
from ..store import runs
from ..sync import orgshape
from ..sync.params import StepParams
from ..sync.reconcile import reconcile
from . import preflight
from .environment import (
    SANDBOX_DB_URL,
    SandboxOpener,
    org_settings,
    settings_from,
)
from .folder import MB, check_runs_dir
from .lock import current_holder, is_stale
from .secrets import choose_secrets

CALLS_PER_STEP = 2  # a login, the limits read
INCREMENTAL_EXTRA = 3  # a stream's describe, getDeleted and leavers query
FULL_EXTRA = 2  # a stream's describe and the COUNT() that picks REST or Bulk
BULK_CALLS = 4  # a Bulk 2.0 job's create and polls
BULK_PAGE = 50_000
SOAP_RETIRING = ("SOAP login() (SF_USERNAME + SF_PASSWORD) stops working in every API version with Salesforce's "
                 "Summer '27 release and is off in new orgs: move to the JWT bearer flow or client credentials "
                 "(README, Logging in to Salesforce)")


@dataclass
class CheckOptions:
    sandbox: bool = False
    sandbox_preset: str = "demo"
    sandbox_dir: Path = Path(".sandbox")
    open_sandbox: SandboxOpener | None = None
    """How ``sandbox`` starts an org: the command line passes the sandbox package's."""
    db_url: str | None = None
    connection: dict | None = None
    env_file: str | None = ".env"
    reconcile: bool = False
    runs_dir: Path | None = None


def stream_calls(count: int, *, full: bool, params: StepParams) -> int:
    """The API calls a stream of ``count`` records costs (Bulk 2.0 for a full extract over the threshold)."""
    if full and count >= params.bulk_threshold:
        pages = BULK_CALLS + math.ceil(count / BULK_PAGE)
    else:
        pages = max(1, math.ceil(count / params.page_size))
    return pages + (FULL_EXTRA if full else INCREMENTAL_EXTRA)


def estimate_calls(client, engine: Engine | None) -> tuple[int, int]:
    """API calls of (the next incremental run, a full run), from the org's counts and the watermarks
    (none without a database: the next run reads everything)."""
    params = StepParams(run_id="check")
    has_marks = engine is not None and inspect(engine).has_table("sync_watermark")
    incremental = full = 0
    for spec in ordered():
        incremental += CALLS_PER_STEP
        full += CALLS_PER_STEP
        for stream in spec.streams:
            where = f"({stream.where})" if stream.where else ""
            total = client.count(f"SELECT COUNT() FROM {stream.object}" + (f" WHERE {where}" if where else ""))
            full += stream_calls(total, full=True, params=params)
            mark = None
            if has_marks:
                with engine.connect() as conn:
                    mark = runs.get_watermark(conn, spec.stream_key(stream))
            if mark is None:  # never synced: the next run reads everything
                incremental += stream_calls(total, full=True, params=params)
                continue
            since = soql_datetime(mark - timedelta(minutes=params.lookback_minutes))
            changed = client.count(f"SELECT COUNT() FROM {stream.object} WHERE "
                                   + (f"{where} AND " if where else "") + f"SystemModstamp >= {since}")
            incremental += stream_calls(changed, full=False, params=params)
    return incremental, full


def run_check(options: CheckOptions, out: TextIO) -> int:
    try:
        with contextlib.ExitStack() as stack:
            return _check(options, stack, out)
    except UsageError as exc:
        print(f"vmsync check: {exc}", file=out)
        return 2


def _check(options: CheckOptions, stack: contextlib.ExitStack, out: TextIO) -> int:
    problems = 0

    def ok(text: str) -> None:
        print(f"  ok    {text}", file=out)

    def bad(text: str) -> None:
        nonlocal problems
        problems += 1
        print(f"  FAIL  {text}", file=out)

    base = settings_from(dict(os.environ), options.env_file,
                     need_salesforce=not (options.sandbox or options.connection is not None))
    ok("configuration")
    runs_dir = options.runs_dir or base.runs_dir
    needed = check_runs_dir(runs_dir.absolute())
    ok(f"runs folder {runs_dir} is writable, with room for a run (about {needed / MB:.0f} MB)")
    db_url = project_db_url(options.db_url or (SANDBOX_DB_URL if options.sandbox else base.db_url.reveal()))
    engine, exists = preflight.open_database(db_url)
    stack.callback(engine.dispose)
    shown = preflight.safe_url(db_url)
    ok(f"database {shown} opens" if exists else f"database {shown} will be created by the first run")
    holder = current_holder(engine) if exists else None
    if holder and not is_stale(holder):
        print(f"  note  run {holder['run_id']} is running on this database (pid {holder['pid']} on "
              f"{holder['host']})", file=out)

    settings, _, connection = org_settings(options, {}, stack)
    ok("settings of the steps (Pathful source, time zone)")
    for warning in choose_secrets(settings.named_secrets(), settings.public_values())[1]:
        print(f"  warn  {warning}", file=out)
    try:
        client = preflight.connect_org(settings)
    except SyncError as exc:
        bad(f"Salesforce at {settings.sf_login_url}: {exc}")
        return 1
    except UsageError as exc:
        bad(str(exc))
        return 1
    ok(f"login to {settings.sf_login_url} as {settings.sf_username or 'the connected app'}: org {client.org_id}")
    if settings.login_flow == "soap":
        print(f"  warn  {SOAP_RETIRING}", file=out)
    recorded = preflight.recorded_org(engine) if exists else None
    if recorded and recorded != client.org_id:
        bad(f"the database was synced from org {recorded}, not {client.org_id} (run with --allow-other-org "
            "to rebind it)")

    problems += _org_shape(engine if exists else None, client, out)
    try:
        incremental, full = estimate_calls(client, engine if exists else None)
        limits = client.limits().get("DailyApiRequests", {})
    except SyncError as exc:
        bad(f"API budget: {exc}")
        return 1
    remaining, maximum = limits.get("Remaining"), limits.get("Max")
    budget = f"{remaining} of {maximum} daily API calls left; a run needs about {incremental} " \
             f"(a --full run about {full})"
    if remaining is not None and remaining < incremental:
        bad(f"API budget: {budget}")
    else:
        ok(f"API budget: {budget}")

    if options.reconcile:
        problems += _reconcile(engine if exists else None, client, out)
    return 1 if problems else 0


def _org_shape(engine: Engine | None, client, out: TextIO) -> int:
    """The org's fields against every stream's spec (docs/sync-rules.md#org-shape), nothing written; the
    fields that stop a step count as failed checks."""
    kept = engine is not None and inspect(engine).has_table("sync_meta")
    stopping, new = 0, {}
    with contextlib.ExitStack() as stack:
        conn = stack.enter_context(engine.connect()) if kept else None
        lines = []
        for spec in ordered():
            for stream in spec.streams:
                drift, _ = orgshape.look(conn, client, stream, CATALOG)
                lines += orgshape.said(spec.name, stream, drift)
                new[stream.object] = drift.new
    for stops, text in lines:
        stopping += stops
        print(f"  {'FAIL' if stops else 'note'}  org shape: {text}", file=out)
    for sf_object, fields in new.items():
        if fields:
            print(f"  note  org shape: {sf_object} has {len(fields)} new field(s) vmsync does not sync: "
                  f"{', '.join(fields)}", file=out)
    if not lines:
        print("  ok    org shape: every field the specs read is in the org", file=out)
    return stopping


def _reconcile(engine: Engine | None, client, out: TextIO) -> int:
    if engine is None or not inspect(engine).has_table("sync_issue"):
        print("  FAIL  reconcile: the database holds nothing synced yet; run `vmsync run` first", file=out)
        return 1
    results = reconcile(engine, client)
    kept = reconciliation.save_for_last_run(engine, results, source="vmsync check --reconcile")
    print(f"\n{'entity':<22} {'stream':<24} {'org':>7} {'db':>7} {'held':>6} {'missing':>8} {'extra':>6}", file=out)
    differences = 0
    for r in results:
        print(f"{r.entity:<22} {r.stream:<24} {r.in_org:>7} {r.in_database:>7} {r.held:>6} {r.missing:>8} "
              f"{r.extra:>6}", file=out)
        if not r.matches:
            differences += 1
            if r.missing_sample:
                print(f"    missing, e.g. {', '.join(r.missing_sample)}", file=out)
            if r.extra_sample:
                print(f"    extra, e.g. {', '.join(r.extra_sample)}", file=out)
    verdict = "database matches the org" if not differences else f"{differences} stream(s) differ from the org"
    print(f"\nreconcile: {verdict}" + (f" (kept for the report of run {kept})" if kept else ""), file=out)
    return differences
