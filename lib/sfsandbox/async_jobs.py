"""The org's Bulk API 1.0 (Async API) query jobs and their batches, and the daily batch quota they share.

A job is opened for one object, takes query batches, and is closed (or aborted) by the client. A batch's
SOQL is compiled when it is added: bad SOQL makes a batch that is ``Failed`` with the compiler's message, as
Salesforce fails it while processing. The handlers that drive jobs are in ``bulk1``.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .ids import MAX_COUNTER, make_id
from .values import stored_datetime

DAILY_BATCHES = 15_000
MAX_JOBS = 1_000
RESULT_ROWS = 50_000  # records per result file (Salesforce splits a result by size; the sandbox by rows)


def _stamp(dt: datetime) -> str:
    return stored_datetime(dt)  # 2024-01-31T12:00:00.000Z, as the Async API writes its dates


@dataclass
class AsyncBatch:
    id: str
    job_id: str
    created: datetime
    result: object | None = None  # query.QueryResult, None when the batch failed
    state: str = "Queued"
    state_message: str | None = None

    def result_ids(self) -> list[str]:
        """One result id per ``RESULT_ROWS`` records (an empty result still has one, empty, file)."""
        files = max(1, -(-self.result.total_size // RESULT_ROWS))
        return [make_id("752", n)[:15] for n in range(files)]

    def info(self) -> dict:
        done = self.state == "Completed"
        payload = {
            "apexProcessingTime": 0, "apiActiveProcessingTime": 0, "createdDate": _stamp(self.created),
            "id": self.id, "jobId": self.job_id,
            "numberRecordsFailed": 0, "numberRecordsProcessed": self.result.total_size if done else 0,
            "state": self.state, "systemModstamp": _stamp(self.created),
            "totalProcessingTime": 25 if done else 0,
        }
        if self.state_message:
            payload["stateMessage"] = self.state_message
        return payload


@dataclass
class AsyncJob:
    id: str
    operation: str
    object_name: str
    version: str
    created: datetime
    concurrency_mode: str = "Parallel"
    state: str = "Open"
    batches: OrderedDict[str, AsyncBatch] = field(default_factory=OrderedDict)

    def info(self, user_id: str) -> dict:
        states = [b.state for b in self.batches.values()]
        return {
            "apexProcessingTime": 0, "apiActiveProcessingTime": 0, "apiVersion": float(self.version),
            "assignmentRuleId": None, "concurrencyMode": self.concurrency_mode, "contentType": "JSON",
            "createdById": user_id, "createdDate": _stamp(self.created), "externalIdFieldName": None,
            "fastPathEnabled": False, "id": self.id,
            "numberBatchesCompleted": states.count("Completed"), "numberBatchesFailed": states.count("Failed"),
            "numberBatchesInProgress": states.count("InProgress"), "numberBatchesQueued": states.count("Queued"),
            "numberBatchesTotal": len(states), "numberRecordsFailed": 0,
            "numberRecordsProcessed": sum(b.result.total_size for b in self.batches.values()
                                          if b.state == "Completed"),
            "numberRetries": 0, "object": self.object_name, "operation": self.operation, "state": self.state,
            "systemModstamp": _stamp(self.created), "totalProcessingTime": 0,
        }


class AsyncJobs:
    """The org's Bulk 1.0 jobs (the newest ``MAX_JOBS``), and the batches added in the last day."""

    daily_limit = DAILY_BATCHES

    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self._jobs: OrderedDict[str, AsyncJob] = OrderedDict()
        self._batches_added: list[datetime] = []
        self._lock = threading.Lock()

    def open(self, operation: str, object_name: str, version: str, concurrency_mode: str) -> AsyncJob:
        with self._lock:
            job = AsyncJob(make_id("750", secrets.randbelow(MAX_COUNTER)), operation, object_name, version,
                           self._now(), concurrency_mode)
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                self._jobs.popitem(last=False)
            return job

    def get(self, job_id: str) -> AsyncJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def add_batch(self, job: AsyncJob, result: object | None, failure: str | None) -> AsyncBatch | None:
        """A new batch of ``job``; None when the day's batch quota is spent."""
        with self._lock:
            now = self._now()
            self._batches_added = [t for t in self._batches_added if t > now - timedelta(days=1)]
            if len(self._batches_added) >= self.daily_limit:
                return None
            self._batches_added.append(now)
            batch = AsyncBatch(make_id("751", secrets.randbelow(MAX_COUNTER)), job.id, now, result)
            if failure:
                batch.state, batch.state_message = "Failed", failure
            job.batches[batch.id] = batch
            return batch

    def batches_last_day(self) -> int:
        with self._lock:
            since = self._now() - timedelta(days=1)
            return sum(1 for t in self._batches_added if t > since)
