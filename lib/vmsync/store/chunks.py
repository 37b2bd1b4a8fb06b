"""Long Id lists cut into ``IN (...)`` lists that every database takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

CHUNK = 900  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
