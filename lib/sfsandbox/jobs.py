"""The org's Bulk API 2.0 query jobs: their states, the result rows they hold, and the daily job limit.

The handlers that create, poll, page through and delete jobs are in ``bulk``; the org keeps one ``BulkJobs``.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ids import MAX_COUNTER, make_id
from .responses import ApiError, not_found
from .values import stored_datetime

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
