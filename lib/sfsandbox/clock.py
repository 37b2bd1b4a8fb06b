"""The sandbox org's clock: real time by default, frozen or moved on demand through the control API.

Every system timestamp the store writes comes from here, so a test can freeze time (every write then
shares one ``SystemModstamp``), step it forward, or let it run again from wherever it was left.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def _to_millis(dt: datetime) -> datetime:
    """``dt`` as aware UTC, truncated to the millisecond (Salesforce's precision)."""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def _real_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Thread-safe sandbox time. Running: real time plus an offset. Frozen: a fixed instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    def _now_locked(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return _to_millis(_real_now() + self._offset)

    def now(self) -> datetime:
        """The current sandbox time, aware UTC, millisecond precision."""
        with self._lock:
            return self._now_locked()

    def freeze(self, at: datetime | None = None) -> None:
        """Stop time at ``at`` (naive is taken as UTC), or at the current sandbox time."""
        with self._lock:
            self._frozen_at = self._now_locked() if at is None else _to_millis(at)

    def advance(self, seconds: float) -> None:
        """Move time by ``seconds`` (negative moves it back), whether frozen or running."""
        step = timedelta(seconds=seconds)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = _to_millis(self._frozen_at + step)
            else:
                self._offset += step

    def run(self) -> None:
        """Let time run again, continuing from the current sandbox time."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - _real_now()
                self._frozen_at = None

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def state(self) -> dict:
        """What the control API reports: whether time is frozen and the current sandbox time."""
        with self._lock:
            frozen, now = self._frozen_at is not None, self._now_locked()
        return {"frozen": frozen, "now": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
