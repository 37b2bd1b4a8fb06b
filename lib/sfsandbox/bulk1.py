"""Bulk API 1.0 query jobs, exactly as ``sf.bulk.X.query()`` / ``query_all()`` drive them
(docs/salesforce.md#bulk-api-10).

The client opens a JSON job, adds one batch whose body is the raw SOQL, closes the job, polls the batch until
it is Completed, Failed or NotProcessed, then reads the list of result ids and each result, a JSON array of
records as REST gives them except that date and date-time values are epoch milliseconds. A batch is
``Queued`` when added and done at its first poll (the client sleeps between polls, so a state it would only
wait on costs the caller seconds). Errors are the Async API's ``{"exceptionCode", "exceptionMessage"}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .async_jobs import RESULT_ROWS
from .query import run_query
from .responses import ApiError, Response, json_response, parse_json_body
from .schema import sobject
from .soql import SoqlError
from .values import parse_datetime

if TYPE_CHECKING:
    from .async_jobs import AsyncBatch, AsyncJob
    from .org import Org
    from .request import Request

# The REST error codes the server raises before a handler runs, as the Async API words them.
ASYNC_ERRORS = {
    "INVALID_SESSION_ID": (400, "InvalidSessionId", "Invalid session id"),
    "REQUEST_LIMIT_EXCEEDED": (403, "ExceededQuota", "TotalRequests Limit exceeded."),
    "NOT_FOUND": (404, "InvalidUrl", "unknown Async API resource"),
    "METHOD_NOT_ALLOWED": (405, "InvalidUrl", "HTTP method not allowed on this Async API resource"),
}


def async_error(error: ApiError) -> Response:
    """An error as the Async API answers it in JSON."""
    status, code, message = ASYNC_ERRORS.get(error.error_code, (error.status, error.error_code, error.message))
    return json_response({"exceptionCode": code, "exceptionMessage": message}, status, dict(error.headers))


def _invalid(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def _job(org: Org, req: Request) -> AsyncJob:
    job = org.async_jobs.get(req.params["job"])
    if job is None:
        raise _invalid("InvalidJob", f"Unable to find object: {req.params['job']}")
    return job


def _batch(org: Org, req: Request) -> tuple[AsyncJob, AsyncBatch]:
    job = _job(org, req)
    batch = job.batches.get(req.params["batch"])
    if batch is None:
        raise _invalid("InvalidBatch", f"Unable to find object: {req.params['batch']}")
    return job, batch


def create_job(org: Org, req: Request) -> Response:
    body = parse_json_body(req.body)
    if not isinstance(body, dict):
        raise _invalid("InvalidJob", "A job is created from one JSON object with operation and object")
    operation, name = body.get("operation"), body.get("object")
    if operation not in ("query", "queryAll"):
        raise _invalid("InvalidJob", f"The sandbox serves query and queryAll jobs only, not {operation!r}")
    if body.get("contentType", "JSON") != "JSON":
        raise _invalid("InvalidJob", f"The sandbox answers JSON jobs only, not {body.get('contentType')!r}")
    found = sobject(name) if isinstance(name, str) else None
    if found is None:
        raise _invalid("InvalidJob", f"Unable to find object: {name}")
    serial = body.get("concurrencyMode") in (1, "Serial")  # simple-salesforce sends 0 / 1
    job = org.async_jobs.open(operation, found.name, req.version, "Serial" if serial else "Parallel")
    return json_response(job.info(org.user_id), 201)


def add_batch(org: Org, req: Request) -> Response:
    job = _job(org, req)
    if job.state != "Open":
        raise _invalid("InvalidJobState", f"Job {job.id} is {job.state}, not Open: it takes no more batches")
    soql = req.body.decode("utf-8", errors="replace").strip()
    if not soql:
        raise _invalid("InvalidBatch", "A query batch needs a SOQL query as its body")
    result, failure = None, None
    try:
        result = run_query(org.store.read_connection(), soql, include_deleted=job.operation == "queryAll",
                           now=org.clock.now(), bulk=True)
    except SoqlError as exc:
        failure = f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message}"
    if result is not None and result.object_name != job.object_name:
        result, failure = None, (f"InvalidBatch : Failed to process query: the query reads "
                                 f"{result.object_name}, the job's object is {job.object_name}")
    batch = org.async_jobs.add_batch(job, result, failure)
    if batch is None:
        raise _invalid("ExceededQuota", f"Max Bulk batches ({org.async_jobs.daily_limit}) per 24 hrs reached")
    return json_response(batch.info(), 201)


def job_info(org: Org, req: Request) -> Response:
    return json_response(_job(org, req).info(org.user_id))


def set_job_state(org: Org, req: Request) -> Response:
    """Close or abort a job (``{"state": "Closed" | "Aborted"}``)."""
    job = _job(org, req)
    body = parse_json_body(req.body)
    state = body.get("state") if isinstance(body, dict) else None
    if state not in ("Closed", "Aborted"):
        raise _invalid("InvalidJobState", f"A job can be set to Closed or Aborted, not {state!r}")
    if job.state != "Open":
        raise _invalid("InvalidJobState", f"Job {job.id} is already {job.state}")
    job.state = state
    for batch in job.batches.values():
        if state == "Aborted" and batch.state == "Queued":
            batch.state, batch.state_message = "NotProcessed", "Job aborted before the batch ran"
    return json_response(job.info(org.user_id))


def batch_info(org: Org, req: Request) -> Response:
    _, batch = _batch(org, req)
    if batch.state == "Queued":
        if req.fail_job:
            batch.state, batch.state_message, batch.result = "Failed", req.fail_job, None
        else:
            batch.state = "Completed"
    return json_response(batch.info())


def list_batches(org: Org, req: Request) -> Response:
    return json_response({"batchInfo": [b.info() for b in _job(org, req).batches.values()]})


def result_ids(org: Org, req: Request) -> Response:
    _, batch = _batch(org, req)
    if batch.state != "Completed":
        raise _invalid("InvalidBatch", f"Batch {batch.id} is {batch.state}: it has no results")
    return json_response(batch.result_ids())


def result(org: Org, req: Request) -> Response:
    job, batch = _batch(org, req)
    ids = batch.result_ids() if batch.state == "Completed" else []
    if req.params["result"] not in ids:
        raise _invalid("InvalidBatch", f"Unable to find result {req.params['result']} of batch {batch.id}")
    offset = ids.index(req.params["result"]) * RESULT_ROWS
    count = max(0, min(RESULT_ROWS, batch.result.total_size - offset))
    records = batch.result.records(org.store.read_connection(), offset, count, job.version)
    body = json.dumps([_epoch_dates(r) for r in records], separators=(",", ":"), ensure_ascii=False)
    return Response(200, body.encode(), "application/json")


def _epoch_dates(record: dict) -> dict:
    """A REST record (and its nested parents) with date and date-time values as epoch milliseconds."""
    found = sobject(record.get("attributes", {}).get("type", ""))
    for key, value in record.items():
        if isinstance(value, dict) and "attributes" in value:
            _epoch_dates(value)
            continue
        f = found.field(key) if found is not None and key != "attributes" else None
        if f is None or not isinstance(value, str):
            continue
        if f.type == "datetime":
            record[key] = int(parse_datetime(value).timestamp() * 1000)
        elif f.type == "date":
            record[key] = int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() * 1000)
    return record
