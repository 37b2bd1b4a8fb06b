"""The virtual-sessions step: read the Pathful reports, write them in one transaction, record the step.

Every source is read and validated before the database is touched; then the school levels, the Pathful users
and the sessions are written, the issue ledger settled and the step's figures recorded, all in one
transaction: an import lands whole or not at all. The step is recorded in ``sync_run`` / ``sync_step`` like
any Salesforce step, and its result is a ``StepResult`` (figures under the same names), so notebooks and the
summary show it like any other; it adds what the report held, and which model tables changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from ..config import load_settings
from ..entities import create_schema
from ..entities.virtual_sessions import ENTITY
from ..errors import ErrorClass, SyncError
from ..store import open_engine
from ..store import tables as t
from ..sync import issues
from ..sync.result import PageCounts, StepResult, StreamResult, iso, recorded
from . import levels, users
from .columns import SESSION_REPORT, locate
from .match import Directory
from .modes import cutoff, effective
from .options import VirtualParams
from .read import OBJECT, Report, read_report
from .source import SourceError, describe, open_source
from .write import SessionWriter


@dataclass
class VirtualResult(StepResult):
    """A ``StepResult`` plus what the session report held and which model tables the step changed."""

    source: str | None = None
    skip_reason: str | None = None
    report: dict = field(default_factory=dict)
    tables_changed: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict:
        return super().figures() | {"source": self.source, "skip_reason": self.skip_reason,
                                    "report": self.report, "tables_changed": self.tables_changed}

    def step_columns(self) -> dict:
        columns = super().step_columns()
        columns["details"] |= {"source": self.source, "skip_reason": self.skip_reason, "report": self.report,
                               "tables_changed": self.tables_changed}
        return columns


@dataclass
class _Read:
    """Everything the sources say, read and checked before the database is opened for writing."""

    report: Report | None = None
    users: users.UserReport | None = None
    levels: levels.LevelSheet | None = None


def run(params: VirtualParams, *, now: datetime | None = None) -> VirtualResult:
    """Run the step; the result is returned, and also raised as ``SyncError`` when the step failed.

    ``now`` is the clock of the import (cutoffs, dates too far ahead); by default the current time.
    """
    started = datetime.now(UTC)
    now = now or started
    result = VirtualResult(entity=ENTITY.name, run_id=params.run_id, mode=effective(params.mode),
                           dry_run=params.dry_run, started_at=started,
                           source=describe(params.source) if params.source else None)
    engine = open_engine(params.db_url or load_settings(need_salesforce=False).db_url.reveal())
    try:
        create_schema(engine)
        with recorded(engine, params, result):
            if not params.source:
                result.status = "skipped"
                result.skip_reason = "no Pathful session report given (source, or VMSYNC_PATHFUL_SOURCE)"
            else:
                try:
                    read = _read(params, now)
                except SourceError as exc:  # the report is refused: nothing is written
                    raise SyncError(ErrorClass.VALIDATION, str(exc)) from exc
                with engine.connect() as conn, conn.begin() as tx:
                    _write(conn, params, read, result)
                    if params.dry_run:
                        tx.rollback()  # every figure computed, nothing written
                    else:
                        tx.commit()
                result.status = "succeeded"
    finally:
        engine.dispose()
    return result


def _read(params: VirtualParams, now: datetime) -> _Read:
    """Open and check every source; all problems of a source are reported together, nothing is written."""
    zone = params.zone
    out = _Read()
    if params.school_levels:
        out.levels = levels.read_levels(open_source(params.school_levels, ca_bundle=params.ca_bundle))
    if params.user_report:
        out.users = users.read_users(open_source(params.user_report, ca_bundle=params.ca_bundle), zone)
    table = locate(open_source(params.source, ca_bundle=params.ca_bundle), SESSION_REPORT)
    out.report = read_report(table, zone=zone, now=now,
                             cutoff=cutoff(params.mode, now, zone, params.cutoff), partner=params.partner)
    return out


def _write(conn: Connection, params: VirtualParams, read: _Read, result: VirtualResult) -> None:
    stamp = datetime.now(UTC)
    run_id = params.run_id
    if read.levels is not None:
        counts = read.levels.write(conn, run_id, stamp)
        counts.healed += _settle(conn, levels.OBJECT, read.levels.found, run_id, stamp)
        _add_stream(result, "school_levels", levels.OBJECT, True, counts)
    if read.users is not None:
        counts = read.users.write(conn, run_id, stamp)
        _add_stream(result, "users", users.OBJECT, True, counts)
    report = read.report
    writer = SessionWriter(conn, Directory.load(conn), run_id, stamp)
    writer.store_rows(report)
    waiting, sources = writer.pending(exclude=set(report.sessions))
    sessions = report.sessions | waiting
    outcome = writer.write(sessions, {sid: report.name for sid in report.sessions} | sources,
                           counted=set(report.sessions))
    found = report.found + outcome.found
    counts = PageCounts(extracted=report.rows, new=outcome.new, updated=outcome.updated,
                        unchanged=outcome.unchanged, deleted=outcome.removed, rejected=report.rejected,
                        orphaned=outcome.pending)
    counts.healed = _settle(conn, OBJECT, found, run_id, stamp)
    counts.samples = [{"record_id": f.record_id, "code": f.code, "field": f.field, "message": f.message}
                      for f in found[:20]]
    _add_stream(result, "report", OBJECT, report.cutoff is None, counts)
    result.report = report.figures() | {"remapped": outcome.remapped, "cutoff": iso(report.cutoff),
                                        "issues": len(found)}
    result.tables_changed = changed_tables(conn, run_id, stamp)


def _settle(conn: Connection, sf_object: str, found: list[issues.Found], run_id: str, now: datetime) -> int:
    """Record this import's issues; every open issue of the same source not found again is resolved."""
    open_ids = issues.open_record_ids(conn, ENTITY.name, sf_object)
    return issues.settle(conn, ENTITY.name, sf_object, [f.record_id for f in found] + open_ids, found,
                         deleted=set(), run_id=run_id, now=now)


def _add_stream(result: VirtualResult, name: str, sf_object: str, full: bool, counts: PageCounts) -> None:
    result.streams.append(StreamResult(f"{ENTITY.name}:{name}", sf_object, full, "", None, None, counts))
    result.counts.add(counts)


def changed_tables(conn: Connection, run_id: str, stamp: datetime) -> dict[str, int]:
    """Rows each model table got from this step: inserted, changed or retired (stamped with its run)."""
    out = {}
    for name in ENTITY.writes:
        table = t.metadata.tables[name]
        n = conn.execute(select(func.count()).select_from(table).where(
            table.c.run_id == run_id, table.c.updated_at == stamp)).scalar_one()
        if n:
            out[name] = n
    return out
