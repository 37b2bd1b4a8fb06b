"""Reading and validating a Pathful session report into sessions and the people who took part.

Rows of other partners and student or parent rows are dropped first (docs/pathful.md#odd-rows). Every other row is
checked; a value that cannot be read (a date, a duration, a count), a session id given to two different sessions,
or a date implausibly far ahead refuses the whole file, with every problem named by row and column, so nothing is
half-written. What the file says but the database cannot use is not a reason to refuse it: a row without a session
id or a name, an undated session, an unknown role or status become issues, the rest lands.

Rows are kept as ``ReportRow`` values, which is also how they are stored (``pathful_report_row``), so a
session can be mapped again from the database alone when the people it names arrive later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..sync.issues import Found
from . import cells
from .columns import Table
from .names import fold, parse_name, person_key
from .source import SourceError, where

OBJECT = "PathfulSessionReport"  # what sync_issue.object says for issues of the session report

# The VMS's EventStatus.map_status (docs/pathful.md#statuses), by folded status; blank or unknown is REQUESTED.
STATUSES = {
    "teacher no show": "NO_SHOW", "teacher cancelation": "CANCELLED", "simulcast": "SIMULCAST",
    "successfully completed": "COMPLETED", "completed": "COMPLETED", "confirmed": "CONFIRMED",
    "cancelled": "CANCELLED", "canceled": "CANCELLED", "published": "PUBLISHED", "requested": "REQUESTED",
    "teacher requested": "REQUESTED", "draft": "DRAFT", "count": "COUNT", "technical difficulties": "NO_SHOW",
    "local professional no show": "NO_SHOW", "pathful professional no show": "NO_SHOW",
    "pathful professional cancellation": "CANCELLED", "local professional cancellation": "CANCELLED",
    "industry chat": "CONFIRMED", "no show": "NO_SHOW",
}
DEFAULT_STATUS = "REQUESTED"
PEOPLE = ("educator", "professional")
DROPPED_ROLES = ("student", "parent")
NOT_A_SCHOOL = "prep kc"           # the partner's own name, given as a school: no school
MAX_AHEAD = timedelta(days=366)   # a date further ahead than this is a typo, not a booking
HELD_SLACK = timedelta(days=1)    # a session marked held may be dated up to this far ahead (time zones)
MAX_MINUTES = 24 * 60


def status_code(status_text: str | None) -> str:
    return STATUSES.get(fold(status_text), DEFAULT_STATUS)


@dataclass
class ReportRow:
    """One row of the report as read: the values vmsync uses, typed (dates aware UTC, ids as text)."""

    number: int
    session_id: str | None = None
    title: str | None = None
    start: datetime | None = None
    status_text: str | None = None
    role_text: str | None = None
    name: str | None = None
    duration: int | None = None
    user_id: str | None = None
    school: str | None = None
    organization: str | None = None
    registered_students: int | None = None
    attended_students: int | None = None
    attended_educators: int | None = None
    career_cluster: str | None = None

    @property
    def role(self) -> str:
        return fold(self.role_text)

    @classmethod
    def from_cells(cls, name: str, number: int, raw: dict[str, object], zone: ZoneInfo,
                   problems: list[str]) -> ReportRow:
        """The row's values; a value that cannot be read adds a problem naming its row and column."""
        read = cells.reader(name, number, raw, problems)
        row = cls(
            number=number,
            session_id=cells.identifier(raw.get("Session ID")),
            title=cells.text(raw.get("Title")),
            start=read("Date", cells.moment, zone),
            status_text=cells.text(raw.get("Status")),
            role_text=cells.text(raw.get("SignUp Role")),
            name=cells.text(raw.get("Name")),
            duration=read("Duration", cells.whole),
            user_id=cells.identifier(raw.get("User Auth Id")),
            school=cells.text(raw.get("School")),
            organization=cells.text(raw.get("District or Company")),
            registered_students=read("Registered Student Count", cells.whole),
            attended_students=read("Attended Student Count", cells.whole),
            attended_educators=read("Attended Educator Count", cells.whole),
            career_cluster=cells.text(raw.get("Career Cluster")),
        )
        read("Registered Educator Count", cells.whole)  # checked, not stored (docs/pathful.md#columns)
        if row.duration is not None and row.duration > MAX_MINUTES:
            problems.append(f"{where(name, number, 'Duration')}: {row.duration} minutes is longer than a day")
        return row

    def values(self) -> dict:
        """The row's values as JSON-ready data (what ``pathful_report_row.values`` holds)."""
        data = {name: getattr(self, name) for name in VALUE_FIELDS}
        data["start"] = self.start.isoformat() if self.start else None
        return data

    @classmethod
    def from_values(cls, number: int, data: dict) -> ReportRow:
        row = cls(number=number, **{k: v for k, v in data.items() if k in VALUE_FIELDS})
        row.start = datetime.fromisoformat(row.start) if row.start else None
        return row

    def key(self) -> str:
        """A key for the row made of what it says: identical rows share it, rows that differ do not."""
        return hashlib.sha1(json.dumps(self.values(), sort_keys=True).encode()).hexdigest()[:20]


VALUE_FIELDS = tuple(f.name for f in fields(ReportRow) if f.name != "number")


@dataclass
class Person:
    """An educator or presenter of one session, from one or more rows of the report."""

    role: str
    name: str
    key: str
    first: str
    last: str
    user_id: str | None
    school: str | None
    organization: str | None      # District or Company: an educator's district, a presenter's employer
    attended: bool = False        # educators: an Attended Educator Count of 1 or more on one of their rows
    registered_students: int | None = None
    attended_students: int | None = None
    rows: list[int] = field(default_factory=list)


@dataclass
class Session:
    session_id: str
    title: str | None = None
    start: datetime | None = None
    status_text: str | None = None
    duration: int | None = None
    career_cluster: str | None = None
    registered_students: int | None = None
    attended_students: int | None = None
    attended_educators: int | None = None
    school: str | None = None
    district: str | None = None
    rows: list[ReportRow] = field(default_factory=list)
    educators: dict[str, Person] = field(default_factory=dict)
    presenters: dict[str, Person] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # Title / Date -> the row its value came from

    @property
    def status(self) -> str:
        return status_code(self.status_text)

    @property
    def first_row(self) -> int:
        return min(r.number for r in self.rows)

    def digest(self) -> str:
        """What the report says about the session, as a digest: equal digests, nothing changed."""
        people = [(p.role, p.name, p.key, p.user_id, p.school, p.organization, p.attended,
                   p.registered_students, p.attended_students)
                  for group in (self.educators, self.presenters) for _, p in sorted(group.items())]
        data = [self.title, self.start.isoformat() if self.start else None, self.status_text, self.duration,
                self.career_cluster, self.registered_students, self.attended_students,
                self.attended_educators, self.school, self.district, people]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass
class Report:
    """What a session report holds for the database, and what was left out and why."""

    name: str
    cutoff: datetime | None
    sessions: dict[str, Session] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    rows: int = 0
    blank_rows: int = 0
    other_partner: int = 0
    student_or_parent: int = 0
    draft_undated: int = 0
    undated: int = 0
    historic: int = 0
    rejected: int = 0

    def figures(self) -> dict:
        return {"rows": self.rows, "blank_rows": self.blank_rows, "other_partner": self.other_partner,
                "student_or_parent": self.student_or_parent, "draft_undated": self.draft_undated,
                "undated": self.undated, "historic": self.historic, "rejected_rows": self.rejected,
                "sessions": len(self.sessions)}


def read_report(table: Table, *, zone: ZoneInfo, now: datetime, cutoff: datetime | None,
                partner: str = "PREP-KC") -> Report:
    """The sessions of a located session report; ``SourceError`` lists every problem that refuses the file."""
    report = Report(table.name, cutoff, blank_rows=table.sheet.blank_rows)
    problems: list[str] = []
    partner_key = fold(partner)
    rows: list[ReportRow] = []
    for number, raw in table.rows():
        report.rows += 1
        if fold(cells.text(raw.get("Partner"))) != partner_key:
            report.other_partner += 1
        elif fold(cells.text(raw.get("SignUp Role"))) in DROPPED_ROLES:
            report.student_or_parent += 1
        else:
            rows.append(ReportRow.from_cells(table.name, number, raw, zone, problems))
    sessions = group(rows, report, problems)
    _check_dates(report.name, sessions, now, problems)
    if problems:
        raise SourceError(problems)
    _keep(report, sessions)
    _note_odd_values(report, rows)
    return report


def group(rows: list[ReportRow], report: Report | None = None, problems: list[str] | None = None
          ) -> dict[str, Session]:
    """Rows gathered into sessions; rows that cannot join one are reported (when a ``report`` is given)."""
    sessions: dict[str, Session] = {}
    for row in rows:
        if row.start is None and fold(row.status_text) == "draft":
            if report:
                report.draft_undated += 1
            continue
        if row.session_id is None:
            if report:
                report.rejected += 1
                report.found.append(Found(
                    f"row:{row.key()}", "rejected", "MISSING_SESSION_ID", "Session ID",
                    f"{where(report.name, row.number, 'Session ID')}: blank, so the row "
                    f"({row.title or 'no title'}, {row.name or 'no name'}) cannot be imported"))
            continue
        session = sessions.setdefault(row.session_id, Session(row.session_id))
        session.rows.append(row)
        for column, attr in (("Title", "title"), ("Date", "start")):
            _agree(report, session, column, attr, getattr(row, attr), row.number, problems)
        for attr in ("status_text", "duration", "career_cluster"):  # the first row that says wins
            if getattr(session, attr) is None and getattr(row, attr) is not None:
                setattr(session, attr, getattr(row, attr))
        for attr, value in (("registered_students", row.registered_students),
                            ("attended_students", row.attended_students),
                            ("attended_educators", row.attended_educators)):
            if value is not None:
                setattr(session, attr, max(value, getattr(session, attr) or 0))
        _add_person(report, session, row)
    return sessions


def _agree(report: Report | None, session: Session, column: str, attr: str, value, number: int,
           problems: list[str] | None) -> None:
    """A session's title and date are the same on every row that gives one, or two sessions share an id."""
    if value is None:
        return
    current = getattr(session, attr)
    if current is None:
        setattr(session, attr, value)
        session.seen[column] = number
    elif current != value and problems is not None and report is not None:
        shown = (lambda v: v.isoformat()) if column == "Date" else repr
        problems.append(f"{where(report.name, number, column)}: Session ID {session.session_id} is used "
                        f"twice: this row says {shown(value)}, row {session.seen[column]} says "
                        f"{shown(current)}")


def _add_person(report: Report | None, session: Session, row: ReportRow) -> None:
    if row.role not in PEOPLE:
        return
    first, last = parse_name(row.name)
    key = person_key(first, last)
    if not key:
        if report:
            report.rejected += 1
            report.found.append(Found(f"row:{row.key()}", "rejected", "MISSING_NAME", "Name",
                                      f"{where(report.name, row.number, 'Name')}: blank, so this {row.role} "
                                      f"of session {session.session_id} cannot be linked"))
        return
    people = session.educators if row.role == "educator" else session.presenters
    person = people.get(key)
    if person is None:
        person = people[key] = Person(row.role, row.name, key, first, last, row.user_id, row.school,
                                      row.organization)
    person.rows.append(row.number)
    person.user_id = person.user_id or row.user_id
    person.school = person.school or row.school
    person.organization = person.organization or row.organization
    person.attended = person.attended or (row.attended_educators or 0) >= 1
    for attr in ("registered_students", "attended_students"):
        value = getattr(row, attr)
        if value is not None:
            setattr(person, attr, max(value, getattr(person, attr) or 0))
    if row.role == "educator":
        if session.school is None and row.school and fold(row.school) != NOT_A_SCHOOL:
            session.school = row.school
        session.district = session.district or row.organization


def _check_dates(name: str, sessions: dict[str, Session], now: datetime, problems: list[str]) -> None:
    for s in sessions.values():
        if s.start is None:
            continue
        row = s.seen["Date"]
        if s.start > now + MAX_AHEAD:
            problems.append(f"{where(name, row, 'Date')}: {s.start.date()} is more than a year ahead "
                            f"(session {s.session_id}); correct the date")
        elif s.status == "COMPLETED" and s.start > now + HELD_SLACK:
            problems.append(f"{where(name, row, 'Date')}: session {s.session_id} is {s.status_text!r} but "
                            f"dated {s.start.date()}, in the future; correct the date or the status")


def _keep(report: Report, sessions: dict[str, Session]) -> None:
    """Sessions with a date on or after the cutoff go to the database; undated ones wait, as issues."""
    for sid, s in sessions.items():
        if s.start is None:
            report.undated += len(s.rows)
            report.found.append(Found(
                f"session:{sid}", "warning", "NO_DATE", "Date",
                f"{where(report.name, s.first_row, 'Date')}: session {sid} ({s.title or 'no title'}, "
                f"{s.status_text or 'no status'}) has no date; its {len(s.rows)} row(s) wait until the "
                "report gives one"))
        elif s.title is None:
            report.rejected += len(s.rows)
            report.found.append(Found(f"session:{sid}", "rejected", "MISSING_TITLE", "Title",
                                      f"{where(report.name, s.first_row, 'Title')}: session {sid} has no "
                                      "title on any of its rows, so it cannot be imported"))
        elif report.cutoff is not None and s.start < report.cutoff:
            report.historic += len(s.rows)
        else:
            report.sessions[sid] = s


def _note_odd_values(report: Report, rows: list[ReportRow]) -> None:
    """One warning per unknown status and per role that is neither a person nor dropped (blank included)."""
    odd: dict[tuple[str, str], list[ReportRow]] = {}
    for row in rows:
        if row.status_text is not None and fold(row.status_text) not in STATUSES:
            odd.setdefault(("status", fold(row.status_text)), []).append(row)
        if row.role not in PEOPLE:
            odd.setdefault(("role", row.role), []).append(row)
    for (kind, key), found in odd.items():
        first = found[0]
        if kind == "status":
            report.found.append(Found(
                f"status:{key}", "warning", "UNKNOWN_STATUS", "Status",
                f"{where(report.name, first.number, 'Status')}: {first.status_text!r} is not a Pathful "
                f"status vmsync knows; stored as {DEFAULT_STATUS} ({len(found)} row(s))"))
        else:
            shown = repr(first.role_text) if first.role_text else "blank"
            report.found.append(Found(
                f"role:{key}", "warning", "UNKNOWN_ROLE", "SignUp Role",
                f"{where(report.name, first.number, 'SignUp Role')}: {shown} is not Educator, Professional, "
                f"Student or Parent; {len(found)} row(s) count for their session but link nobody"))
