"""The REST API handlers: query / queryAll with ``nextRecordsUrl`` paging, describe, sObject CRUD,
getUpdated / getDeleted, limits and the versions list.

Response shapes follow docs/salesforce.md#paging: a query page has exactly ``totalSize``, ``done``, ``records``
and (only when not done) ``nextRecordsUrl``, a path starting with ``/``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from . import describe, schema
from .query import run_query
from .responses import JSON_TYPE, ApiError, Response, json_object_body, json_response, not_found
from .soql import SoqlError
from .store import StoreError

if TYPE_CHECKING:
    from .org import Org
    from .request import Request

DEFAULT_BATCH = 2_000
MIN_BATCH, MAX_BATCH = 200, 2_000
FIRST_VERSION, LATEST_VERSION = 47, 66
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_LOCATOR_RE = re.compile(r"^(?P<locator>01g[A-Za-z0-9]{15})-(?P<offset>\d+)$")
_SEASONS = ("Winter", "Spring", "Summer")


def _store_call(call, *args):
    try:
        return call(*args)
    except StoreError as exc:
        raise ApiError(exc.status, exc.error_code, exc.message, exc.fields) from exc


def _object_name(name: str) -> str:
    obj = schema.sobject(name)  # an object is never removed, only its fields
    if obj is None:
        raise not_found()
    return obj.name


# --- versions and resources ------------------------------------------------------------------------------

def versions(org: Org, req: Request) -> Response:
    listed = []
    for major in range(FIRST_VERSION, LATEST_VERSION + 1):
        k = major - FIRST_VERSION
        listed.append({"label": f"{_SEASONS[k % 3]} '{20 + k // 3}", "url": f"/services/data/v{major}.0",
                       "version": f"{major}.0"})
    return json_response(listed)


def resources(org: Org, req: Request) -> Response:
    base = f"/services/data/v{req.version}"
    return json_response({name: f"{base}/{name}" for name in ("jobs", "limits", "query", "queryAll", "sobjects")})


# --- query -------------------------------------------------------------------------------------------------

def batch_size(req: Request, default: int = DEFAULT_BATCH) -> int:
    """The page size asked for in ``Sforce-Query-Options: batchSize=N``, kept within 200..2000."""
    m = _BATCH_RE.search(req.headers.get("Sforce-Query-Options", ""))
    if not m:
        return default
    return max(MIN_BATCH, min(MAX_BATCH, int(m.group(1))))


def _page(org: Org, req: Request, result, offset: int, size: int, locator: str | None) -> Response:
    """One page: the engine renders the records' JSON text, spliced here into the page object unparsed."""
    count = max(0, min(size, result.total_size - offset))
    records = result.records_json(org.store.read_connection(), offset, count, req.version)
    end = offset + count
    head = {"totalSize": result.total_size, "done": end >= result.total_size}
    if not head["done"]:
        locator = locator or org.cursors.open(result, size)
        head["nextRecordsUrl"] = f"/services/data/v{req.version}/query/{locator}-{end}"
    body = json.dumps(head, separators=(",", ":"))[:-1] + ',"records":' + records + "}"
    return Response(200, body.encode(), JSON_TYPE)


def query(org: Org, req: Request) -> Response:
    soql = req.query.get("q", "")
    if not soql.strip():
        raise ApiError(400, "MALFORMED_QUERY", "A query string must be provided with the q parameter.")
    conn = org.store.read_connection()
    try:
        result = run_query(conn, soql, include_deleted=req.params["mode"] == "queryAll", now=org.clock.now(),
                           objects=org.shape.sobject)
    except SoqlError as exc:
        raise ApiError(400, exc.error_code, exc.message) from exc
    if result.is_count:
        return json_response({"totalSize": result.total_size, "done": True, "records": []})
    return _page(org, req, result, 0, batch_size(req), None)


def next_page(org: Org, req: Request) -> Response:
    """A continuation page; its size is this request's batchSize, else the one the query was opened with."""
    m = _LOCATOR_RE.match(req.params["locator"])
    cursor = org.cursors.get(m["locator"]) if m else None
    if cursor is None or int(m["offset"]) > cursor.result.total_size:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(org, req, cursor.result, int(m["offset"]), batch_size(req, cursor.batch_size), m["locator"])


# --- describe ----------------------------------------------------------------------------------------------

def describe_global(org: Org, req: Request) -> Response:
    return json_response(describe.describe_global(req.version))


def describe_object(org: Org, req: Request) -> Response:
    """The describe as the org's shape is now, with ``Last-Modified``; ``304`` when the fields have not changed
    since ``If-Modified-Since`` (docs/salesforce.md#describe)."""
    name = _object_name(req.params["object"])
    modified = org.shape.modified(name).replace(microsecond=0)
    headers = {"Last-Modified": format_datetime(modified, usegmt=True)}
    since = req.headers.get("If-Modified-Since")
    if since and _http_date(since) is not None and modified <= _http_date(since):
        return Response(304, b"", None, headers)
    response = json_response(describe.describe_object(org.shape.sobject(name), req.version))
    response.headers.update(headers)
    return response


def _http_date(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def object_metadata(org: Org, req: Request) -> Response:
    return json_response(describe.object_metadata(_object_name(req.params["object"]), req.version))


# --- records -----------------------------------------------------------------------------------------------

def get_record(org: Org, req: Request) -> Response:
    name = _object_name(req.params["object"])
    fields = req.query.get("fields")
    selected = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    return json_response(_store_call(org.store.get, name, req.params["id"], selected, req.version))


def create_record(org: Org, req: Request) -> Response:
    name = _object_name(req.params["object"])
    values = json_object_body(req.body)
    record_id = _store_call(org.store.create, name, values)
    return json_response({"id": record_id, "success": True, "errors": []}, 201,
                         {"Location": f"/services/data/v{req.version}/sobjects/{name}/{record_id}"})


def update_record(org: Org, req: Request) -> Response:
    name = _object_name(req.params["object"])
    _store_call(org.store.update, name, req.params["id"], json_object_body(req.body))
    return Response(204)


def delete_record(org: Org, req: Request) -> Response:
    _store_call(org.store.delete, _object_name(req.params["object"]), req.params["id"])
    return Response(204)


def _window(req: Request) -> tuple[str, str]:
    start, end = req.query.get("start"), req.query.get("end")
    if not start or not end:
        raise ApiError(400, "MISSING_ARGUMENT", "Both start and end are required (ISO 8601 date-times).")
    return start, end


def get_updated(org: Org, req: Request) -> Response:
    return json_response(_store_call(org.store.updated, _object_name(req.params["object"]), *_window(req)))


def get_deleted(org: Org, req: Request) -> Response:
    return json_response(_store_call(org.store.deleted, _object_name(req.params["object"]), *_window(req)))


# --- limits ------------------------------------------------------------------------------------------------

def limits(org: Org, req: Request) -> Response:
    used = org.usage.used()
    daily = org.usage.daily_limit
    jobs_max, jobs_used = org.jobs.daily_limit, org.jobs.created_last_day()
    batches_max, batches_used = org.async_jobs.daily_limit, org.async_jobs.batches_last_day()

    def limit(maximum: int, remaining: int) -> dict:
        return {"Max": maximum, "Remaining": max(remaining, 0)}

    return json_response({
        "ConcurrentAsyncGetReportInstances": limit(200, 200),
        "ConcurrentSyncReportRuns": limit(20, 20),
        "DailyApiRequests": limit(daily, daily - used),
        "DailyAsyncApexExecutions": limit(250_000, 250_000),
        "DailyBulkApiBatches": limit(batches_max, batches_max - batches_used),
        "DailyBulkV2QueryFileStorageMB": limit(976_562, 976_562),
        "DailyBulkV2QueryJobs": limit(jobs_max, jobs_max - jobs_used),
        "DataStorageMB": limit(1_024, 1_024),
        "FileStorageMB": limit(1_024, 1_024),
        "HourlyODataCallout": limit(10_000, 10_000),
        "SingleEmail": limit(5_000, 5_000),
    })
