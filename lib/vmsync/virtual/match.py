"""Finding the synced teachers, volunteers, schools, districts and organizations the report names.

A ``Directory`` holds the live rows of those tables by the names they are matched on, read once per import.
Every lookup answers a ``Match``: one row found, none, or several (ambiguous, never guessed). Where two rows
share a name, the one at the school (or with the district, organization) the row gives is taken if it is the
only one. Districts follow the names and aliases the events entity knows (``events.district_link``), also
through the short name a Pathful district string carries in parentheses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ..entities.events import district_link
from ..entities.normalize import name_key
from ..store import tables as t
from .names import acronym, company_key, company_stem, fold, person_key, school_keys

MATCHED, UNMATCHED, AMBIGUOUS = "matched", "unmatched", "ambiguous"


@dataclass(frozen=True)
class Match:
    id: int | None
    outcome: str
    candidates: int = 0

    @classmethod
    def of(cls, ids: list[int], prefer=None) -> Match:
        """One id is a match; several are narrowed by ``prefer`` (a predicate) and else ambiguous."""
        ids = sorted(set(ids))
        if not ids:
            return cls(None, UNMATCHED)
        if len(ids) > 1 and prefer is not None:
            narrowed = [i for i in ids if prefer(i)]
            if len(narrowed) == 1:
                return cls(narrowed[0], MATCHED, len(ids))
        return cls(ids[0], MATCHED, 1) if len(ids) == 1 else cls(None, AMBIGUOUS, len(ids))


class People:
    """Live teachers or volunteers by name: the full name first, then the first name with surnames that share
    whole words at an end (``Velarde`` ~ ``Velarde Duarte``, ``Jean Williams`` ~ ``Williams``; never
    ``Clay`` ~ ``Clayton``)."""

    def __init__(self, rows):
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        self.place: dict[int, int | None] = {}
        for person_id, first, last, place in rows:
            self.by_key[person_key(first, last)].append(person_id)
            if fold(first):
                self.by_first[fold(first)].append((person_id, tuple(fold(last).split())))
            self.place[person_id] = place

    def find(self, first: str, last: str, place: int | None = None) -> Match:
        prefer = (lambda i: self.place.get(i) == place) if place is not None else None
        exact = self.by_key.get(person_key(first, last), [])
        if exact or not fold(first):
            return Match.of(exact, prefer)
        words = tuple(fold(last).split())
        near = [i for i, theirs in self.by_first.get(fold(first), []) if _share_end(words, theirs)]
        return Match.of(near, prefer)


def _share_end(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One word list is the other's beginning or end."""
    if not a or not b:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return long_[: len(short)] == short or long_[-len(short):] == short


class Schools:
    """Live schools by their name and connector name, folded, with and without a trailing ``School``."""

    def __init__(self, rows):
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.district: dict[int, int | None] = {}
        self.salesforce_id: dict[int, str] = {}
        for school_id, salesforce_id, name, normalized, district_id in rows:
            for key in dict.fromkeys(school_keys(name) + school_keys(normalized)):
                self.by_key[key].append(school_id)
            self.district[school_id] = district_id
            self.salesforce_id[school_id] = salesforce_id

    def find(self, name: str | None, district: int | None = None) -> Match:
        if not name or fold(name) == "prep kc":
            return Match(None, UNMATCHED)
        prefer = (lambda i: self.district.get(i) == district) if district is not None else None
        for key in school_keys(name):
            if key in self.by_key:
                return Match.of(self.by_key[key], prefer)
        return Match(None, UNMATCHED)


class Districts:
    """Live districts by ``name_key``, reached through a name, its alias group, or its acronym's group."""

    def __init__(self, rows):
        self.by_key: dict[str, list[int]] = defaultdict(list)
        for district_id, key in rows:
            self.by_key[key].append(district_id)
        self._found: dict[str | None, Match] = {}

    def find(self, name: str | None) -> Match:
        if name not in self._found:
            self._found[name] = self._find(name)
        return self._found[name]

    def _find(self, name: str | None) -> Match:
        for candidate in (name, acronym(name)):
            if not candidate or not name_key(candidate):
                continue
            for ref in district_link(candidate, "District or Company").options:
                if ref.key in self.by_key:
                    return Match.of(self.by_key[ref.key])
        return Match(None, UNMATCHED)


class Organizations:
    """Live organizations by folded name; their names without legal suffixes only suggest, never match."""

    def __init__(self, rows):
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_stem: dict[str, str] = {}
        for org_id, name in rows:
            self.by_key[company_key(name)].append(org_id)
            self.by_stem.setdefault(company_stem(name), name)

    def find(self, name: str | None) -> Match:
        return Match.of(self.by_key.get(company_key(name), [])) if name else Match(None, UNMATCHED)

    def suggest(self, name: str | None) -> str | None:
        """A synced organization whose name differs only by a suffix such as ``Inc.``: for the issue."""
        return self.by_stem.get(company_stem(name)) if name else None


@dataclass
class Directory:
    teachers: People
    volunteers: People
    schools: Schools
    districts: Districts
    organizations: Organizations
    users: dict[str, tuple[int | None, int | None]]  # Pathful user id -> (teacher id, volunteer id)

    @classmethod
    def load(cls, conn: Connection) -> Directory:
        m = t.metadata.tables
        contact, teacher, volunteer = m["contact"], m["teacher"], m["volunteer"]
        school, district, org, user = m["school"], m["district"], m["organization"], m["pathful_user"]
        teachers = conn.execute(
            select(teacher.c.id, contact.c.first_name, contact.c.last_name, teacher.c.school_id)
            .join(contact, contact.c.id == teacher.c.contact_id)
            .where(teacher.c.deleted_at.is_(None), contact.c.deleted_at.is_(None)))
        volunteers = conn.execute(
            select(volunteer.c.id, contact.c.first_name, contact.c.last_name, volunteer.c.organization_id)
            .join(contact, contact.c.id == volunteer.c.contact_id)
            .where(volunteer.c.deleted_at.is_(None), contact.c.deleted_at.is_(None)))
        live_teachers = People(teachers)
        live_volunteers = People(volunteers)
        users = {
            uid: (tid if tid in live_teachers.place else None, vid if vid in live_volunteers.place else None)
            for uid, tid, vid in conn.execute(
                select(user.c.pathful_user_id, user.c.teacher_id, user.c.volunteer_id)
                .where(user.c.deleted_at.is_(None)))
        }
        return cls(
            teachers=live_teachers,
            volunteers=live_volunteers,
            schools=Schools(conn.execute(select(school.c.id, school.c.salesforce_id, school.c.name,
                                                school.c.normalized_name, school.c.district_id)
                                         .where(school.c.deleted_at.is_(None)))),
            districts=Districts(conn.execute(select(district.c.id, district.c.name_key)
                                             .where(district.c.deleted_at.is_(None)))),
            organizations=Organizations(conn.execute(select(org.c.id, org.c.name)
                                                     .where(org.c.deleted_at.is_(None)))),
            users=users,
        )
