"""Session__c and who took part (Session_Participant__c), plus the legacy pathway objects.

Sessions carry what the VMS event import trips over: NULL and Draft statuses, 'Connector Session's,
district names and aliases in text fields, unaffiliated sessions, HTML registration links, prefixed comma
skill lists, negative student counts. A few participants point at contacts or sessions that do not exist.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from ..ids import make_id
from ..schema import SESSION_TYPES
from . import pools
from .common import Weighted, chance, html_paragraphs
from .plan import Plan
from .timeline import (
    DAY,
    END_MS,
    HOUR,
    MINUTE,
    START_MS,
    after,
    between,
    date_text,
    datetime_text,
    modified,
    ms,
)

FIRST_SESSION = ms(datetime(2023, 9, 5, tzinfo=UTC))
LAST_SESSION = ms(datetime(2027, 5, 21, tzinfo=UTC))
PATHWAYS_RETIRED = ms(datetime(2025, 8, 17, tzinfo=UTC))   # the VMS stopped importing pathways then

# Counters of Ids no generated record will ever reach: lookups that point at nothing.
_GHOST_BASE = 36**11

_COMMON_TYPES = {"Career Speaker": 18, "Classroom Speaker": 10, "Connector Session": 6, "Career Fair": 6,
                 "Workplace Visit": 6, "Employability Skills": 5, "Mentoring": 4, "Career Jumping": 4,
                 "Financial Literacy": 3, "IGNITE": 3, "Classroom Activity": 3, "Career Day": 2}
_TYPES = Weighted([(t, _COMMON_TYPES.get(t, 1)) for t in SESSION_TYPES] + [(None, 3)])
_PAST_STATUSES = Weighted([("Completed", 70), ("Cancelled", 10), ("No Show", 3), ("Simulcast", 3), ("Count", 2),
                           ("Confirmed", 2), ("Draft", 4), (None, 4), ("Requested", 1), ("Published", 1)])
_FUTURE_STATUSES = Weighted([("Confirmed", 35), ("Published", 30), ("Requested", 15), ("Draft", 12), (None, 5),
                             ("Cancelled", 3)])
_CANCELLATIONS = Weighted([("Inclement Weather Cancellation", 40), ("Teacher Cancelled", 25),
                           ("Presenter Cancelled", 20), ("Other", 10), (None, 5)])
_HOSTS = Weighted([("PREP-KC", 80), ("PREPKC", 5), (None, 10), ("partner", 5)])
_DISPLAY = Weighted([("Yes", 40), ("No", 40), (None, 20)])
_AGE_GROUPS = {"Elementary School": "Elementary", "Middle School": "Middle School", "High School": "High School",
               "Academy": "K-8"}
_ATTENDED = frozenset({"Attended", "Completed", "Successfully Completed"})
_HELD_VOLUNTEER = Weighted([("Attended", 45), ("Completed", 25), ("Successfully Completed", 8), ("No Show", 5),
                            ("No-Show", 3), ("Did Not Attend", 3), ("Cancelled", 3), ("Declined", 2),
                            ("Withdrawn", 1), ("Scheduled", 2), (None, 3)])
_CANCELLED_VOLUNTEER = Weighted([("Cancelled", 85), ("Scheduled", 10), (None, 5)])
_UPCOMING = Weighted([("Scheduled", 55), ("Registered", 35), ("Withdrawn", 5), ("Declined", 3), (None, 2)])
_HELD_STUDENT = Weighted([("Attended", 75), ("Registered", 8), ("No Show", 7), ("Scheduled", 5), (None, 5)])
_HELD = frozenset({"Completed", "Simulcast", "Count", "Confirmed", "No Show"})


def _start(rng: random.Random) -> int:
    """A weekday school-day start (08:00-14:00 Central, in UTC) outside the summer break."""
    day = between(rng, FIRST_SESSION, LAST_SESSION) // DAY
    for _attempt in range(20):
        if (day + 3) % 7 < 5 and date_text(day * DAY)[5:7] not in ("06", "07"):
            break
        day = between(rng, FIRST_SESSION, LAST_SESSION) // DAY
    return day * DAY + 13 * HOUR + rng.randrange(25) * 15 * MINUTE


def _district_text(rng: random.Random, district: dict) -> str:
    d = district["_district"]
    names = [(d.name, 40)] + ([(d.alias, 45)] if d.alias else []) + ([(d.long_name, 15)] if d.long_name else [])
    return Weighted(names).pick(rng)


def _calendar_text(start: int, end: int) -> str:
    """The display string VolunTeach shows, in Central time (standard offset)."""
    def clock(t: int) -> str:
        local = datetime.fromtimestamp((t - 6 * HOUR) / 1000, UTC)
        return local.strftime("%I:%M %p").lstrip("0")
    local_day = datetime.fromtimestamp((start - 6 * HOUR) / 1000, UTC).strftime("%m/%d/%Y")
    return f"{local_day} {clock(start)} to {clock(end)}"


def _skills(rng: random.Random) -> str | None:
    if not chance(rng, 0.35):
        return None
    items = rng.sample(pools.SKILL_TAGS, rng.randint(1, 4))
    if chance(rng, 0.1):
        items[0] = f'"{items[0]}"'
    return ", ".join(items)


def plan_sessions(plan: Plan) -> None:
    rng = plan.rng("sessions")
    for n in range(1, plan.preset.sessions + 1):
        start = _start(rng)
        hours = rng.randrange(3, 17) * 0.25
        end = start + int(hours * HOUR)
        created = max(START_MS + 4 * HOUR, min(start - between(rng, 3 * DAY, 60 * DAY), END_MS - between(rng, 0, 5 * DAY)))
        held = start < END_MS
        status = (_PAST_STATUSES if held else _FUTURE_STATUSES).pick(rng)
        kind = _TYPES.pick(rng)
        school = district = None
        shape = rng.random()
        if shape < 0.85 or shape >= 0.93:     # between the two: an unaffiliated session
            candidate = rng.choice(plan.schools)
            if shape < 0.7 and candidate["CreatedDate"] < created:
                school = candidate
            district = candidate["_district"]
        topic = rng.choice(pools.SESSION_TOPICS)
        if school is not None and chance(rng, 0.5):
            name = f"{kind or 'Session'} - {school['_name']}"
        elif chance(rng, 0.3):
            name = f"{topic} @ {rng.choice(plan.organizations)['Name']}"
        else:
            name = topic
        virtual = chance(rng, 0.25)
        row = {
            "Name": name, "Session_Type__c": kind, "Session_Status__c": status,
            "Format__c": None if chance(rng, 0.03) else ("Virtual" if virtual else "In-Person"),
            "Start_Date_and_Time__c": datetime_text(start) if chance(rng, 0.97) else None,
            "End_Date_and_Time__c": datetime_text(end) if chance(rng, 0.95) else None,
            "Start_Date__c": date_text(start), "Date_and_Time_for_Cal__c": _calendar_text(start, end),
            "School__c": school,
            "District__c": _district_text(rng, district) if district is not None and chance(rng, 0.9) else None,
            "Parent_Account__c": (district["_district"].long_name or district["Name"])
            if district is not None and chance(rng, 0.45) else None,
            "Session_Host__c": _HOSTS.pick(rng), "Display_on_Website__c": _DISPLAY.pick(rng),
            "Legacy_Skill_Covered_for_the_Session__c": _skills(rng), "Legacy_Skills_Needed__c": _skills(rng),
            "Requested_Skills__c": _skills(rng),
            "CreatedDate": created,
            "LastModifiedDate": after(rng, start, 10 * DAY) if held else modified(rng, created),
            "_start": start, "_end": end, "_hours": hours, "_school": school, "_status": status,
        }
        if row["Session_Host__c"] == "partner":
            row["Session_Host__c"] = rng.choice(plan.organizations)["Name"]
        if shape >= 0.93:
            # a district only a person would recognise: wrong case, no school, no parent
            row.update(School__c=None, Parent_Account__c=None, _school=None,
                       District__c=rng.choice((district["Name"].title(), district["Name"].lower())))
        if status == "Cancelled":
            row["Cancellation_Reason__c"] = _CANCELLATIONS.pick(rng)
        if chance(rng, 0.7):
            row["Location_Information__c"] = ("Virtual (Zoom)" if virtual else
                                              school["_name"] if school is not None else "PREP-KC Office")
        if chance(rng, 0.6):
            text = f"{topic}: students meet professionals and ask questions."
            row["Description__c"] = html_paragraphs(text, "Please arrive 15 minutes early.") if chance(rng, 0.4) else text
        if n % 40 == 7:     # a few negative counts, which the VMS event table's CHECK constraint rejects
            row["Non_Scheduled_Students_Count__c"] = float(rng.randint(-10, -1))
        elif chance(rng, 0.4):
            row["Non_Scheduled_Students_Count__c"] = float(rng.randint(0, 80))
        if chance(rng, 0.2):
            row["Additional_Information__c"] = rng.choice(("Parking in the north lot.", "Check in at the front office.",
                                                           "Business casual attire.", "Bring a photo ID."))
        if chance(rng, 0.8):
            total = rng.randint(1, 10)
            filled = rng.randint(0, total)
            row.update(Total_Requested_Volunteer_Jobs__c=float(total), Filled_Volunteer_Jobs__c=float(filled),
                       Available_Slots__c=float(total - filled))
        link = rng.random()
        if link < 0.45:
            row["Registration_Link__c"] = (f'<a href="https://prepkc.org/volunteer/signup?session={n}" '
                                           f'target="_blank">Sign up</a>')
        elif link < 0.5:
            row["Registration_Link__c"] = f"https://prepkc.org/volunteer/signup?session={n}"
        plan.sessions.append(row)


def _participant_status(rng: random.Random, session: dict, student: bool) -> str | None:
    if session["_start"] >= END_MS:
        return _UPCOMING.pick(rng)
    if session["_status"] == "Cancelled":
        return _CANCELLED_VOLUNTEER.pick(rng)
    if session["_status"] in _HELD:
        return (_HELD_STUDENT if student else _HELD_VOLUNTEER).pick(rng)
    return _UPCOMING.pick(rng)


def _participant(rng: random.Random, session: dict, contact: dict, kind: str, ghosts: list[int]) -> dict:
    student = kind == "Student"
    status = _participant_status(rng, session, student)
    school = session["_school"]
    created = after(rng, max(session["CreatedDate"], contact["CreatedDate"]), 30 * DAY)
    row = {
        "Contact__c": contact, "Session__c": session, "Status__c": status, "Participant_Type__c": kind,
        "Age_Group__c": _AGE_GROUPS[school["_level"]] if school is not None else None,
        "Delivery_Hours__c": (0.0 if chance(rng, 0.03) else session["_hours"]) if status in _ATTENDED else None,
        "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.5),
    }
    if not student:
        row["Email__c"] = contact.get("Email") if chance(rng, 0.7) else None
        row["Title__c"] = contact.get("Title")
    if chance(rng, 0.005):
        ghosts[0] += 1
        row["Contact__c"] = make_id("003", _GHOST_BASE + ghosts[0])
    elif chance(rng, 0.003):
        ghosts[0] += 1
        row["Session__c"] = make_id("a0S", _GHOST_BASE + ghosts[0])
    return row


def build_participants(plan: Plan) -> list[dict]:
    rng = plan.rng("participants")
    rows: list[dict] = []
    ghosts = [0]
    if not plan.sessions:
        return rows
    volunteers = Weighted([(v, rng.expovariate(1)) for v in plan.volunteers])
    taken: set[tuple[int, int]] = set()
    for _attempt in range(3 * plan.preset.volunteer_participants):
        if len(rows) >= plan.preset.volunteer_participants:
            break
        session, volunteer = rng.choice(plan.sessions), volunteers.pick(rng)
        if (id(session), id(volunteer)) not in taken:
            taken.add((id(session), id(volunteer)))
            rows.append(_participant(rng, session, volunteer, "Volunteer", ghosts))

    students_by_school: dict[int, list[dict]] = {}
    for student in plan.students:
        students_by_school.setdefault(id(student["_school"]), []).append(student)
    school_sessions = [s for s in plan.sessions if s["_school"] is not None and id(s["_school"]) in students_by_school]
    wanted = len(rows) + plan.preset.student_participants
    for _attempt in range(3 * plan.preset.student_participants):
        if len(rows) >= wanted or not school_sessions:
            break
        session = rng.choice(school_sessions)
        student = rng.choice(students_by_school[id(session["_school"])])
        if (id(session), id(student)) not in taken:
            taken.add((id(session), id(student)))
            rows.append(_participant(rng, session, student, "Student", ghosts))
    return rows


def build_pathways(plan: Plan) -> tuple[list[dict], list[dict], list[dict]]:
    """Pathway__c, Pathway_Session__c and Pathway_Participant__c, all from before their retirement."""
    rng = plan.rng("pathways")
    pathways = []
    for name in pools.PATHWAYS[: plan.preset.pathways]:
        created = START_MS + between(rng, DAY, 200 * DAY)
        pathways.append({"Name": name, "CreatedDate": created,
                         "LastModifiedDate": between(rng, created, PATHWAYS_RETIRED)})
    early_sessions = [s for s in plan.sessions if s["CreatedDate"] < PATHWAYS_RETIRED]
    links, members = [], []
    if pathways and early_sessions:
        for _ in range(plan.preset.pathway_sessions):
            pathway, session = rng.choice(pathways), rng.choice(early_sessions)
            created = after(rng, max(pathway["CreatedDate"], session["CreatedDate"]), 30 * DAY)
            links.append({"Pathway__c": pathway, "Session__c": session, "CreatedDate": created,
                          "LastModifiedDate": modified(rng, created, 0.8)})
    if pathways and plan.students and plan.volunteers:
        for _ in range(plan.preset.pathway_participants):
            pathway = rng.choice(pathways)
            person = rng.choice(plan.volunteers if chance(rng, 0.2) else plan.students)
            created = after(rng, max(pathway["CreatedDate"], person["CreatedDate"]), 30 * DAY)
            members.append({"Pathway__c": pathway, "Contact__c": person, "CreatedDate": created,
                            "LastModifiedDate": modified(rng, created, 0.8)})
    return pathways, links, members
