"""Bulk API 2.0 query jobs, exactly as ``sf.bulk2.X.query()`` drives them (salesforce-api.md §4.1).

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
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .ids import MAX_COUNTER, make_id
from .query import run_query
from .responses import CSV_TYPE, ApiError, Response, json_object_body, json_response, not_found
from .soql import SoqlError
from .values import stored_datetime

if TYPE_CHECKING:
    from .org import Org
    from .routes import Request

DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
STATES = ("UploadComplete", "InProgress", "JobComplete")
FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
DEFAULT_PAGE = 50_000
MAX_PAGE = 100_000
DAILY_JOBS = 10_000
MAX_JOBS = 1_000
MAX_JOB_ROWS = 10_000_000


@dataclass
class BulkJob:
    id: str
    operation: str
    result: object  # query.QueryResult
    version: str
    created: datetime
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "UploadComplete"
    error_message: str | None = None

    def info(self, user_id: str) -> dict:
        stamp = stored_datetime(self.created)[:23] + "+0000"
        payload = {
            "id": self.id, "operation": self.operation, "object": self.result.object_name,
            "createdById": user_id, "createdDate": stamp, "systemModstamp": stamp, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.version),
            "jobType": "V2Query", "lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter,
            "numberRecordsProcessed": self.result.total_size if self.state == "JobComplete" else 0,
            "retries": 0, "totalProcessingTime": 0 if self.state == "UploadComplete" else 25,
            "isPkChunkingSupported": True,
        }
        if self.error_message:
            payload["errorMessage"] = self.error_message
        return payload


class BulkJobs:
    """The org's query jobs (the newest, within ``MAX_JOBS`` jobs and ``MAX_JOB_ROWS`` result rows in all),
    and how many were created in the last day."""

    daily_limit = DAILY_JOBS

    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self._jobs: OrderedDict[str, BulkJob] = OrderedDict()
        self._rows = 0
        self._created: list[datetime] = []
        self._lock = threading.Lock()

    def add(self, job_args: dict) -> BulkJob:
        with self._lock:
            if self._created_last_day() >= self.daily_limit:
                raise ApiError(400, "LIMIT_EXCEEDED",
                               f"Max bulk v2 query jobs ({self.daily_limit}) per 24 hrs has been reached")
            now = self._now()
            job = BulkJob(id=make_id("750", secrets.randbelow(MAX_COUNTER)), created=now, **job_args)
            self._jobs[job.id] = job
            self._rows += job.result.total_size
            self._created.append(now)
            while len(self._jobs) > 1 and (len(self._jobs) > MAX_JOBS or self._rows > MAX_JOB_ROWS):
                self._rows -= self._jobs.popitem(last=False)[1].result.total_size
            return job

    def get(self, job_id: str) -> BulkJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise not_found()
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
            if job is None:
                raise not_found()
            self._rows -= job.result.total_size

    def all(self) -> list[BulkJob]:
        with self._lock:
            return list(self._jobs.values())

    def _created_last_day(self) -> int:
        since = self._now() - timedelta(days=1)
        self._created = [c for c in self._created if c > since]
        return len(self._created)

    def created_last_day(self) -> int:
        with self._lock:
            return self._created_last_day()


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
                           now=org.clock.now(), bulk=True)
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
