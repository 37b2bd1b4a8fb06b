"""A Pathful session report (docs/pathful.md#session-report) that fits a sandbox org, as ``.xlsx`` or ``.csv``.

Its educators are the org's teachers and its presenters the org's volunteers, with the schools, districts and
organizations the org has, written the way Pathful writes them: names in other cases, with titles, accents or
spacing that only match after normalisation, schools without their trailing "School", districts by their
Pathful-style names and aliases. Some people, schools, districts and companies are in no org at all. It has every
kind of odd row docs/pathful.md#odd-rows lists: other partners, students and parents, blank rows, undated drafts
and undated requests, duplicated rows, ids written as ``12345.0``, ``n/a`` counts, a one-word name, an unknown
role, dates as workbook dates and as text in two formats, and one presenter known only by a Pathful user id.

Everything is decided by the org and the seed. ``build_report`` also says what an import should make of each
person (``expected``), so tests need not work it out again::

    report = write_report(store_path, "session-report.xlsx", seed=1)
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .generate import pools
from .generate.timeline import GENERATED_UNTIL

COLUMNS = ("Session ID", "Title", "Date", "Status", "Duration", "User Auth Id", "SignUp Role", "Name",
           "School", "District or Company", "Partner", "State", "Registered Student Count",
           "Attended Student Count", "Registered Educator Count", "Attended Educator Count", "Career Cluster",
           "Work Based Learning", "Series or Event Title")
ZONE = ZoneInfo("America/Chicago")
PARTNER = "PREP-KC"
FIRST_SESSION_ID = 210_000
CLUSTERS = ("Information Technology", "Health Science", "Architecture & Construction", "Finance",
            "Manufacturing", "Law, Public Safety & Security", "Arts, A/V Technology & Communications")
# People, schools, districts and companies that no generated org has.
STRANGERS = (("Zephyrine", "Okonkwo"), ("Thaddeus", "Vanterpool"), ("Anouk", "Brightwater"),
             ("Leopold", "Quasimodo"), ("Marisol", "Etxeberria"), ("Caspian", "Wolfenden"))
UNKNOWN_SCHOOLS = ("Riverbend Charter Academy", "Lakeside STEM Magnet School")
UNKNOWN_DISTRICTS = ("Lakeside Unified School District", "Prairie Hills USD 999")
UNKNOWN_COMPANIES = ("Next Level, Inc.", "Brightwater Analytics LLC")
TITLES = ("Ms.", "Mr.", "Dr.", "Mrs.")
ACCENTS = {"e": "é", "a": "á", "i": "í", "o": "ó", "u": "ú"}


@dataclass
class Person:
    """Who the report names, and what an import should link the name to (None: nothing in the org)."""

    session_id: str
    role: str                      # educator | professional
    name: str                      # as written in the report
    contact_id: str | None         # the Salesforce Contact it means
    school_id: str | None = None   # educators: the school Account its School cell resolves to
    organization_id: str | None = None  # presenters: the organization Account of its company


@dataclass
class PlannedSession:
    session_id: str
    title: str
    start: datetime | None         # aware UTC; None for an undated session (no event comes of it)
    status: str
    school_id: str | None = None   # the event's school: the first School named, when it resolves
    district_id: str | None = None  # the district the first District or Company named resolves to


@dataclass
class GeneratedReport:
    rows: list[list[object]] = field(default_factory=list)   # the header first; [] is a blank row
    sessions: dict[str, PlannedSession] = field(default_factory=dict)
    expected: list[Person] = field(default_factory=list)

    def write(self, dest: str | Path) -> Path:
        """Write the report as ``.xlsx`` or ``.csv`` (by ``dest``'s suffix)."""
        dest = Path(dest)
        suffix = dest.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ValueError(f"write the report as .xlsx or .csv, not {dest.name}")
        dest.write_bytes(self.to_bytes(suffix[1:]))
        return dest

    def to_bytes(self, fmt: str) -> bytes:
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            for row in self.rows:
                writer.writerow([_csv_cell(v, i) for i, v in enumerate(row)])
            return out.getvalue().encode("utf-8")
        if fmt == "xlsx":
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            sheet.title = "Session Report"
            for number, row in enumerate(self.rows, start=1):
                for column, value in enumerate(row, start=1):
                    if value is not None:
                        sheet.cell(row=number, column=column, value=value)
            book.properties.creator = "Pathful"
            book.properties.created = book.properties.modified = GENERATED_UNTIL.replace(tzinfo=None)
            out = io.BytesIO()
            book.save(out)
            return out.getvalue()
        raise ValueError(f"format must be csv or xlsx, not {fmt!r}")


def _csv_cell(value: object, column: int) -> str:
    """Text as a CSV export writes it: dates in two styles (alternating by session), numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S") if value.day % 2 else value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# --- what the org holds ----------------------------------------------------------------------------------

def _simple(text: str | None) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in (text or "").lower()).split())


@dataclass
class _Org:
    teachers: list[dict]
    volunteers: list[dict]
    school_names: dict[str, int]        # simple name (and without "school") -> how many schools have it
    organization_names: dict[str, int]


TEACHERS = """
SELECT c."Id", c."FirstName", c."LastName", c."Connector_User_ID__c" AS user_id,
       s."Id" AS school_id, s."Name" AS school, d."Id" AS district_id, d."Name" AS district
FROM "Contact" c
LEFT JOIN "Account" s ON s."Id" = c."npsp__Primary_Affiliation__c" AND s."Type" = 'School'
                     AND s."IsDeleted" = 0
LEFT JOIN "Account" d ON d."Id" = s."ParentId" AND d."IsDeleted" = 0
WHERE c."Contact_Type__c" = 'Teacher' AND c."IsDeleted" = 0
ORDER BY c."Id"
"""
VOLUNTEERS = """
SELECT c."Id", c."FirstName", c."LastName", c."Connector_User_ID__c" AS user_id,
       o."Id" AS org_id, o."Name" AS org
FROM "Contact" c
LEFT JOIN "Account" o ON o."Id" = c."npsp__Primary_Affiliation__c" AND o."IsDeleted" = 0
                     AND o."Type" IS NOT 'School' AND o."Type" IS NOT 'School District'
WHERE (c."Contact_Type__c" = 'Volunteer' OR c."Contact_Type__c" IS NULL) AND c."IsDeleted" = 0
ORDER BY c."Id"
"""
SCHOOLS = """SELECT "Name" FROM "Account" WHERE "Type" = 'School' AND "IsDeleted" = 0"""
ORGANIZATIONS = """
SELECT "Name" FROM "Account"
WHERE "IsDeleted" = 0 AND ("Type" IS NULL OR "Type" NOT IN ('School', 'School District', 'Household'))
"""


def _read_org(path: Path) -> _Org:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        teachers = [dict(r) for r in conn.execute(TEACHERS)]
        volunteers = [dict(r) for r in conn.execute(VOLUNTEERS)]
        schools: dict[str, int] = {}
        for (name,) in conn.execute(SCHOOLS):
            for key in _school_keys(name):
                schools[key] = schools.get(key, 0) + 1
        organizations: dict[str, int] = {}
        for (name,) in conn.execute(ORGANIZATIONS):
            organizations[_simple(name)] = organizations.get(_simple(name), 0) + 1
    finally:
        conn.close()
    return _Org(_unique(teachers), _unique(volunteers), schools, organizations)


def _school_keys(name: str) -> set[str]:
    key = _simple(name)
    return {key, key.removesuffix(" school")}


def _unique(people: list[dict]) -> list[dict]:
    """The people whose name no other person of their kind shares: a report can name them unambiguously."""
    keys: dict[str, int] = {}
    for p in people:
        keys[_simple(f"{p['FirstName'] or ''} {p['LastName']}")] = keys.get(
            _simple(f"{p['FirstName'] or ''} {p['LastName']}"), 0) + 1
    return [p for p in people if keys[_simple(f"{p['FirstName'] or ''} {p['LastName']}")] == 1]


# --- the report --------------------------------------------------------------------------------------------

class _Builder:
    def __init__(self, org: _Org, seed: int):
        self.org, self.rng = org, random.Random(f"pathful-report:{seed}")
        self.report = GeneratedReport(rows=[list(COLUMNS)])
        self.next_id = FIRST_SESSION_ID
        self.user_ids: dict[str, str] = {}
        stranger_keys = {_simple(f"{f} {la}") for f, la in STRANGERS}
        taken = {_simple(f"{p['FirstName'] or ''} {p['LastName']}") for p in org.teachers + org.volunteers}
        self.strangers = [s for s in STRANGERS if _simple(" ".join(s)) in stranger_keys - taken]

    def session_id(self) -> str:
        self.next_id += self.rng.randint(1, 9)
        return str(self.next_id)

    def user_id(self, person: dict) -> str:
        if person["Id"] not in self.user_ids:
            self.user_ids[person["Id"]] = person["user_id"] or str(self.rng.randint(1_000_000, 9_999_999))
        return self.user_ids[person["Id"]]

    # names -----------------------------------------------------------------------------------------------

    def written_name(self, person: dict) -> str:
        """The person's name as a Pathful user typed it: usually plain, often only equal once normalised."""
        first, last = person["FirstName"], person["LastName"]
        if not first:
            return last
        shape = self.rng.random()
        if shape < 0.5:
            return f"{first} {last}"
        if shape < 0.6:
            return f"{first} {last}".upper()
        if shape < 0.7:
            return f"{self.rng.choice(TITLES)} {first} {last}"
        if shape < 0.8:
            return f"  {first.lower()}   {last.lower()} "
        if shape < 0.9 and any(c in ACCENTS for c in first):
            c = next(c for c in first if c in ACCENTS)
            return f"{first.replace(c, ACCENTS[c], 1)} {last}"
        return f"{first} {last.replace('-', ' ').replace(chr(39), '')}"

    def school_cell(self, teacher: dict) -> tuple[str | None, str | None]:
        """(School as written, the school Account it resolves to)."""
        name = teacher["school"]
        shape = self.rng.random()
        if shape < 0.08:
            return PARTNER, None
        if shape < 0.14:
            return self.rng.choice(UNKNOWN_SCHOOLS), None
        if shape < 0.2 or not name or any(self.org.school_names.get(k, 0) > 1 for k in _school_keys(name)):
            return None, None
        if shape < 0.55:
            return name, teacher["school_id"]
        if shape < 0.8 and name.lower().endswith(" school"):
            return name[: -len(" school")], teacher["school_id"]
        return name.upper(), teacher["school_id"]

    def district_cell(self, teacher: dict) -> tuple[str | None, str | None]:
        """(District or Company as written, the district Account it resolves to)."""
        name = teacher["district"]
        known = next((d for d in pools.DISTRICTS if d.name == name), None)
        shape = self.rng.random()
        if shape < 0.08 or known is None:
            return (self.rng.choice(UNKNOWN_DISTRICTS), None) if shape < 0.04 else (None, None)
        if known.alias and " " not in known.alias and shape < 0.4:   # Pathful writes acronyms so
            return f"{known.city}, {known.state} ({known.alias}) Public Schools", teacher["district_id"]
        if known.long_name and shape < 0.6:
            return known.long_name, teacher["district_id"]
        return name.title(), teacher["district_id"]

    def company_cell(self, volunteer: dict) -> tuple[str | None, str | None]:
        org = volunteer["org"]
        shape = self.rng.random()
        if shape < 0.12:
            return self.rng.choice(UNKNOWN_COMPANIES), None
        if org is None or self.org.organization_names.get(_simple(org), 0) != 1:
            return None, None
        return (org if shape < 0.7 else f" {org.upper()} "), volunteer["org_id"]

    # sessions --------------------------------------------------------------------------------------------

    def start(self) -> datetime:
        """A weekday school-hours start (local time), from 14 months before the org's end to 6 weeks after."""
        anchor = GENERATED_UNTIL
        for _attempt in range(50):
            day = anchor + timedelta(days=self.rng.randint(-420, 40))
            hour, minute = 8 + self.rng.randint(0, 6), self.rng.choice((0, 30))
            local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)
            if local.weekday() < 5 and local.month not in (6, 7):
                return local.astimezone(UTC)
        return local.astimezone(UTC)

    def status(self, start: datetime) -> str:
        if start >= GENERATED_UNTIL:
            return self.rng.choice(("Published", "Published", "Confirmed", "Requested"))
        return self.rng.choices(("Completed", "Cancelled", "Teacher No-Show", "Draft", "completed"),
                                (80, 6, 3, 7, 4))[0]

    def add_row(self, sid: str, title: str, start: datetime | None, status: str, duration, role: str,
                name: str, user_id=None, school=None, district=None, counts=(None, None, None, None),
                cluster=None, partner: str = PARTNER) -> None:
        """A row in the report's column order; the date as the local wall clock a workbook shows."""
        local = start.astimezone(ZONE).replace(tzinfo=None) if start else None
        reg_s, att_s, reg_e, att_e = counts
        self.report.rows.append([int(sid) if sid.isdigit() else sid, title, local, status, duration, user_id,
                                 role, name, school, district, partner, "MO", reg_s, att_s, reg_e, att_e,
                                 cluster, None, None])

    def session(self, educators: list[dict], presenters: list[dict], *, start: datetime | None = None,
                status: str | None = None, dated: bool = True) -> PlannedSession:
        sid = self.session_id()
        title = self.rng.choice(pools.SESSION_TOPICS)
        start = (start or self.start()) if dated else None
        status = status or self.status(start or GENERATED_UNTIL)
        duration = self.rng.choice((30, 45, 60, 60, 90, None))
        cluster = self.rng.choice(CLUSTERS)
        held = status.lower() == "completed"
        registered = self.rng.randint(10, 35)
        planned = PlannedSession(sid, title, start, status)
        school_given = district_given = False
        for teacher in educators:
            school, school_id = self.school_cell(teacher)
            district, district_id = self.district_cell(teacher)
            if not school_given and school and school != PARTNER:   # the event's school: the first one named
                school_given, planned.school_id = True, school_id
            if not district_given and district:
                district_given, planned.district_id = True, district_id
            attended = (1 if self.rng.random() < 0.85 else 0) if held else self.rng.choice((None, "n/a"))
            name = self.written_name(teacher)
            self.add_row(sid, title, start, status, duration, "Educator", name,
                         self.user_id(teacher) if self.rng.random() < 0.8 else None, school, district,
                         (registered, self.rng.randint(5, registered) if held else None, 1, attended),
                         cluster)
            self.report.expected.append(Person(sid, "educator", name, teacher["Id"], school_id=school_id))
        for volunteer in presenters:
            company, org_id = self.company_cell(volunteer)
            name = self.written_name(volunteer)
            self.add_row(sid, title, start, status, duration, "Professional", name,
                         self.user_id(volunteer) if self.rng.random() < 0.8 else None, None, company,
                         (registered, None, "n/a", "n/a"), cluster)
            self.report.expected.append(Person(sid, "professional", name, volunteer["Id"],
                                               organization_id=org_id))
        for _ in range(self.rng.randint(0, 3)):
            first, last = self.rng.choice(pools.FIRST_NAMES), self.rng.choice(pools.LAST_NAMES)
            role = "Student" if self.rng.random() < 0.9 else "Parent"
            self.add_row(sid, title, start, status, duration, role, f"{first} {last}", cluster=cluster)
        self.report.sessions[sid] = planned
        return planned

    def stranger(self, sid: str, role: str, company: str | None = None) -> None:
        """A person no org has, added to session ``sid``."""
        first, last = self.strangers[len([p for p in self.report.expected if p.contact_id is None])
                                     % len(self.strangers)]
        planned = self.report.sessions[sid]
        self.add_row(sid, planned.title, planned.start, planned.status, 60, role.title(), f"{first} {last}",
                     str(self.rng.randint(1_000_000, 9_999_999)), None, company)
        self.report.expected.append(Person(sid, role, f"{first} {last}", None))


def build_report(org: str | Path | object, seed: int = 0) -> GeneratedReport:
    """The session report of the org in ``org`` (a sandbox ``Store``, or the path of its SQLite file)."""
    path = Path(getattr(org, "path", org))
    data = _read_org(path)
    b = _Builder(data, seed)
    rng = b.rng
    teachers, volunteers = list(data.teachers), list(data.volunteers)
    rng.shuffle(teachers)
    rng.shuffle(volunteers)
    count = max(24, min(2000, len(teachers) // 2))
    for n in range(count):
        educators = [teachers[(n * 3 + k) % len(teachers)] for k in range(1 + n % 3)] if teachers else []
        presenters = [volunteers[(n * 2 + k) % len(volunteers)] for k in range(n % 3)] if volunteers else []
        b.session(educators, presenters)
    sids = list(b.report.sessions)
    _odd_rows(b, sids, teachers, volunteers)
    return b.report


def _odd_rows(b: _Builder, sids: list[str], teachers: list[dict], volunteers: list[dict]) -> None:
    """One of every odd row docs/pathful.md#odd-rows lists, in sessions already written."""
    rng, rows = b.rng, b.report.rows
    held = [s for s in sids if b.report.sessions[s].status.lower() == "completed"]
    # people no org has: two educators, a presenter, a one-word presenter
    b.stranger(held[0], "educator")
    b.stranger(held[1], "educator")
    b.stranger(held[2], "professional", company=UNKNOWN_COMPANIES[1])
    first = b.report.sessions[held[3]]
    b.add_row(held[3], first.title, first.start, first.status, 60, "Professional", "Madonna")
    b.report.expected.append(Person(held[3], "professional", "Madonna", None))
    # a presenter whose name here matches nobody, but whose Pathful user id another session matched
    known = next((p for p in b.report.expected if p.role == "professional" and p.contact_id), None)
    if known is not None:
        v = next(v for v in volunteers if v["Id"] == known.contact_id)
        initial = f"{(v['FirstName'] or 'X')[0]}. {v['LastName']}"
        target = next(s for s in held if s != known.session_id)
        planned = b.report.sessions[target]
        b.add_row(target, planned.title, planned.start, planned.status, 60, "Professional", initial,
                  b.user_id(v), None, None)
        b.report.expected.append(Person(target, "professional", initial, v["Id"]))
        for row in rows[1:]:
            if row[6] == "Professional" and row[7] == known.name and str(row[0]) == known.session_id:
                row[5] = b.user_id(v)
    # an undated draft (skipped) and an undated request (held back, waiting for a date)
    b.session(teachers[:1], [], dated=False, status="Draft")
    b.session(teachers[1:2], [], dated=False, status="Requested")
    # rows of other partners, a lower-case partner, an unknown role, a duplicated row, a float id, blank rows
    planned = b.report.sessions[held[5]]
    b.add_row(held[5], planned.title, planned.start, planned.status, 60, "Educator", "Pat Outsider",
              partner="KC STEM Alliance")
    b.add_row(b.session_id(), "Another partner's session", planned.start, "Completed", 60, "Educator",
              "Robin Elsewhere", partner="OTHER-PARTNER")
    b.add_row(held[6], b.report.sessions[held[6]].title, b.report.sessions[held[6]].start,
              b.report.sessions[held[6]].status, 60, "Observer", "Casey Watcher")
    educator_rows = [r for r in rows[1:] if r and r[6] == "Educator" and r[10] == PARTNER]
    lower = educator_rows[len(educator_rows) // 2]
    lower[10] = "prep-kc"
    rows.append(list(educator_rows[0]))
    float_row = next(r for r in educator_rows[1:] if r[2] is not None)
    float_row[0] = f"{float_row[0]}.0"
    text_date = next(r for r in educator_rows[2:] if r[2] is not None and r is not float_row)
    text_date[2] = text_date[2].strftime("%m/%d/%Y %I:%M %p")
    for position in sorted(rng.sample(range(2, len(rows)), 3), reverse=True):
        rows.insert(position, [])


def write_report(org: str | Path | object, dest: str | Path, seed: int = 0) -> GeneratedReport:
    """Build the report of ``org`` and write it to ``dest`` (``.xlsx`` or ``.csv``); returns what was
    written."""
    report = build_report(org, seed)
    report.write(dest)
    return report
