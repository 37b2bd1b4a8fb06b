"""One sync step: extract an entity's records from Salesforce, mirror them raw, map them into the model.

The rules (docs/sync-rules.md): incremental by ``SystemModstamp >= watermark - lookback`` ordered by
``SystemModstamp, Id``; pages written as they arrive, each in its own transaction; the watermark moved only when
the whole stream succeeded; deletes from ``queryAll``, ``getDeleted`` and, on full runs, an Id comparison; records
that cannot be mapped or linked kept in ``sync_issue`` and tried again every run.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, select, text

from ..config import ConfigError, Settings
from ..entities import CATALOG, create_schema
from ..entities import get as get_entity
from ..entities.spec import Entity, Stream
from ..salesforce import SalesforceSource, soql_datetime
from ..store import add_raw_columns, open_engine, runs
from ..store import tables as t
from ..store.chunks import chunks
from ..store.upsert import upsert
from . import issues, orgshape
from .params import StepParams
from .prefetch import prefetched
from .result import PageCounts, StepResult, StreamResult, recorded
from .writer import PageWriter

PROGRESS_ENV = "VMSYNC_PROGRESS_FILE"
BULK_PAGE = 10_000  # records per Bulk 2.0 result page: two pages in memory at most (one prefetched)


def run_step(entity: str, params: StepParams, settings: Settings, *,
             client: SalesforceSource | None = None) -> StepResult:
    """Run one entity's step; the result is returned, and also raised as ``SyncError`` when the step failed.

    ``params`` are checked before anything is written. ``client`` is a connected Salesforce client; without
    one the step connects with ``settings``.
    """
    spec = get_entity(entity)
    if not spec.streams:
        raise ConfigError([f"{entity} does not read Salesforce: run it with its own step (its notebook says how)"])
    result = StepResult(entity=spec.name, run_id=params.run_id, mode=params.mode, dry_run=params.dry_run)
    engine = open_engine(params.db_url or settings.db_url.reveal())
    try:
        create_schema(engine)
        with recorded(engine, params, result):
            if client is None:
                from ..salesforce import connect

                client = connect(settings)
            with metered(client, result):
                with engine.begin() as conn:
                    runs.check_org(conn, client.org_id, allow_other_org=params.allow_other_org)
                for stream in spec.streams:
                    result.streams.append(_run_stream(engine, spec, stream, params, client, result))
                if spec.derive is not None:
                    with engine.connect() as conn, conn.begin() as tx:
                        spec.derive(conn, params.run_id, datetime.now(UTC))
                        _finish(tx, params.dry_run)
            result.status = "succeeded"
    finally:
        engine.dispose()
    return result


def build_soql(stream: Stream, since: datetime | None, *, leaving: bool = False,
               fields: dict[str, str] | None = None) -> str:
    """The stream's query: ``fields`` (default: every field its object mirrors, ``Catalog.mirrored``) of its
    records changed since ``since`` (all when None), in watermark order.

    With ``leaving``, the Ids of records changed since ``since`` that no longer match the stream's filter
    (a contact whose type changed, an account that became a school). ``fields`` are the ones the stream reads
    now (``orgshape``: without those the org lost, with the object's others when it mirrors them all).
    """
    where = []
    if stream.where:
        where.append(f"NOT ({stream.where})" if leaving else f"({stream.where})")
    if since is not None:
        where.append(f"SystemModstamp >= {soql_datetime(since)}")
    select_list = "Id" if leaving else ", ".join(fields or CATALOG.mirrored_fields(stream))
    soql = f"SELECT {select_list} FROM {stream.object}"
    if where:
        soql += " WHERE " + " AND ".join(where)
    return soql + " ORDER BY SystemModstamp ASC, Id ASC"


def _run_stream(engine: Engine, spec: Entity, stream: Stream, params: StepParams,
                client: SalesforceSource, result: StepResult) -> StreamResult:
    key = spec.stream_key(stream)
    now = datetime.now(UTC)
    with engine.connect() as conn, conn.begin() as tx:
        before = runs.get_watermark(conn, key)
        drift = orgshape.check(conn, client, stream, spec.name, CATALOG, params.run_id, now)
        _finish(tx, params.dry_run)
    full = params.mode == "full" or before is None or bool(drift.unread)
    since = None if full else before - timedelta(minutes=params.lookback_minutes)
    soql = build_soql(stream, since, fields=drift.read)
    writer = PageWriter(spec, stream, params.run_id, now, CATALOG, drift)
    if drift.extra:  # a schema change, made even on a dry run (as ``create_schema``'s)
        add_raw_columns(engine, writer.raw)
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
            orgshape.remember_read(conn, spec.name, stream, drift)
            _finish(tx, params.dry_run)
        if seen:
            seen.drop()
    result.counts.add(counts)
    return StreamResult(key, stream.object, full, soql, before, after, counts)


@contextmanager
def metered(client: SalesforceSource, result: StepResult):
    """The API calls the step made, and the org's daily usage after them, into ``result`` however it ends."""
    before = client.api_calls
    try:
        yield
    finally:
        result.api_calls = client.api_calls - before
        usage = client.api_usage()
        result.api_used, result.api_max = usage if usage else (None, None)


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


def _pages(client: SalesforceSource, stream: Stream, soql: str, full: bool, params: StepParams):
    use_bulk = params.api == "bulk" or (params.api == "auto" and full and
                                        client.count(_count_soql(stream)) >= params.bulk_threshold)
    if use_bulk:
        return client.bulk_pages(soql, include_deleted=True, max_records=BULK_PAGE)
    return client.query_pages(soql, include_deleted=True, page_size=params.page_size)


def _count_soql(stream: Stream) -> str:
    return f"SELECT COUNT() FROM {stream.object}" + (f" WHERE {stream.where}" if stream.where else "")


def _apply_deletes(conn: Connection, client: SalesforceSource, writer: PageWriter, stream: Stream,
                   since: datetime, now: datetime) -> int:
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
            for k, v in row.items() if k not in t.RAW_BOOKKEEPING}


class _SeenIds:
    """The Ids a full extract returned, kept in a temporary table (not in memory) for the Id comparison."""

    table = Table("vmsync_seen", MetaData(), Column("id", String(18), primary_key=True))

    def __init__(self, conn: Connection):
        self.conn = conn
        conn.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS vmsync_seen (id VARCHAR(18) PRIMARY KEY)"))
        conn.execute(text("DELETE FROM vmsync_seen"))
        conn.commit()

    def add(self, ids: list[str]) -> None:
        upsert(self.conn, self.table, [{"id": i} for i in ids], key=("id",), keep=(), update=False)

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

