"""Reading one cell: text, ids, counts and date-times, whether a workbook or a CSV holds it.

The existing importer's defects this avoids (docs/pathful.md#defects): an id is always text, never ``12345.0``; a
blank cell is None, never the text ``"nan"``; a date-time without a zone is the organisation's wall clock, turned
into UTC. A value that cannot be read raises ``CellError`` with what was wrong; the caller says where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from .source import where

BLANK = frozenset({"", "nan", "nat", "none", "null"})  # what pandas and spreadsheets write for nothing
NOT_GIVEN = BLANK | {"n/a", "na", "-"}                   # what the report writes for a count it does not have
_WHOLE_FLOAT = re.compile(r"^([+-]?\d+)\.0*$")
_WHOLE = re.compile(r"^([+-]?\d+)(?:\.0*)?$")
_US_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
               "%m/%d/%y %H:%M", "%m/%d/%y")


class CellError(ValueError):
    """A cell whose value cannot be read as what its column holds."""


def reader(name: str, number: int, row: dict[str, object], problems: list[str]) -> Callable:
    """``read(column, parse, *args)`` for one row: the parsed cell, or None and a problem naming its cell."""

    def read(column: str, parse: Callable, *args):
        try:
            return parse(row.get(column), *args)
        except CellError as exc:
            problems.append(f"{where(name, number, column)}: {exc}")
            return None

    return read


def text(cell: object) -> str | None:
    """The cell as stripped text; None when blank. Whole numbers lose the ``.0`` a spreadsheet gives them."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell != cell:  # NaN
            return None
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    s = str(cell).strip()
    return None if s.lower() in BLANK else s


def identifier(cell: object) -> str | None:
    """An id as text: ``12345``, ``12345.0`` and the number 12345 are all ``"12345"``; leading zeros kept."""
    s = text(cell)
    if s is None:
        return None
    m = _WHOLE_FLOAT.match(s)
    return m.group(1) if m else s


def whole(cell: object) -> int | None:
    """A count: a whole number that is not negative; blank or ``n/a`` is None."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise CellError(f"{cell!r} is not a number")
    if isinstance(cell, float):
        if cell != cell:  # NaN
            return None
        if not cell.is_integer():
            raise CellError(f"{cell:g} is not a whole number")
        n = int(cell)
    elif isinstance(cell, int):
        n = cell
    else:
        s = str(cell).strip()
        if s.lower() in NOT_GIVEN:
            return None
        m = _WHOLE.match(s)
        if not m:
            raise CellError(f"{s!r} is not a whole number")
        n = int(m.group(1))
    if n < 0:
        raise CellError(f"{n} is negative")
    return n


def moment(cell: object, zone: ZoneInfo) -> datetime | None:
    """An aware UTC date-time; one without a zone is wall-clock time in ``zone``; a bare date is midnight."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        value = cell
    elif isinstance(cell, date):
        value = datetime.combine(cell, time())
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        raise CellError(f"{cell!r} is a number, not a date")
    else:
        s = str(cell).strip()
        if s.lower() in BLANK:
            return None
        value = _parse(s)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def day(cell: object) -> date | None:
    """A calendar date as the sheet writes it (no zone involved)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date) or cell is None:
        return cell
    s = str(cell).strip()
    if s.lower() in BLANK:
        return None
    return _parse(s).date()


def _parse(s: str) -> datetime:
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _US_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise CellError(f"{s!r} is not a date (write 2026-01-15 10:00 or 01/15/2026 10:00 AM)")
