"""Bulk API 2.0 query jobs, exactly as ``sf.bulk2.X.query()`` drives them (docs/salesforce.md#bulk).

A job's SOQL is compiled when it is created (bad SOQL is refused there with the REST error list); each poll
moves it one step, UploadComplete -> InProgress -> JobComplete, so a client polling with ``wait=0`` finishes
at once while one that reads the state mid-way sees it progress. Result pages are CSV with the header row,
``Sforce-NumberOfRecords`` and ``Sforce-Locator`` (the literal ``null`` on the last page); the locator is
the base64 of the next row offset, as Salesforce's are.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from typing import TYPE_CHECKING

from .jobs import DEFAULT_PAGE, FINAL_STATES, MAX_PAGE, STATES
from .query import run_query
from .responses import CSV_TYPE, ApiError, Response, json_object_body, json_response
from .soql import SoqlError

if TYPE_CHECKING:
    from .org import Org
    from .request import Request

DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
def create_job(org: Org, req: Request) -> Response:
    body = json_object_body(req.body)
    operation = body.get("operation")
    if operation not in ("query", "queryAll"):
        raise ApiError(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise ApiError(400, "INVALIDJOB", "A query job needs a query")
    delimiter, ending = body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS:
        raise ApiError(400, "INVALIDJOB", f"Invalid column delimiter: {delimiter}")
    if ending not in LINE_ENDINGS:
        raise ApiError(400, "INVALIDJOB", f"Invalid line ending: {ending}")
    if body.get("contentType", "CSV") != "CSV":
        raise ApiError(400, "INVALIDJOB", "Only CSV is supported as a content type")
    try:
        result = run_query(org.store.read_connection(), soql, include_deleted=operation == "queryAll",
                           now=org.clock.now(), bulk=True, objects=org.shape.sobject)
    except SoqlError as exc:
        raise ApiError(400, exc.error_code, exc.message) from exc
    job = org.jobs.add({"operation": operation, "result": result, "version": req.version,
                        "column_delimiter": delimiter, "line_ending": ending})
    return json_response(job.info(org.user_id))


def get_job(org: Org, req: Request) -> Response:
    job = org.jobs.get(req.params["job"])
    if job.state not in FINAL_STATES:
        if req.fail_job:
            job.state, job.error_message = "Failed", req.fail_job
        else:
            job.state = STATES[STATES.index(job.state) + 1]
    return json_response(job.info(org.user_id))


def list_jobs(org: Org, req: Request) -> Response:
    return json_response({"done": True, "records": [j.info(org.user_id) for j in org.jobs.all()],
                          "nextRecordsUrl": None})


def abort_job(org: Org, req: Request) -> Response:
    job = org.jobs.get(req.params["job"])
    if json_object_body(req.body).get("state") != "Aborted":
        raise ApiError(400, "INVALIDJOBSTATE", "A query job can only be set to Aborted")
    if job.state in FINAL_STATES:
        raise ApiError(400, "INVALIDJOBSTATE", f"Job is already {job.state}")
    job.state = "Aborted"
    return json_response(job.info(org.user_id))


def delete_job(org: Org, req: Request) -> Response:
    org.jobs.remove(req.params["job"])
    return Response(204)


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    try:
        offset = int(base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if offset < 0:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
    return offset


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _reformat(text: str, delimiter: str, line_ending: str) -> str:
    """Rewrite the engine's comma/LF CSV with the job's delimiter and line ending."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_ALL)
    writer.writerows(csv.reader(io.StringIO(text, newline="")))
    return out.getvalue()


def get_results(org: Org, req: Request) -> Response:
    job = org.jobs.get(req.params["job"])
    if job.state != "JobComplete":
        raise ApiError(400, "JOB_NOT_COMPLETE", f"Job {job.id} is {job.state}, not JobComplete")
    offset = _offset(req.query.get("locator"))
    raw_max = req.query.get("maxRecords", str(DEFAULT_PAGE))
    if not raw_max.isdigit() or int(raw_max) < 1:
        raise ApiError(400, "INVALIDREQUEST", f"maxRecords must be a positive integer: {raw_max}")
    total = job.result.total_size
    if offset > total:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {req.query.get('locator')}")
    count = min(int(raw_max), MAX_PAGE, total - offset)
    text = job.result.csv(org.store.read_connection(), offset, count)
    if (job.column_delimiter, job.line_ending) != ("COMMA", "LF"):
        text = _reformat(text, DELIMITERS[job.column_delimiter], LINE_ENDINGS[job.line_ending])
    next_offset = offset + count
    headers = {
        "Sforce-NumberOfRecords": str(count),
        "Sforce-Locator": _locator(next_offset) if next_offset < total else "null",
    }
    return Response(200, text.encode(), CSV_TYPE, headers)
