"""What the server keeps between requests: cursors, Bulk jobs and API usage, on the org's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sfsandbox import async_jobs, cursors
from sfsandbox import jobs as jobs_module
from sfsandbox.cursors import Cursors
from sfsandbox.jobs import BulkJobs
from sfsandbox.responses import ApiError
from sfsandbox.usage import ApiUsage


@dataclass
class FakeResult:
    total_size: int
    object_name: str = "Contact"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_cursors_live_two_days_on_the_org_clock():
    clock = FakeClock()
    open_cursors = Cursors(clock)
    locator = open_cursors.open(FakeResult(5000), 500)
    assert locator.startswith("01g") and len(locator) == 18
    clock.now += timedelta(days=2)
    assert open_cursors.get(locator).batch_size == 500
    clock.now += timedelta(seconds=1)
    assert open_cursors.get(locator) is None
    assert open_cursors.get("01gUNKNOWN") is None


def test_cursors_drop_the_oldest_beyond_their_bounds(monkeypatch):
    monkeypatch.setattr(cursors, "MAX_CURSORS", 3)
    monkeypatch.setattr(cursors, "MAX_CURSOR_ROWS", 10_000)
    open_cursors = Cursors(FakeClock())
    locators = [open_cursors.open(FakeResult(1000), 200) for _ in range(4)]
    assert [open_cursors.get(x) is not None for x in locators] == [False, True, True, True]
    big = open_cursors.open(FakeResult(9000), 200)  # 3 x 1000 + 9000 rows: the two oldest must go
    assert [open_cursors.get(x) is not None for x in [*locators, big]] == [False, False, False, True, True]


def test_bulk_jobs_are_bounded_and_counted_per_day(monkeypatch):
    monkeypatch.setattr(jobs_module, "MAX_JOBS", 2)
    clock = FakeClock()
    jobs = BulkJobs(clock)
    jobs.daily_limit = 3
    made = [jobs.add({"operation": "query", "result": FakeResult(10), "version": "59.0"}) for _ in range(3)]
    assert [j.id for j in jobs.all()] == [j.id for j in made[1:]]
    with pytest.raises(ApiError) as refused:
        jobs.add({"operation": "query", "result": FakeResult(10), "version": "59.0"})
    assert refused.value.status == 400 and "per 24 hrs" in refused.value.message
    clock.now += timedelta(days=1, seconds=1)
    assert jobs.created_last_day() == 0
    jobs.remove(made[2].id)
    with pytest.raises(ApiError):
        jobs.get(made[2].id)


def test_bulk1_jobs_are_bounded_and_their_batches_counted_per_day(monkeypatch):
    monkeypatch.setattr(async_jobs, "MAX_JOBS", 2)
    clock = FakeClock()
    jobs = async_jobs.AsyncJobs(clock)
    jobs.daily_limit = 2
    made = [jobs.open("query", "Contact", "59.0", "Parallel") for _ in range(3)]
    assert jobs.get(made[0].id) is None and jobs.get(made[2].id) is made[2]
    assert [jobs.add_batch(made[2], FakeResult(10), None) is not None for _ in range(3)] == [True, True, False]
    assert jobs.batches_last_day() == 2
    clock.now += timedelta(days=1, seconds=1)
    assert jobs.batches_last_day() == 0 and jobs.add_batch(made[2], FakeResult(10), None) is not None


def test_api_usage_is_a_rolling_day_of_hourly_buckets():
    clock = FakeClock()
    usage = ApiUsage(clock, daily_limit=3)
    assert [usage.spend() for _ in range(4)] == [True, True, True, False]
    assert usage.limit_info() == "api-usage=3/3"
    clock.now += timedelta(hours=23)
    assert not usage.spend()
    clock.now += timedelta(hours=1)
    assert usage.spend() and usage.used() == 1
    usage.set_used(2)
    usage.set_limit(10)
    usage.note_request("query")
    assert usage.snapshot() == {"api_calls_used": 2, "daily_limit": 10, "remaining": 8, "requests": {"query": 1}}
