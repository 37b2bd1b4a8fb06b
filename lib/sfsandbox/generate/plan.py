"""The org being generated: planned rows per kind of record, then Ids in creation order, then the file.

A planned row is a dict of store-shaped field values with three liberties the writer resolves: a lookup may
hold the parent's row dict (its Id is known only once the parent table is sorted), ``CreatedDate`` and
``LastModifiedDate`` are integer milliseconds, and keys starting with ``_`` carry planning facts for
children (a school's grades, a session's start) that are not fields.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..schema import sobject
from ..store import allocate_ids, insert_rows
from .presets import Preset
from .timeline import END_MS, datetime_text


@dataclass
class Plan:
    preset: Preset
    seed: int
    districts: list[dict] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    classes: list[dict] = field(default_factory=list)
    volunteers: list[dict] = field(default_factory=list)
    teachers: list[dict] = field(default_factory=list)
    students: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    leads: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)

    def rng(self, part: str) -> random.Random:
        """An independent random stream per part, so one part's draws never shift another's."""
        return random.Random(f"{self.preset.name}:{self.seed}:{part}")


def assign_ids(conn: sqlite3.Connection, object_name: str, rows: list[dict], autonumber: str | None = None) -> None:
    """Sort ``rows`` into creation order and give them the object's next Ids (and auto-number Names)."""
    rows.sort(key=lambda row: row["CreatedDate"])
    for n, (row, rid) in enumerate(zip(rows, allocate_ids(conn, sobject(object_name), len(rows)), strict=True), 1):
        row["Id"] = rid
        if autonumber:
            row["Name"] = autonumber.format(n)


def write(conn: sqlite3.Connection, object_name: str, rows: list[dict], user_id: str) -> None:
    """Insert planned rows that already have Ids, resolving row-dict lookups and integer timestamps."""
    obj = sobject(object_name)
    lookups = [f.name for f in obj.fields if f.type == "reference"]

    def prepared() -> Iterator[dict]:
        for row in rows:
            out = {k: v for k, v in row.items() if k[0] != "_"}
            for name in lookups:
                value = out.get(name)
                if type(value) is dict:
                    out[name] = value["Id"]
            out["CreatedDate"] = datetime_text(row["CreatedDate"])
            out["LastModifiedDate"] = out["SystemModstamp"] = datetime_text(row["LastModifiedDate"])
            yield out

    insert_rows(conn, obj, prepared(), now=datetime_text(END_MS), user_id=user_id)
