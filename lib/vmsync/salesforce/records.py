"""Flat records with Python values, the same whichever API a page came from.

A record is a dict keyed by the field path as written in the SELECT (``Id``, ``Account.Name``). Values
follow the field's describe type: text is ``str`` or None (blank is None, as Bulk CSV cannot tell them
apart), booleans ``bool``, ``int`` fields ``int`` and other numbers ``float``, dates ``date``, date-times
aware ``datetime`` in UTC. A compound address read over REST stays a dict (Bulk 2.0 cannot select one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

from ..errors import IncompleteResponse

FLOAT_TYPES = frozenset({"double", "currency", "percent"})
COMPOUND_TYPES = frozenset({"address", "location"})


def parse_datetime(text: str) -> datetime:
    """A Salesforce date-time (``+0000``, ``+00:00`` or ``Z``) as an aware datetime in UTC."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"a Salesforce date-time without an offset: {text!r}")
    return dt.astimezone(UTC)


def _from_text(type_: str) -> Callable[[str], object]:
    """How a non-blank value of a field of ``type_`` is read from its text (CSV cells, JSON strings)."""
    if type_ == "boolean":
        return lambda text: {"true": True, "false": False}[text.strip().lower()]
    if type_ == "int":
        return int
    if type_ in FLOAT_TYPES:
        return float
    if type_ == "date":
        return date.fromisoformat
    if type_ == "datetime":
        return parse_datetime
    return str


@dataclass(frozen=True)
class Column:
    """One selected field path, its describe type, and how its values become Python values.

    The readers are built once per column: converting a page is the hot loop of every extract.
    """

    path: str
    type: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))

    @cached_property
    def from_json(self) -> Callable[[object], object]:
        """How a REST JSON value becomes this column's Python value."""
        if self.type in COMPOUND_TYPES:
            return lambda v: {k: x for k, x in v.items() if k != "attributes"} if isinstance(v, Mapping) else (
                None if v == "" else v)
        parse = _from_text(self.type)
        if parse is str:
            return lambda v: None if v == "" else v
        native = {"boolean": bool, "int": int}.get(self.type, float if self.type in FLOAT_TYPES else None)

        def read(value: object) -> object:
            if value is None or value == "":
                return None
            if isinstance(value, str):
                return parse(value)
            return native(value) if native else value

        return read

    @cached_property
    def from_csv(self) -> Callable[[str], object]:
        """How a Bulk 2.0 CSV cell becomes this column's Python value (an empty cell is None)."""
        parse = _from_text(self.type)
        if parse is str:
            return lambda text: text or None
        return lambda text: None if text == "" else parse(text)

    @cached_property
    def fetch(self) -> Callable[[Mapping], object]:
        """How this column's value is found in a nested REST record (keys matched without regard to case)."""
        parts = self.parts
        if len(parts) == 1:
            key = parts[0]
            return lambda record: record[key] if key in record else _get(record, key)

        def walk(record: Mapping) -> object:
            value: object = record
            for part in parts:
                value = _get(value, part) if isinstance(value, Mapping) else None
            return value

        return walk


def _get(record: Mapping, key: str) -> object:
    """``record[key]`` matched without regard to case (the API answers in the field's own case)."""
    if key in record:
        return record[key]
    lowered = key.lower()
    for k, v in record.items():
        if k.lower() == lowered:
            return v
    return None


def flat_from_json(record: Mapping, columns: list[Column]) -> dict:
    """A nested REST record as a flat record: relationship values by path, ``attributes`` dropped."""
    return {c.path: c.from_json(c.fetch(record)) for c in columns}


def flat_from_csv(rows: Iterator[list[str]], columns: list[Column]) -> list[dict]:
    """Bulk 2.0 CSV rows (header first) as flat records; header names are matched to paths ignoring case."""
    header = next(rows, None)
    if header is None:
        return []
    position = {name.lower(): i for i, name in enumerate(header)}
    missing = [c.path for c in columns if c.path.lower() not in position]
    if missing:
        raise ValueError(f"Bulk result has no column for {', '.join(missing)}; its header is {header}")
    picks = [(c, position[c.path.lower()]) for c in columns]
    records = []
    for row in rows:
        if len(row) != len(header):
            raise IncompleteResponse(f"a Bulk result row has {len(row)} cells under a header of {len(header)}")
        records.append({c.path: c.from_csv(row[i]) for c, i in picks})
    return records
