"""The org's API budget: calls counted over a rolling 24 hours of the org's clock, and requests seen per kind.

Every REST and Bulk call counts one against the daily allocation (the versions list, logins and the control
API do not). Calls are kept in hourly buckets, so moving the org's clock a day forward frees the budget as
it would in Salesforce. Once the allocation is used up every call is refused with 403
``REQUEST_LIMIT_EXCEEDED``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

DEFAULT_DAILY_LIMIT = 15_000
WINDOW_HOURS = 24


class ApiUsage:
    def __init__(self, now: Callable[[], datetime], daily_limit: int = DEFAULT_DAILY_LIMIT):
        self._now = now
        self.daily_limit = int(daily_limit)
        self._buckets: Counter[int] = Counter()
        self._requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _hour(self) -> int:
        return int(self._now().timestamp() // 3600)

    def _used(self, hour: int) -> int:
        for old in [h for h in self._buckets if h <= hour - WINDOW_HOURS]:
            del self._buckets[old]
        return sum(self._buckets.values())

    def note_request(self, kind: str) -> None:
        """Count a request of ``kind`` seen, whether or not it costs an API call."""
        with self._lock:
            self._requests[kind] += 1

    def spend(self) -> bool:
        """Spend one API call; False (and nothing spent) when the allocation is used up."""
        with self._lock:
            hour = self._hour()
            if self._used(hour) >= self.daily_limit:
                return False
            self._buckets[hour] += 1
            return True

    def used(self) -> int:
        with self._lock:
            return self._used(self._hour())

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        with self._lock:
            return f"api-usage={self._used(self._hour())}/{self.daily_limit}"

    def set_limit(self, daily_limit: int) -> None:
        with self._lock:
            self.daily_limit = int(daily_limit)

    def set_used(self, used: int) -> None:
        """Pretend ``used`` calls were made in the current hour (and none before)."""
        with self._lock:
            self._buckets.clear()
            if used:
                self._buckets[self._hour()] = int(used)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._requests.clear()

    def snapshot(self) -> dict:
        with self._lock:
            used = self._used(self._hour())
            return {
                "api_calls_used": used,
                "daily_limit": self.daily_limit,
                "remaining": max(self.daily_limit - used, 0),
                "requests": dict(sorted(self._requests.items())),
            }
