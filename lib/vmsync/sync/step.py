"""One sync step: extract an entity's records from Salesforce, mirror them raw, map them into the model.

The rules are DESIGN's "How a sync step behaves": incremental by ``SystemModstamp >= watermark - lookback``
ordered by ``SystemModstamp, Id``; pages written as they arrive, each in its own transaction; the watermark
moved only when the whole stream succeeded; deletes from ``queryAll``, ``getDeleted`` and, on full runs, an Id
comparison; records that cannot be mapped or linked kept in ``sync_issue`` and tried again every run.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, column, select, text
from sqlalchemy import table as sql_table

from ..config import ConfigError, Settings
from ..entities import get as get_entity
from ..entities.spec import Entity, Stream
from ..errors import SyncError, classify
from ..salesforce import soql_datetime
from ..store import runs
from ..store import tables as t
from ..store.chunks import chunks
from ..store.database import create_schema, open_engine
from . import issues
from .params import StepParams
from .prefetch import prefetched
from .writer import PageCounts, PageWriter

log = logging.getLogger(__name__)
PROGRESS_ENV = "VMSYNC_PROGRESS_FILE"
BULK_PAGE = 10_000  # records per Bulk 2.0 result page: two pages in memory at most (one prefetched)


@dataclass
class StreamResult:
    stream: str
    object: str
    full: bool
    soql: str
    watermark_before: datetime | None
    watermark_after: datetime | None
    counts: PageCounts


@dataclass
class StepResult:
    """What a step did: the figures a notebook shows and records, and the summary reads back."""

    entity: str
    run_id: str
    mode: str
    dry_run: bool
    status: str = "running"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    duration_s: float = 0.0
    counts: PageCounts = field(default_factory=PageCounts)
    streams: list[StreamResult] = field(default_factory=list)
    api_calls: int = 0
    api_used: int | None = None
    api_max: int | None = None
    peak_memory_mb: float = 0.0
    error_class: str | None = None
    error_message: str | None = None

    @property
    def watermark_before(self) -> datetime | None:
        marks = [s.watermark_before for s in self.streams if s.watermark_before]
        return min(marks) if marks else None

    @property
    def watermark_after(self) -> datetime | None:
        marks = [s.watermark_after for s in self.streams if s.watermark_after]
        return min(marks) if marks else None

    def figures(self) -> dict:
        """A JSON-ready dict of the step's figures, under the fixed names the summary reads."""
        c = self.counts
        return {
            "entity": self.entity, "run_id": self.run_id, "mode": self.mode, "dry_run": self.dry_run,
            "status": self.status, "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
            "duration_s": round(self.duration_s, 3),
            "extracted": c.extracted, "new": c.new, "updated": c.updated, "unchanged": c.unchanged,
            "deleted": c.deleted, "rejected": c.rejected, "orphaned": c.orphaned, "healed": c.healed,
            "watermark_before": _iso(self.watermark_before), "watermark_after": _iso(self.watermark_after),
            "api_calls": self.api_calls, "api_used": self.api_used, "api_max": self.api_max,
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "error_class": self.error_class, "error_message": self.error_message,
            "tables_changed": {name: n for name, n in sorted(c.tables.items()) if n},
            "streams": [
                {"stream": s.stream, "object": s.object, "full": s.full, "watermark_before": _iso(s.watermark_before),
                 "watermark_after": _iso(s.watermark_after)} | {
                    k: v for k, v in asdict(s.counts).items() if k not in ("samples", "max_modstamp", "tables")}
                for s in self.streams
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_step(entity: str, params: StepParams, settings: Settings, *, client=None) -> StepResult:
    """Run one entity's step; the result is returned, and also raised as ``SyncError`` when the step failed.

    ``params`` are checked before anything is written. ``client`` is a connected Salesforce client; without
    one the step connects with ``settings``.
    """
    spec = get_entity(entity)
    if not spec.streams:
        raise ConfigError([f"{entity} does not read Salesforce: run it with its own step (its notebook says how)"])
    result = StepResult(entity=spec.name, run_id=params.run_id, mode=params.mode, dry_run=params.dry_run)
    engine = open_engine(params.db_url or settings.db_url.reveal())
    create_schema(engine)
    clock = time.monotonic()
    with engine.begin() as conn:
        runs.ensure_run(conn, params.run_id, mode=params.mode, parameters=params.public(), now=result.started_at)
        step_id = runs.start_step(conn, params.run_id, spec.name, mode=params.mode, dry_run=params.dry_run,
                                  now=result.started_at)
    calls_before = 0
    try:
        if client is None:
            from ..salesforce import connect

            client = connect(settings)
        calls_before = client.api_calls
        with engine.begin() as conn:
            runs.check_org(conn, client.org_id, allow_other_org=params.allow_other_org)
        for stream in spec.streams:
            result.streams.append(_run_stream(engine, spec, stream, params, client, result))
        if spec.derive is not None:
            with engine.connect() as conn, conn.begin() as tx:
                spec.derive(conn, params.run_id, datetime.now(UTC))
                _finish(tx, params.dry_run)
        result.status = "succeeded"
    except Exception as exc:  # every failure ends the step recorded, classified, and raised
        result.status = "failed"
        error = exc if isinstance(exc, SyncError) else SyncError(classify(exc), f"{type(exc).__name__}: {exc}")
        result.error_class, result.error_message = str(error.error_class), error.message
        error.result = result  # the notebook records the failed step's figures too
        raise error from exc
    finally:
        result.finished_at = datetime.now(UTC)
        result.duration_s = time.monotonic() - clock
        result.peak_memory_mb = peak_memory_mb()
        if client is not None:
            result.api_calls = client.api_calls - calls_before
            usage = client.api_usage()
            result.api_used, result.api_max = usage if usage else (None, None)
        try:
            _record_step(engine, step_id, result)
        except Exception as exc:  # the database refuses even the record of the step
            if result.status == "failed":  # the step's own error says more: keep it, note this one
                log.warning("could not record the failed %s step: %s", spec.name, exc)
            else:
                raise SyncError(classify(exc), f"the step ran but could not be recorded: {exc}") from exc
        finally:
            engine.dispose()
    return result


def _record_step(engine: Engine, step_id: int, result: StepResult) -> None:
    c = result.counts
    with engine.begin() as conn:
        runs.finish_step(
            conn, step_id, status=result.status, finished_at=result.finished_at, duration_s=result.duration_s,
            extracted=c.extracted, new=c.new, updated=c.updated, unchanged=c.unchanged, deleted=c.deleted,
            rejected=c.rejected, orphaned=c.orphaned, healed=c.healed, api_calls=result.api_calls,
            api_used=result.api_used, api_max=result.api_max, watermark_before=result.watermark_before,
            watermark_after=result.watermark_after, peak_memory_mb=result.peak_memory_mb,
            error_class=result.error_class, error_message=result.error_message,
            details={"streams": result.figures()["streams"], "samples": c.samples},
        )


def build_soql(stream: Stream, since: datetime | None, *, leaving: bool = False) -> str:
    """The stream's query: its records changed since ``since`` (all when None), in watermark order.

    With ``leaving``, the Ids of records changed since ``since`` that no longer match the stream's filter
    (a contact whose type changed, an account that became a school).
    """
    where = []
    if stream.where:
        where.append(f"NOT ({stream.where})" if leaving else f"({stream.where})")
    if since is not None:
        where.append(f"SystemModstamp >= {soql_datetime(since)}")
    select_list = "Id" if leaving else ", ".join(stream.fields)
    soql = f"SELECT {select_list} FROM {stream.object}"
    if where:
        soql += " WHERE " + " AND ".join(where)
    return soql + " ORDER BY SystemModstamp ASC, Id ASC"


def _run_stream(engine: Engine, spec: Entity, stream: Stream, params: StepParams, client,
                result: StepResult) -> StreamResult:
    key = spec.stream_key(stream)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        before = runs.get_watermark(conn, key)
    full = params.mode == "full" or before is None
    since = None if full else before - timedelta(minutes=params.lookback_minutes)
    soql = build_soql(stream, since)
    writer = PageWriter(spec, stream, params.run_id, now)
    counts = PageCounts()
    with engine.connect() as conn:
        seen = _SeenIds(conn) if full and not params.dry_run else None
        pages = _pages(client, stream, soql, full, params)
        for number, page in enumerate(prefetched(pages), start=1):
            with conn.begin() as tx:
                counts.add(writer.write(conn, page))
                report_progress(key, number, counts.extracted)
                if seen:
                    seen.add([r["Id"] for r in page])
                _finish(tx, params.dry_run)
        with conn.begin() as tx:
            if full and seen:
                # not returned by a full extract: purged, or no longer matching the filter; the raw row is left
                # as it is, since another stream may read the same record
                counts.deleted += writer.mark_deleted(conn, seen.missing(stream), in_salesforce=False)
            elif not full:
                counts.deleted += _apply_deletes(conn, client, writer, stream, since, now)
            counts.healed += _retry_open_issues(conn, spec, stream, writer)
            counts.tables.update(writer.changed)
            after = max(filter(None, (before, counts.max_modstamp)), default=None)
            if after and not params.dry_run:
                runs.set_watermark(conn, key, stream.object, after, params.run_id, now)
            _finish(tx, params.dry_run)
        if seen:
            seen.drop()
    result.counts.add(counts)
    return StreamResult(key, stream.object, full, soql, before, after, counts)


def peak_memory_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` starts afresh in every program; ``ru_maxrss``
    (the fallback elsewhere) carries over the peak of the process that started this one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_progress(stream: str, pages: int, records: int) -> None:
    """Tell whoever watches (the runner, through ``VMSYNC_PROGRESS_FILE``) how far the step has come."""
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"stream": stream, "pages": pages, "records": records}, f)
    os.replace(tmp, path)


def _finish(tx, dry_run: bool) -> None:
    """Commit, or roll back a dry run: it computes every figure and writes nothing."""
    if dry_run:
        tx.rollback()
    else:
        tx.commit()


def _pages(client, stream: Stream, soql: str, full: bool, params: StepParams):
    use_bulk = params.api == "bulk" or (params.api == "auto" and full and
                                        client.count(_count_soql(stream)) >= params.bulk_threshold)
    if use_bulk:
        return client.bulk_pages(soql, include_deleted=True, max_records=BULK_PAGE)
    return client.query_pages(soql, include_deleted=True, page_size=params.page_size)


def _count_soql(stream: Stream) -> str:
    return f"SELECT COUNT() FROM {stream.object}" + (f" WHERE {stream.where}" if stream.where else "")


def _apply_deletes(conn: Connection, client, writer: PageWriter, stream: Stream, since: datetime,
                   now: datetime) -> int:
    """Records deleted (also purged) since ``since``, and records that left the stream's filter."""
    gone = [d.id for d in client.deleted(stream.object, since, now).records]
    n = writer.mark_deleted(conn, gone)
    if stream.where:
        leavers = [r["Id"] for page in client.query_pages(build_soql(stream, since, leaving=True))
                   for r in page]
        n += writer.retire_leavers(conn, leavers)
    return n


def _retry_open_issues(conn: Connection, spec: Entity, stream: Stream, writer: PageWriter) -> int:
    """Map again, from the raw mirror, every record of this stream that still has an open issue."""
    ids = issues.open_record_ids(conn, spec.name, stream.object)
    healed = 0
    raw = writer.raw
    for part in chunks(ids):
        rows = [dict(r._mapping) for r in conn.execute(select(raw).where(raw.c.Id.in_(part)))]
        healed += writer.write(conn, [_from_db(r) for r in rows], from_raw=True).healed
    return healed


def _from_db(row: dict) -> dict:
    """A raw-mirror row as the extractor hands records over: date-times aware UTC."""
    return {k: (v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v)
            for k, v in row.items() if k not in ("run_id", "synced_at")}


class _SeenIds:
    """The Ids a full extract returned, kept in a temporary table (not in memory) for the Id comparison."""

    table = sql_table("vmsync_seen", column("id"))

    def __init__(self, conn: Connection):
        self.conn = conn
        conn.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS vmsync_seen (id VARCHAR(18) PRIMARY KEY)"))
        conn.execute(text("DELETE FROM vmsync_seen"))
        conn.commit()

    def add(self, ids: list[str]) -> None:
        if ids:
            self.conn.execute(text("INSERT INTO vmsync_seen (id) VALUES (:id) ON CONFLICT DO NOTHING"),
                              [{"id": i} for i in ids])

    def missing(self, stream: Stream) -> list[str]:
        """Live rows of the stream's main table that the extract did not return: deleted for good."""
        spec = next(tb for tb in stream.tables if tb.kind == "record")
        table: Table = t.metadata.tables[spec.name]
        q = select(table.c.salesforce_id).where(
            table.c.deleted_at.is_(None), table.c.salesforce_id.not_in(select(self.table.c.id)),
            *spec.in_scope(table))
        return list(self.conn.execute(q).scalars())

    def drop(self) -> None:
        self.conn.execute(text("DROP TABLE IF EXISTS vmsync_seen"))
        self.conn.commit()

