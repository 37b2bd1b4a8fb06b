"""Import modes: how far back a session report is read (docs/pathful.md#modes).

``full`` reads every row; ``semester`` rows from the start of the current semester (August 1 from August on,
else January 1); ``six_month`` the last 180 days; ``custom`` from a given date. ``incremental``, what ``vmsync
run`` asks every step for, is ``semester``. Dates are the organisation's: a semester starts at local midnight.
Undated rows are never cut off (they wait for a date).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MODES = ("full", "semester", "six_month", "custom", "incremental")


def effective(mode: str) -> str:
    """The mode a run really uses (``incremental`` is ``semester``)."""
    return "semester" if mode == "incremental" else mode


def cutoff(mode: str, now: datetime, zone: ZoneInfo, custom: date | None = None) -> datetime | None:
    """The earliest session start a mode keeps (aware UTC), or None to keep everything."""
    mode = effective(mode)
    local = now.astimezone(zone)
    if mode == "full":
        return None
    if mode == "semester":
        start = date(local.year, 8, 1) if local.month >= 8 else date(local.year, 1, 1)
    elif mode == "six_month":
        return (now - timedelta(days=180)).astimezone(UTC)
    elif mode == "custom":
        if custom is None:
            raise ValueError("mode custom needs a cutoff date")
        start = custom
    else:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
