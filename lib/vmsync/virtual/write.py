"""Writing sessions into the model, every row keyed ``pathful:<session id>...`` (never a Salesforce Id).

The tables: ``event`` (type VIRTUAL_SESSION), ``virtual_session``, ``event_district``, ``event_teacher`` and
``event_presenter``. Rows are upserted only where a value changed (``store.upsert``), so importing the
same report again rewrites nothing. A person, school, district or organization that matches nothing synced
leaves its link NULL and the session marked ``links_pending``; such sessions are mapped again on every import,
from the stored rows of the raw layer (``pathful_report_row``) when the report no longer holds them, and link
as soon as a match exists. Each name that still matches nothing is one ``unmatched`` issue, however many rows
and imports carry it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, exists, select, update

from ..entities.spec import Ref
from ..store import tables as t
from ..store.chunks import chunks
from ..store.upsert import upsert
from ..sync import Lookup, assign
from ..sync.issues import Found
from .match import MATCHED, Directory, Match
from .names import fold
from .read import NOT_A_SCHOOL, Report, ReportRow, Session, group
from .source import where

PREFIX = "pathful:"
CHILDREN = ("event_district", "event_teacher", "event_presenter")
REASONS = {"unmatched": "no synced {kind} has this name", "ambiguous": "{n} synced {kind}s have this name"}


def event_key(session_id: str) -> str:
    return f"{PREFIX}{session_id}"


def educator_status(event_status: str, attended: bool) -> str:
    """Held sessions need an attended educator count; cancelled ones are no-shows (docs/pathful.md#attendance)."""
    if event_status == "COMPLETED":
        return "attended" if attended else "no_show"
    return "no_show" if event_status in ("CANCELLED", "NO_SHOW") else "registered"


def presenter_status(event_status: str) -> str:
    if event_status == "COMPLETED":
        return "Attended"
    return "No Show" if event_status in ("CANCELLED", "NO_SHOW") else "Registered"


@dataclass
class Outcome:
    """What writing did: sessions new / updated / unchanged (from the report), mapped again, rows removed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    remapped: int = 0
    removed: int = 0
    pending: int = 0
    found: list[Found] = field(default_factory=list)


class _Unmatched:
    """Names that match nothing, one issue each, with the sessions and the first row that carry them."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def add(self, match: Match, kind: str, column: str, name: str, key: str, session: str,
            where_: str) -> None:
        if match.outcome == MATCHED:
            return
        record = f"{kind}:{key}"
        item = self.items.setdefault(record, {"kind": kind, "column": column, "name": name, "where": where_,
                                              "match": match, "sessions": []})
        if session not in item["sessions"]:
            item["sessions"].append(session)

    def found(self, hints) -> list[Found]:
        out = []
        for record, item in self.items.items():
            match, kind = item["match"], item["kind"]
            reason = REASONS[match.outcome].format(kind=kind, n=match.candidates)
            sessions = item["sessions"]
            shown = ", ".join(sessions[:5]) + (f" and {len(sessions) - 5} more" if len(sessions) > 5 else "")
            hint = hints(kind, item["name"])
            out.append(Found(record, "unmatched", f"{kind.upper()}_{match.outcome.upper()}", item["column"],
                             f"{item['where']}: {item['name']!r}: {reason}"
                             + (f" (did you mean {hint!r}?)" if hint else "")
                             + f"; {len(sessions)} session(s): {shown}"))
        return out


class SessionWriter:
    """Writes sessions for one import, in the caller's transaction."""

    def __init__(self, conn: Connection, directory: Directory, run_id: str, now: datetime):
        self.conn, self.directory, self.run_id, self.now = conn, directory, run_id, now
        self.tables = t.metadata.tables
        self.stamp = {"created_at": now, "updated_at": now, "deleted_at": None, "run_id": run_id}
        self._schools: dict[tuple, Match] = {}

    # --- the raw layer -----------------------------------------------------------------------------------

    def store_rows(self, report: Report) -> None:
        """Keep the rows of the report's sessions, replacing what was kept for those sessions before."""
        raw = self.tables["pathful_report_row"]
        rows = {}
        for sid, s in report.sessions.items():
            for row in s.rows:
                key = row.key()
                rows.setdefault((sid, key), {
                    "session_id": sid, "row_key": key, "row_number": row.number, "source": report.name,
                    "values": row.values(), "run_id": self.run_id, "synced_at": self.now})
        upsert(self.conn, raw, list(rows.values()), key=("session_id", "row_key"), keep=())
        sids = list(report.sessions)
        for part in chunks(sids):
            kept = self.conn.execute(select(raw.c.session_id, raw.c.row_key)
                                     .where(raw.c.session_id.in_(part)))
            stale = [k for k in kept if tuple(k) not in rows]
            for sid, key in stale:
                self.conn.execute(raw.delete().where(raw.c.session_id == sid, raw.c.row_key == key))

    def pending(self, exclude: set[str]) -> tuple[dict[str, Session], dict[str, str]]:
        """Stored sessions with a link missing (or to a deleted row), rebuilt from the raw layer."""
        m = self.tables
        vs, event, school = m["virtual_session"], m["event"], m["school"]
        waiting = vs.c.links_pending.is_(True) | exists().where(
            school.c.id == event.c.school_id, school.c.deleted_at.is_not(None))
        for child, column, parent in (("event_teacher", "teacher_id", "teacher"),
                                      ("event_teacher", "school_id", "school"),
                                      ("event_presenter", "volunteer_id", "volunteer"),
                                      ("event_presenter", "organization_id", "organization"),
                                      ("event_district", "district_id", "district")):
            c, p = m[child], m[parent]
            waiting = waiting | exists().where(c.c.event_id == vs.c.event_id, c.c.deleted_at.is_(None),
                                               p.c.id == c.c[column], p.c.deleted_at.is_not(None))
        sids = [sid for sid in self.conn.execute(
            select(vs.c.pathful_session_id).join(event, event.c.id == vs.c.event_id)
            .where(vs.c.deleted_at.is_(None), event.c.deleted_at.is_(None), waiting)
        ).scalars() if sid not in exclude]
        raw = m["pathful_report_row"]
        rows: list[ReportRow] = []
        sources: dict[str, str] = {}
        for part in chunks(sids):
            q = (select(raw.c.session_id, raw.c.row_number, raw.c.source, raw.c["values"])
                 .where(raw.c.session_id.in_(part)).order_by(raw.c.row_number))
            for sid, number, source, values in self.conn.execute(q):
                rows.append(ReportRow.from_values(number, values))
                sources[sid] = source
        return group(rows), sources

    # --- mapping -----------------------------------------------------------------------------------------

    def write(self, sessions: dict[str, Session], sources: dict[str, str], *, counted: set[str]) -> Outcome:
        """Map and write ``sessions``; ``counted`` are those from the report (new / updated / unchanged)."""
        outcome = Outcome()
        before = self._hashes([sid for sid in sessions if sid in counted])
        people = self._people(sessions)
        unmatched = _Unmatched()
        by_table: dict[str, list[dict]] = defaultdict(list)
        for sid, s in sessions.items():
            pending = self._map(s, sources[sid], people, unmatched, by_table)
            outcome.pending += pending
            if sid not in counted:
                outcome.remapped += 1
            elif sid not in before:
                outcome.new += 1
            elif before[sid] == s.digest():
                outcome.unchanged += 1
            else:
                outcome.updated += 1
        upsert(self.conn, self.tables["event"], [r | self.stamp for r in by_table["event"]])
        lookup = Lookup(self.conn)
        lookup.load(Ref("event", event_key(sid)) for sid in sessions)
        for name in ("virtual_session", *CHILDREN):
            rows = by_table[name]
            for row in rows:
                assign(row, "event_id", row["event_id"], lookup)
            upsert(self.conn, self.tables[name], [r | self.stamp for r in rows])
        outcome.removed = self._retire_stale(sessions, by_table, lookup)
        outcome.found = unmatched.found(self._hint)
        return outcome

    def _hashes(self, sids: list[str]) -> dict[str, str]:
        vs, event = self.tables["virtual_session"], self.tables["event"]
        out = {}
        for part in chunks(sids):
            q = (select(vs.c.pathful_session_id, vs.c.content_hash).join(event, event.c.id == vs.c.event_id)
                 .where(vs.c.pathful_session_id.in_(part), vs.c.deleted_at.is_(None),
                        event.c.deleted_at.is_(None)))
            out.update(dict(self.conn.execute(q).all()))
        return out

    def _school(self, name: str | None, district: str | None) -> Match:
        """The school a name means, preferring one in the district named with it (remembered per pair)."""
        if (name, district) not in self._schools:
            found = self.directory.districts.find(district) if district else None
            prefer = found.id if found and found.outcome == MATCHED else None
            self._schools[(name, district)] = self.directory.schools.find(name, prefer)
        return self._schools[(name, district)]

    def _people(self, sessions: dict[str, Session]) -> dict[tuple[str, str, str], Match]:
        """Each educator's teacher and each presenter's volunteer: by Pathful user (User Report), then by
        name, then through another row of the same Pathful user that matched."""
        d = self.directory
        found: dict[tuple[str, str, str], Match] = {}
        for sid, s in sessions.items():
            for role, group_, people, slot in (("educator", s.educators, d.teachers, 0),
                                               ("professional", s.presenters, d.volunteers, 1)):
                for key, p in group_.items():
                    known = d.users.get(p.user_id, (None, None))[slot] if p.user_id else None
                    if known is not None:
                        found[(sid, role, key)] = Match(known, MATCHED, 1)
                        continue
                    place = self._school(p.school, p.organization).id if role == "educator" else \
                        d.organizations.find(p.organization).id
                    found[(sid, role, key)] = people.find(p.first, p.last, place)
        by_user: dict[tuple[str, str], set[int]] = defaultdict(set)
        for (sid, role, key), match in found.items():
            person = (sessions[sid].educators if role == "educator" else sessions[sid].presenters)[key]
            if match.outcome == MATCHED and person.user_id:
                by_user[(role, person.user_id)].add(match.id)
        for (sid, role, key), match in found.items():
            person = (sessions[sid].educators if role == "educator" else sessions[sid].presenters)[key]
            ids = by_user.get((role, person.user_id or ""), set())
            if match.outcome != MATCHED and len(ids) == 1:
                found[(sid, role, key)] = Match(next(iter(ids)), MATCHED, 1)
        return found

    def _map(self, s: Session, source: str, people: dict, unmatched: _Unmatched, out: dict) -> bool:
        """Add the rows of session ``s`` to ``out``; True when one of its links is still missing."""
        d, sid, key = self.directory, s.session_id, event_key(s.session_id)
        status = s.status
        missing = False

        def note(match: Match, kind: str, column: str, name: str, row: int, person: str | None = None):
            """The link's id (None when unmatched, which is then noted: one issue per name)."""
            nonlocal missing
            missing |= match.outcome != MATCHED
            unmatched.add(match, kind, column, name, person or fold(name), sid, where(source, row, column))
            return match.id

        first = s.first_row
        school = self._school(s.school, s.district) if s.school else None
        school_id = note(school, "school", "School", s.school, first) if school else None
        district = d.districts.find(s.district) if s.district else None
        out["event"].append({
            "salesforce_id": key, "source": "pathful", "title": s.title, "type": "VIRTUAL_SESSION",
            "format": "VIRTUAL",
            "start_at": s.start, "end_at": s.start + timedelta(minutes=s.duration) if s.duration else None,
            "status": status, "location": s.school, "description": None, "cancellation_reason": None,
            "participant_count": s.attended_students or 0, "additional_information": None,
            "session_host": "PREPKC", "registration_link": None, "total_requested_volunteer_jobs": 0,
            "available_slots": 0, "school_id": school_id,
            "school_salesforce_id": d.schools.salesforce_id.get(school_id) if school_id else None,
            "district_partner": s.district,
        })
        if district is not None:
            out["event_district"].append({
                "salesforce_id": f"{key}:district:name", "event_id": Ref("event", key),
                "district_id": note(district, "district", "District or Company", s.district, first),
                "source": "district_field", "district_name": s.district})
        if school_id is not None:
            out["event_district"].append({
                "salesforce_id": f"{key}:district:school", "event_id": Ref("event", key),
                "district_id": d.schools.district.get(school_id), "source": "school", "district_name": None})
        for pkey, p in s.educators.items():
            match = people[(sid, "educator", pkey)]
            own_school = self._school(p.school, p.organization) if _is_school(p.school) else None
            out["event_teacher"].append({
                "salesforce_id": f"{key}:educator:{pkey}", "event_id": Ref("event", key),
                "teacher_id": note(match, "teacher", "Name", p.name, p.rows[0], pkey),
                "name": p.name, "name_key": pkey, "pathful_user_id": p.user_id,
                "status": educator_status(status, p.attended), "school_name": p.school,
                "school_id": note(own_school, "school", "School", p.school, p.rows[0])
                if own_school else None,
                "district_name": p.organization, "registered_student_count": p.registered_students,
                "attended_student_count": p.attended_students})
        for pkey, p in s.presenters.items():
            match = people[(sid, "professional", pkey)]
            org = d.organizations.find(p.organization) if p.organization else None
            out["event_presenter"].append({
                "salesforce_id": f"{key}:presenter:{pkey}", "event_id": Ref("event", key),
                "volunteer_id": note(match, "volunteer", "Name", p.name, p.rows[0], pkey),
                "name": p.name, "name_key": pkey, "pathful_user_id": p.user_id,
                "status": presenter_status(status),
                "organization_name": p.organization,
                "organization_id": note(org, "organization", "District or Company", p.organization, p.rows[0])
                if org else None,
                "delivery_hours": round(s.duration / 60, 2) if s.duration else None})
        out["virtual_session"].append({
            "salesforce_id": key, "event_id": Ref("event", key), "pathful_session_id": sid,
            "status_text": s.status_text, "career_cluster": s.career_cluster, "duration_minutes": s.duration,
            "registered_student_count": s.registered_students, "attended_student_count": s.attended_students,
            "attended_educator_count": s.attended_educators, "links_pending": missing,
            "content_hash": s.digest()})
        return missing

    def _hint(self, kind: str, name: str) -> str | None:
        return self.directory.organizations.suggest(name) if kind == "organization" else None

    def _retire_stale(self, sessions: dict[str, Session], by_table: dict, lookup: Lookup) -> int:
        """Educators, presenters and district rows a session no longer has are marked deleted."""
        event_ids = [hit.target for sid in sessions if (hit := lookup.find(Ref("event", event_key(sid))))]
        removed = 0
        for name in CHILDREN:
            table = self.tables[name]
            produced = {r["salesforce_id"] for r in by_table[name]}
            for part in chunks(event_ids):
                live = self.conn.execute(select(table.c.salesforce_id).where(
                    table.c.event_id.in_(part), table.c.deleted_at.is_(None),
                    table.c.salesforce_id.startswith(PREFIX))).scalars().all()
                stale = [k for k in live if k not in produced]
                for gone in chunks(stale):
                    self.conn.execute(update(table).where(table.c.salesforce_id.in_(gone))
                                      .values(deleted_at=self.now, updated_at=self.now, run_id=self.run_id))
                removed += len(stale)
        return removed


def _is_school(name: str | None) -> bool:
    return bool(name) and fold(name) != NOT_A_SCHOOL

