"""The loader: batched ``INSERT ... ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL.

Rows are written with executemany in batches inside the caller's transaction, never one ORM object at a time.
An update only happens when a value really differs, so re-loading unchanged rows rewrites nothing and costs
less than loading new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table, or_
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 2000
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
) -> None:
    """Insert ``rows`` into ``table``, updating the existing row with the same ``key`` where a value changed.

    Every row must have the same keys. ``keep`` columns are never overwritten on update; changes to
    ``ignore_in_compare`` columns alone do not count as a change (they are bookkeeping). With ``update=False``
    existing rows are left as they are (insert-if-missing).
    """
    if not rows:
        return
    insert = _INSERTS[conn.dialect.name](table)
    columns = [c for c in rows[0] if c not in key and c not in set(keep)]
    ignored = set(ignore_in_compare)
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
    for start in range(0, len(rows), BATCH):
        conn.execute(statement, list(rows[start:start + BATCH]))
