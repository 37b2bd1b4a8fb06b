"""The loader: batched ``INSERT ... ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL.

Rows are written with executemany in batches inside the caller's transaction, never one ORM object at a time.
An update only happens when a value really differs, so re-loading unchanged rows rewrites nothing and costs
less than loading new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Connection, Table, bindparam, or_
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 2000
_NOTHING = object()
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict],
    *,
    key: Sequence[str] = ("salesforce_id",),
    keep: Iterable[str] = ("id", "created_at"),
    ignore_in_compare: Iterable[str] = ("updated_at", "run_id", "synced_at"),
    update: bool = True,
) -> int:
    """Insert ``rows`` into ``table``, updating the existing row with the same ``key`` where a value changed.

    Every row must have the same keys. ``keep`` columns are never overwritten on update; changes to
    ``ignore_in_compare`` columns alone do not count as a change (they are bookkeeping). With ``update=False``
    existing rows are left as they are (insert-if-missing). Returns how many rows were inserted or changed.
    """
    if not rows:
        return 0
    sql, named, params = _statement(conn.dialect, table, tuple(rows[0]), tuple(key), frozenset(keep),
                                    frozenset(ignore_in_compare), update)
    names = [n for n, _ in params]
    written = 0
    for start in range(0, len(rows), BATCH):
        values = _bound(rows[start:start + BATCH], params)
        if named:  # psycopg
            values = [dict(zip(names, v, strict=True)) for v in values]
        written += max(conn.exec_driver_sql(sql, values).rowcount, 0)
    return written


def _bound(rows: Sequence[dict], params: tuple) -> list[tuple]:
    """Each row's values in the statement's order, through their columns' bind processors.

    A value that is the very object the row before had in that column (the run id and timestamps every row
    shares, None, True) is not processed again: a processor gives the same value for the same object.
    """
    if len(params) == 1:  # itemgetter of one name gives the value, not a tuple of it
        return [(p(r[n]) if p else r[n],) for r in rows for n, p in params]
    get = itemgetter(*(n for n, _ in params))
    processed = [(i, p) for i, (_, p) in enumerate(params) if p]
    if not processed:
        return [get(r) for r in rows]
    last_in: list = [_NOTHING] * len(processed)
    last_out: list = [None] * len(processed)
    out = []
    for row in rows:
        values = list(get(row))
        for k, (i, process) in enumerate(processed):
            value = values[i]
            if value is last_in[k]:
                values[i] = last_out[k]
            else:
                last_in[k] = value
                values[i] = last_out[k] = process(value)
        out.append(tuple(values))
    return out


@lru_cache(maxsize=512)
def _statement(dialect, table: Table, names: tuple[str, ...], key: tuple[str, ...], keep: frozenset,
               ignored: frozenset, update: bool):
    """The upsert compiled once per table and column set, with the bind processors of its parameters.

    Rows go straight to the driver's executemany: SQLAlchemy's per-row parameter handling would cost more
    than the database's own work.
    """
    insert = _INSERTS[dialect.name](table)
    columns = [c for c in names if c not in key and c not in keep]
    compared = [c for c in columns if c not in ignored]
    if update and columns:
        changed = or_(*(table.c[c].is_distinct_from(insert.excluded[c]) for c in compared)) if compared else None
        statement = insert.on_conflict_do_update(
            index_elements=list(key),
            set_={c: insert.excluded[c] for c in columns},
            where=changed,
        )
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(key))
    compiled = statement.values({n: bindparam(n) for n in names}).compile(dialect=dialect)
    order = compiled.positiontup if compiled.positional else names
    params = tuple((n, table.c[n].type._cached_bind_processor(dialect)) for n in order)
    return str(compiled), not compiled.positional, params
