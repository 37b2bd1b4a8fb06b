"""The school-level sheet (docs/pathful.md#school-levels): a school's ``Id`` and ``Level`` -> ``school.level``.

The schools step never writes ``level``, so a level set here stays until the sheet says otherwise. An Id that
is no synced school is an ``unmatched`` issue (the VMS reported "School not found with ID"), kept until the
school is synced or the sheet corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select, update

from ..store import tables as t
from ..sync import PageCounts
from ..sync.issues import Found
from . import cells
from .columns import SCHOOL_LEVELS, locate
from .source import Sheet, SourceError, where

OBJECT = "SchoolLevelSheet"


@dataclass
class LevelSheet:
    name: str
    levels: dict[str, tuple[str, int]] = field(default_factory=dict)  # school Id -> (level, row)
    rows: int = 0
    found: list[Found] = field(default_factory=list)

    def write(self, conn: Connection, run_id: str, now: datetime) -> PageCounts:
        """Set ``school.level`` where it differs; Ids of no synced school become issues."""
        school = t.metadata.tables["school"]
        live = dict(conn.execute(select(school.c.salesforce_id, school.c.id)
                                 .where(school.c.deleted_at.is_(None))).all())
        by_15 = {sf_id[:15]: school_id for sf_id, school_id in live.items()}
        counts = PageCounts(extracted=self.rows)
        for sf_id, (level, row) in self.levels.items():
            school_id = live.get(sf_id) or (by_15.get(sf_id) if len(sf_id) == 15 else None)
            if school_id is None:
                counts.orphaned += 1
                self.found.append(Found(f"level:{sf_id}", "unmatched", "SCHOOL_NOT_FOUND", "Id",
                                        f"{where(self.name, row, 'Id')}: {sf_id} is no synced school"))
                continue
            changed = conn.execute(update(school).where(school.c.id == school_id,
                                                        school.c.level.is_distinct_from(level))
                                   .values(level=level, updated_at=now, run_id=run_id)).rowcount
            counts.updated += changed
            counts.unchanged += 1 - changed
        return counts


def read_levels(sheet: Sheet) -> LevelSheet:
    """The levels of a school-level sheet; rows without an Id or a Level are skipped."""
    table = locate(sheet, SCHOOL_LEVELS)
    out = LevelSheet(table.name)
    problems = []
    for number, raw in table.rows():
        out.rows += 1
        sf_id, level = cells.identifier(raw.get("Id")), cells.text(raw.get("Level"))
        if sf_id is None or level is None:
            continue
        if sf_id in out.levels and out.levels[sf_id][0] != level:
            problems.append(f"{where(table.name, number, 'Level')}: school {sf_id} is {level!r} here but "
                            f"{out.levels[sf_id][0]!r} on row {out.levels[sf_id][1]}")
            continue
        out.levels.setdefault(sf_id, (level, number))
    if problems:
        raise SourceError(problems)
    return out
