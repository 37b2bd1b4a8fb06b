"""The columns each kind of sheet has, and finding them in a sheet's header row.

Headers are matched ignoring case, spaces and punctuation (``SignUp Role``, ``Signup role`` and ``SignUpRole``
are one column), so the Session Report's and the User Report's spellings of the same name both work. The
header is the first row that is not blank; a sheet whose first row names none of the columns has no header
row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .source import Sheet, SourceError, where


def header_key(value: object) -> str:
    """A header as headers are compared: lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


@dataclass(frozen=True)
class Columns:
    """The columns of one kind of sheet: those it must have and those read when present."""

    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


SESSION_REPORT = Columns(
    "Pathful session report",
    required=("Session ID", "Title", "Date", "Status", "SignUp Role", "Name", "Partner"),
    optional=("Duration", "User Auth Id", "School", "District or Company", "Registered Student Count",
              "Attended Student Count", "Registered Educator Count", "Attended Educator Count",
              "Career Cluster", "Work Based Learning", "Series or Event Title", "State"),
)

USER_REPORT = Columns(
    "Pathful user report",
    required=("UserAuthId", "SignUpRole", "Name"),
    optional=("LoginEmail", "NotificationEmail", "School", "District or Company", "JobTitle", "JoinDate",
              "LastLoginDate", "LastSessionDate", "LoginCount"),
)

SCHOOL_LEVELS = Columns("school level sheet", required=("Id", "Level"))


@dataclass
class Table:
    """A sheet whose header was found: its rows as ``{column: cell}`` for the columns it has."""

    sheet: Sheet
    header_row: int
    positions: dict[str, int]

    @property
    def name(self) -> str:
        return self.sheet.name

    def has(self, column: str) -> bool:
        return column in self.positions

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """(row number, {column: cell}) for every row after the header; absent cells are None."""
        for number, values in self.sheet.rows:
            if number <= self.header_row:
                continue
            yield number, {c: values[i] if i < len(values) else None for c, i in self.positions.items()}


def locate(sheet: Sheet, columns: Columns) -> Table:
    """Find ``columns`` in the header row of ``sheet``; refuse a sheet without one, or missing a column."""
    if not sheet.rows:
        raise SourceError([f"{sheet.name}: the file is empty; expected a {columns.title} with a header row"])
    header_row, header = sheet.rows[0]
    known = {header_key(c): c for c in columns.required + columns.optional}
    positions: dict[str, int] = {}
    problems = []
    for i, cell in enumerate(header):
        column = known.get(header_key(cell))
        if column is None:
            continue
        if column in positions:
            problems.append(f"{where(sheet.name, header_row)}: two columns are called {column!r} "
                            f"(columns {positions[column] + 1} and {i + 1}); keep one")
        positions.setdefault(column, i)
    if not positions:
        shown = ", ".join(repr(str(c)) for c in header[:4] if c is not None)
        raise SourceError([f"{where(sheet.name, header_row)}: no header row: the first row holds {shown}, "
                           f"not the column names of a {columns.title} ({', '.join(columns.required)})"])
    missing = [c for c in columns.required if c not in positions]
    if missing:
        problems.append(f"{where(sheet.name, header_row)}: missing required column"
                        f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if problems:
        raise SourceError(problems)
    return Table(sheet, header_row, positions)
