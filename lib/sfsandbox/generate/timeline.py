"""Generated time: integer milliseconds since the epoch, inside a fixed span that ends before the sandbox's now.

A seed, never the wall clock, decides every timestamp, so the same seed gives the same bytes. Text is built
with a per-day cache because the ``vms`` org formats a few million of them.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000

START = datetime(2023, 8, 1, tzinfo=UTC)
GENERATED_UNTIL = datetime(2026, 11, 1, tzinfo=UTC)   # every generated system timestamp is before this
START_MS = int(START.timestamp() * 1000)
END_MS = int(GENERATED_UNTIL.timestamp() * 1000) - 1

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAYS: dict[int, str] = {}
_SECONDS: dict[int, str] = {}


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def date_text(t: int) -> str:
    """``YYYY-MM-DD`` of ``t`` (UTC)."""
    day = t // DAY
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
    return text


def datetime_text(t: int) -> str:
    """The store's ``YYYY-MM-DDTHH:MM:SS.fffZ`` of ``t``."""
    seconds, millis = divmod(t % DAY, 1000)
    clock = _SECONDS.get(seconds)
    if clock is None:
        hours, rest = divmod(seconds, 3600)
        clock = _SECONDS[seconds] = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{date_text(t)}T{clock}.{millis:03d}Z"


def between(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform instant in ``[lo, hi]``."""
    return lo + int(rng.random() * (hi - lo + 1)) if hi > lo else lo


def after(rng: random.Random, t: int, within: int) -> int:
    """An instant a little after ``t`` (up to ``within`` ms), never past the end of generated time."""
    return min(END_MS, t + int(rng.random() * within))


def modified(rng: random.Random, created: int, untouched: float = 0.4) -> int:
    """When a record created at ``created`` was last modified: often never, else some time later."""
    if rng.random() < untouched:
        return created
    return created + int((END_MS - created) * rng.random() ** 1.5)
