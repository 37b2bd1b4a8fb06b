"""Building SOQL safely, and reading back the shape of a query (its object and selected field paths).

Every value that ends up in a query goes through ``soql_quote``: strings are escaped as Salesforce's
quoted-string rules require (docs/salesforce.md#quoting), date-times are written in UTC with milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}
_SELECT_RE = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>[A-Za-z][A-Za-z0-9_]*)\b",
                        re.IGNORECASE | re.DOTALL)
_PATH_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$")
_COUNT_RE = re.compile(r"^COUNT\(\s*\)$", re.IGNORECASE)


def soql_datetime(dt: datetime) -> str:
    """An aware datetime as a SOQL date-time literal in UTC, e.g. ``2024-01-01T00:00:00.000Z``."""
    if dt.tzinfo is None:
        raise ValueError(f"a naive datetime is ambiguous in SOQL; give it a timezone: {dt!r}")
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def soql_quote(value: object) -> str:
    """``value`` as a SOQL literal: quoted and escaped text, ``null``, ``true``/``false``, numbers, dates,
    date-times, and ``(a, b, ...)`` for a list, tuple or set (for ``IN``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + "".join(_ESCAPES.get(ch, ch) for ch in value) + "'"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} has no SOQL literal")
        return repr(value)
    if isinstance(value, datetime):
        return soql_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        if not items:
            raise ValueError("an empty IN list is not valid SOQL")
        return "(" + ", ".join(soql_quote(v) for v in items) + ")"
    raise TypeError(f"no SOQL literal for {type(value).__name__}")


@dataclass(frozen=True)
class SelectShape:
    """What a SELECT returns: its object and its field paths as written (``Id``, ``Account.Name``)."""

    object_name: str
    paths: tuple[str, ...]


def select_shape(soql: str) -> SelectShape:
    """The object and field paths of a plain ``SELECT a, b.c FROM X ...`` (no functions, no subqueries)."""
    m = _SELECT_RE.match(soql)
    if not m:
        raise ValueError(f"not a SELECT ... FROM query: {soql[:80]!r}")
    paths = tuple(p.strip() for p in m["fields"].split(","))
    bad = [p for p in paths if not _PATH_RE.match(p)]
    if bad:
        raise ValueError(f"only plain field paths can be streamed, not {', '.join(bad)}")
    return SelectShape(m["object"], paths)


def is_count_query(soql: str) -> bool:
    """True for ``SELECT COUNT() FROM ...``, which answers with ``totalSize`` and no records."""
    m = _SELECT_RE.match(soql)
    return bool(m and _COUNT_RE.match(m["fields"].strip()))

