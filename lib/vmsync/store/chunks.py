"""Long Id lists cut into ``IN (...)`` lists that every database takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import BindParameter, Connection, Row, bindparam

CHUNK = 900  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
_VALUES = "in_values"


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def in_values() -> BindParameter:
    """The list a statement run by ``run_in`` takes, as in ``column.in_(in_values())``."""
    return bindparam(_VALUES, expanding=True)


def run_in(conn: Connection, statement, values: Sequence) -> Iterator[Row]:
    """Run ``statement`` (holding ``in_values()``) once per chunk of ``values``; the rows of each, when it
    returns rows (iterate it to the end either way).

    The statement is built once, not with each chunk's values in it: SQLAlchemy would look at those one by one.
    """
    for part in chunks(values):
        result = conn.execute(statement, {_VALUES: list(part)})
        if result.returns_rows:
            yield from result
