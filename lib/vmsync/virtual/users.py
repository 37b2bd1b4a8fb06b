"""The Pathful User Report (docs/pathful.md#user-report): Pathful user ids onto teachers and volunteers.

Each educator or professional becomes a ``pathful_user`` row linked, when one matches, to a synced teacher
(educators) or volunteer (professionals): first by email (the report has login and notification emails, the
session report none), else by name. Session rows with that ``User Auth Id`` then find their person even when
their name is spelled another way. Blank cells are NULL here too (the VMS stored ``"nan"``), the role is
matched whatever its case, and a user id given to two different people refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from ..entities.normalize import email as clean_email
from ..entities.spec import Reject
from ..store import tables as t
from ..store.upsert import upsert
from ..sync import PageCounts
from . import cells
from .columns import USER_REPORT, locate
from .match import MATCHED, Directory
from .names import fold, parse_name
from .source import Sheet, SourceError, where

OBJECT = "PathfulUserReport"
ROLES = ("educator", "professional")


@dataclass
class UserReport:
    name: str
    users: dict[str, dict] = field(default_factory=dict)  # Pathful user id -> pathful_user row (links apart)
    rows: int = 0
    skipped: int = 0

    def write(self, conn: Connection, run_id: str, now: datetime) -> PageCounts:
        """Upsert the users with their teacher or volunteer; returns new / updated / unchanged."""
        directory = Directory.load(conn)
        by_email = _people_by_email(conn)
        table = t.metadata.tables["pathful_user"]
        known = set(conn.execute(select(table.c.pathful_user_id)).scalars())
        rows = []
        for uid, user in self.users.items():
            first, last = parse_name(user["name"])
            teacher = volunteer = None
            emails = [e for e in (user["login_email"], user["notification_email"]) if e]
            if user["role"] == "educator":
                teacher = _by_email(emails, by_email, 0)
                if teacher is None:
                    match = directory.teachers.find(first, last)
                    teacher = match.id if match.outcome == MATCHED else None
            else:
                volunteer = _by_email(emails, by_email, 1)
                if volunteer is None:
                    match = directory.volunteers.find(first, last)
                    volunteer = match.id if match.outcome == MATCHED else None
            rows.append(user | {"salesforce_id": f"pathful-user:{uid}", "teacher_id": teacher,
                                "volunteer_id": volunteer, "created_at": now, "updated_at": now,
                                "deleted_at": None, "run_id": run_id})
        upsert(conn, table, rows)
        changed = set(conn.execute(select(table.c.pathful_user_id).where(
            table.c.run_id == run_id, table.c.updated_at == now)).scalars())
        new = len(set(self.users) - known)
        return PageCounts(extracted=self.rows, new=new, updated=len(changed) - new,
                          unchanged=len(self.users) - len(changed), rejected=self.skipped)


def _people_by_email(conn: Connection) -> dict[str, tuple[set[int], set[int]]]:
    """Live emails -> (teacher ids, volunteer ids) of the live contacts that have them."""
    m = t.metadata.tables
    email, teacher, volunteer = m["email"], m["teacher"], m["volunteer"]
    out: dict[str, tuple[set[int], set[int]]] = {}
    for slot, part in ((0, teacher), (1, volunteer)):
        q = (select(email.c.email, part.c.id).join(part, part.c.contact_id == email.c.contact_id)
             .where(email.c.deleted_at.is_(None), part.c.deleted_at.is_(None)))
        for address, person_id in conn.execute(q):
            out.setdefault(address, (set(), set()))[slot].add(person_id)
    return out


def _by_email(emails: list[str], by_email: dict, slot: int) -> int | None:
    """The one person of the kind in ``slot`` that has one of these emails (first email first)."""
    for address in emails:
        ids = by_email.get(address, (set(), set()))[slot]
        if len(ids) == 1:
            return next(iter(ids))
    return None


def read_users(sheet: Sheet, zone: ZoneInfo) -> UserReport:
    """The educators and professionals of a User Report; other roles and rows without an id are skipped."""
    table = locate(sheet, USER_REPORT)
    out = UserReport(table.name)
    problems: list[str] = []
    first_row: dict[str, int] = {}
    for number, raw in table.rows():
        out.rows += 1
        read = cells.reader(table.name, number, raw, problems)
        uid, role = cells.identifier(raw.get("UserAuthId")), fold(cells.text(raw.get("SignUpRole")))
        if uid is None or role not in ROLES:
            out.skipped += 1
            continue
        user = {
            "pathful_user_id": uid, "role": role, "name": cells.text(raw.get("Name")),
            "login_email": _email(raw.get("LoginEmail")),
            "notification_email": _email(raw.get("NotificationEmail")),
            "school": cells.text(raw.get("School")),
            "district_or_company": cells.text(raw.get("District or Company")),
            "job_title": cells.text(raw.get("JobTitle")), "join_date": read("JoinDate", cells.day),
            "last_login_at": read("LastLoginDate", cells.moment, zone),
            "last_session_date": read("LastSessionDate", cells.day),
            "login_count": read("LoginCount", cells.whole),
        }
        if uid in out.users and out.users[uid] != user:
            problems.append(f"{where(table.name, number, 'UserAuthId')}: user {uid} is also on row "
                            f"{first_row[uid]}, with other values; keep one row per user")
            continue
        out.users.setdefault(uid, user)
        first_row.setdefault(uid, number)
    if problems:
        raise SourceError(problems)
    return out


def _email(cell: object) -> str | None:
    """An email trimmed and lower-cased; what is not an address is left out."""
    try:
        return clean_email(cells.text(cell))
    except Reject:
        return None
