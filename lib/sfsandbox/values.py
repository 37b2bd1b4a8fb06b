"""Field values in their three shapes: as the API speaks them, as the store keeps them, as Bulk CSV writes them.

The store keeps the conventions of ``schema``: text blank-as-NULL, booleans 0/1, dates ``YYYY-MM-DD``,
date-times ``YYYY-MM-DDTHH:MM:SS.fffZ`` in UTC. REST answers date-times as ``2024-01-31T12:00:00.000+0000``;
Bulk 2.0 CSV as ``2024-01-31T12:00:00.000Z`` with null as an empty quoted value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from .schema import NUMBER_TYPES, Field

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class FieldValueError(ValueError):
    """A value that does not fit its field; carries the Salesforce error code to answer with."""

    def __init__(self, field: str, message: str, error_code: str = "INVALID_TYPE_ON_FIELD_IN_RECORD"):
        super().__init__(message)
        self.field = field
        self.error_code = error_code


def parse_datetime(text: str) -> datetime:
    """A Salesforce date-time (``Z``, ``+0000`` or ``+00:00``, optional fraction) as an aware UTC datetime."""
    m = _DATETIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"not a date-time: {text!r}")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=UTC)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        dt -= timedelta(minutes=offset)
    return dt


def stored_datetime(dt: datetime) -> str:
    """The store's fixed-width UTC text for ``dt`` (naive values are taken as UTC)."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def to_storage(f: Field, value: object) -> object:
    """An API (JSON) value for field ``f`` as the store keeps it; raises ``FieldValueError`` when it does not fit."""
    if value is None:
        return 0 if f.type == "boolean" else None
    t = f.type
    try:
        if t == "boolean":
            if isinstance(value, bool):
                return int(value)
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return int(value.lower() == "true")
            raise ValueError(value)
        if t in NUMBER_TYPES:
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value) if not isinstance(value, (int, float)) else value
            return int(number) if t == "int" else float(number)
        if t == "date":
            text = value.isoformat() if isinstance(value, date) else str(value)
            if not _DATE_RE.match(text):
                text = stored_datetime(parse_datetime(text))[:10]
            date.fromisoformat(text)
            return text
        if t == "datetime":
            dt = value if isinstance(value, datetime) else parse_datetime(str(value))
            return stored_datetime(dt)
    except (ValueError, TypeError) as exc:
        raise FieldValueError(f.name, f"{f.label}: value not of required type: {value}") from exc
    text = str(value)
    if len(text) > f.length and f.type not in ("id", "reference"):
        raise FieldValueError(f.name, f"{f.label}: data value too large: {text[:40]}... (max length={f.length})",
                          "STRING_TOO_LONG")
    return text if text.strip() else None


def as_text(value: object) -> object:
    """A number kept by a field that became text (a column of numbers keeps them as numbers), as text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def to_json(f: Field, stored: object) -> object:
    """A stored value as REST JSON answers it."""
    if stored is None:
        return False if f.type == "boolean" else None
    t = f.type
    if f.is_text:
        return as_text(stored)
    if t == "boolean":
        return bool(stored)
    if t in NUMBER_TYPES:
        return int(stored) if t == "int" else float(stored)
    if t == "datetime":
        return f"{stored[:23]}+0000"
    return stored


def to_csv(f: Field, stored: object) -> str:
    """A stored value as a Bulk 2.0 CSV cell (before quoting): null is empty."""
    if stored is None:
        return "false" if f.type == "boolean" else ""
    t = f.type
    if t == "boolean":
        return "true" if stored else "false"
    if t in NUMBER_TYPES:
        number = float(stored)
        return str(int(number)) if t == "int" or number.is_integer() and t != "double" else repr(number)
    return str(as_text(stored))
