"""Events: Sessions (less drafts and connector sessions) and the volunteers who took part
(docs/vms-org.md#events).

Follows vmsync's decisions (docs/vms-org.md#decisions): start and end keep their time, in UTC; a session with a
blank name, a status that is not one of the nine, or a negative student count is rejected alone, never with its
neighbours; a district named in District__c (else Parent_Account__c) is matched case- and space-insensitively,
through the aliases the VMS knows; skills are replaced as a set; a volunteer participation whose volunteer or
session is not synced yet waits as an orphan and is linked when it arrives, and every participation is updated
when it changes.

A session's districts are the one it names and its school's; a session with no school and no district name
gets its students' schools' districts, derived in the database after the streams (``derive_event_districts``,
which also keeps school districts in step with their schools).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection, and_, select, update

from ..store import tables as t
from ..store.chunks import chunks
from ..store.upsert import upsert
from .contacts import coded
from .normalize import count, email, name_key, number, pick, required, skill_name, split_multi, text, to_utc
from .spec import ISSUE, Entity, FirstOf, Ref, Reject, Stream, Table, fields

SESSION_TYPES = {
    "Connector Session": "CONNECTOR_SESSION", "Career Jumping": "CAREER_JUMPING",
    "Career Speaker": "CAREER_SPEAKER", "Employability Skills": "EMPLOYABILITY_SKILLS", "IGNITE": "IGNITE",
    "Career Fair": "CAREER_FAIR", "Client Connected Project": "CLIENT_CONNECTED_PROJECT",
    "Pathway campus visits": "PATHWAY_CAMPUS_VISITS", "Workplace Visit": "WORKPLACE_VISIT",
    "Pathway Workplace Visits": "PATHWAY_WORKPLACE_VISITS", "College Options": "COLLEGE_OPTIONS",
    "DIA - Classroom Speaker": "DIA_CLASSROOM_SPEAKER", "DIA": "DIA", "Campus Visit": "CAMPUS_VISIT",
    "Advisory Sessions": "ADVISORY_SESSIONS", "Volunteer Orientation": "VOLUNTEER_ORIENTATION",
    "Volunteer Engagement": "VOLUNTEER_ENGAGEMENT", "Mentoring": "MENTORING",
    "Financial Literacy": "FINANCIAL_LITERACY", "Math Relays": "MATH_RELAYS",
    "Classroom Speaker": "CLASSROOM_SPEAKER", "Internship": "INTERNSHIP",
    "College Application Fair": "COLLEGE_APPLICATION_FAIR", "FAFSA": "FAFSA",
    "Classroom Activity": "CLASSROOM_ACTIVITY", "Historical, Not Yet Updated": "HISTORICAL", "DataViz": "DATA_VIZ",
    "P2GD": "P2GD", "SLA": "SLA", "HealthStart": "HEALTHSTART", "P2T": "P2T", "BFI": "BFI",
}
DEFAULT_TYPE = "CLASSROOM_ACTIVITY"
_TYPES_BY_KEY = {k.lower(): v for k, v in SESSION_TYPES.items()}

STATUSES = {"Completed": "COMPLETED", "Confirmed": "CONFIRMED", "Cancelled": "CANCELLED", "Requested": "REQUESTED",
            "Draft": "DRAFT", "Published": "PUBLISHED", "No Show": "NO_SHOW", "Simulcast": "SIMULCAST",
            "Count": "COUNT"}
FORMATS = {"in-person": "IN_PERSON", "virtual": "VIRTUAL"}
CANCELLATION_REASONS = {"inclement weather cancellation": "WEATHER", "presenter cancelled": "PRESENTER_CANCELLED",
                        "teacher cancelled": "TEACHER_CANCELLED", "other": "OTHER"}

# The names one district goes by: its Salesforce Account name, the name the VMS alias table resolves to, and the
# short alias sessions use (docs/vms-org.md#districts). A name given by a session is tried as it is, then as the
# others of its group, each compared as ``name_key`` (case, punctuation and spacing ignored).
DISTRICT_NAMES = (
    ("KANSAS CITY USD 500", "Kansas City Kansas Public Schools", "KCKPS"),
    ("KANSAS CITY PUBLIC SCHOOL DISTRICT", "Kansas City Public Schools (MO)", "KCPS"),
    ("HICKMAN MILLS C-1", "Hickman Mills School District", "Hickman Mills"),
    ("GRANDVIEW C-4", "Grandview School District", "Grandview"),
    ("CENTER SCHOOL DISTRICT", "Center School District", "Center"),
    ("ALLEN VILLAGE", "Allen Village - District", "Allen Village"),
)
_ALIASES: dict[str, tuple[str, ...]] = {}
for _group in DISTRICT_NAMES:
    _keys = tuple(dict.fromkeys(name_key(n) for n in _group))
    for _key in _keys:
        _ALIASES[_key] = _keys

SKILL_FIELDS = ("Legacy_Skill_Covered_for_the_Session__c", "Legacy_Skills_Needed__c", "Requested_Skills__c")
SKILL_PREFIXES = (("PWY-", "Pathway: "), ("Skills-", "Skill: "), ("CCE-", "Career/College: "),
                  ("CSCs-", "Core Skill: "), ("ACT-", "Activity: "))
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def session_type(value: object) -> tuple[str, tuple[str, dict] | None]:
    """The EventType of a Session_Type__c (docs/vms-org.md#session-types).

    An unknown one is CLASSROOM_ACTIVITY, with a warning.
    """
    s = text(value)
    if s is None:
        return DEFAULT_TYPE, None
    kind = _TYPES_BY_KEY.get(s.lower())
    if kind is None:
        return DEFAULT_TYPE, (ISSUE, {"code": "UNKNOWN_PICKLIST", "field": "Session_Type__c",
                                      "message": f"Session_Type__c: unknown value {s!r}, stored as {DEFAULT_TYPE}"})
    return kind, None


def session_format(value: object) -> tuple[str, tuple[str, dict] | None]:
    s = text(value)
    if s is None:
        return "IN_PERSON", None
    kind = FORMATS.get(s.lower())
    if kind is None:
        return "IN_PERSON", (ISSUE, {"code": "UNKNOWN_PICKLIST", "field": "Format__c",
                                     "message": f"Format__c: unknown value {s!r}, stored as IN_PERSON"})
    return kind, None


def registration_link(value: object) -> str | None:
    """The URL of a sign-up link, whether Salesforce holds an HTML anchor or the plain URL."""
    s = text(value)
    if s is None:
        return None
    m = _HREF.search(s)
    return m.group(1).strip() if m else s


def slots(r: dict, field: str) -> tuple[int, tuple[str, dict] | None]:
    """A number of volunteer jobs or slots: a whole number, a negative one stored as 0 with a warning."""
    n = number(r.get(field), field)
    if n is None:
        return 0, None
    if n < 0:
        return 0, (ISSUE, {"code": "NEGATIVE_COUNT", "field": field,
                           "message": f"{field}: {n:g} is negative, stored as 0"})
    return int(n), None


def hours(r: dict, field: str = "Delivery_Hours__c") -> float | None:
    """Delivery hours: a positive number, else NULL (docs/vms-org.md#events)."""
    n = number(r.get(field), field)
    return n if n is not None and n > 0 else None


def district_link(name: str, field: str) -> FirstOf:
    """The district a session names: by the name itself, then by the other names of its alias group."""
    key = name_key(name)
    keys = (key,) + tuple(k for k in _ALIASES.get(key, ()) if k != key)
    return FirstOf(tuple(Ref("district", k, field, required=False, by="name_key") for k in keys), field,
                   required=False)


def skills(r: dict) -> list[tuple[str, str]]:
    """(name, source field) per distinct skill of the three comma-separated fields, prefixes spelled out."""
    seen: dict[str, tuple[str, str]] = {}
    for source in SKILL_FIELDS:
        for piece in split_multi(r.get(source), ","):
            piece = piece.strip().strip('"').strip()
            for prefix, label in SKILL_PREFIXES:
                if piece.lower().startswith(prefix.lower()):
                    piece = label + piece[len(prefix):].strip()
                    break
            if piece:
                name = skill_name(piece)
                seen.setdefault(name.lower(), (name, source))
    return list(seen.values())


def map_session(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    rows: list[tuple[str, dict]] = []
    kind, w1 = session_type(r.get("Session_Type__c"))
    form, w2 = session_format(r.get("Format__c"))
    reason, w3 = coded(r.get("Cancellation_Reason__c"), CANCELLATION_REASONS, "Cancellation_Reason__c")
    jobs, w4 = slots(r, "Total_Requested_Volunteer_Jobs__c")
    available, w5 = slots(r, "Available_Slots__c")
    rows += [w for w in (w1, w2, w3, w4, w5) if w]
    school = text(r.get("School__c"))
    district_field = "District__c" if text(r.get("District__c")) else "Parent_Account__c"
    district_name = text(r.get(district_field))
    rows.append(("event", {
        "salesforce_id": sf_id,
        "source": "salesforce",
        "title": required(r, "Name"),
        "type": kind,
        "format": form,
        "start_at": to_utc(r.get("Start_Date_and_Time__c"), "Start_Date_and_Time__c"),
        "end_at": to_utc(r.get("End_Date_and_Time__c"), "End_Date_and_Time__c"),
        "status": pick(r.get("Session_Status__c"), STATUSES, "Session_Status__c", default="DRAFT"),
        "location": text(r.get("Location_Information__c")),
        "description": text(r.get("Description__c")),
        "cancellation_reason": reason,
        "participant_count": count(r.get("Non_Scheduled_Students_Count__c"), "Non_Scheduled_Students_Count__c"),
        "additional_information": text(r.get("Additional_Information__c")),
        "session_host": text(r.get("Session_Host__c")),
        "registration_link": registration_link(r.get("Registration_Link__c")),
        "total_requested_volunteer_jobs": jobs,
        "available_slots": available,
        "school_id": Ref("school", school, "School__c", required=False) if school else None,
        "school_salesforce_id": school,
        "district_partner": district_name,
    }))
    if school:
        rows.append(("event_district", {
            "salesforce_id": f"{sf_id}:district:school",
            "event_id": Ref("event", sf_id),
            "district_id": Ref("school", school, "School__c", required=False, take="district_id"),
            "source": "school",
            "district_name": None,
        }))
    if district_name and name_key(district_name):
        rows.append(("event_district", {
            "salesforce_id": f"{sf_id}:district:name",
            "event_id": Ref("event", sf_id),
            "district_id": district_link(district_name, district_field),
            "source": "district_field" if district_field == "District__c" else "parent_account",
            "district_name": district_name,
        }))
    for name, source in skills(r):
        key = f"skill:{name.lower()}"
        rows.append(("skill", {"salesforce_id": key, "name": name}))
        rows.append(("event_skill", {"salesforce_id": f"{sf_id}:{key}", "event_id": Ref("event", sf_id),
                                     "skill_id": Ref("skill", key), "source_field": source}))
    return rows


def participant_email(r: dict) -> tuple[str | None, tuple[str, dict] | None]:
    """Email__c trimmed and lower-cased; one that is not an address is dropped with a warning."""
    try:
        return email(r.get("Email__c")), None
    except Reject as exc:
        return None, (ISSUE, {"code": exc.code, "field": "Email__c", "message": f"Email__c: {exc.message}"})


def map_volunteer_participant(r: dict) -> list[tuple[str, dict]]:
    session = required(r, "Session__c")
    contact = required(r, "Contact__c")
    mail, warning = participant_email(r)
    return ([warning] if warning else []) + [("event_volunteer", {
        "salesforce_id": r["Id"],
        "event_id": Ref("event", session, "Session__c"),
        "volunteer_id": Ref("volunteer", contact, "Contact__c"),
        "status": text(r.get("Status__c")),
        "delivery_hours": hours(r),
        "age_group": text(r.get("Age_Group__c")),
        "email": mail,
        "title": text(r.get("Title__c")),
    })]


def derive_event_districts(conn: Connection, run_id: str, now: datetime) -> None:
    """Keep the districts of sessions that Salesforce does not name up to date.

    A session's school district row follows its school when the school changes district. A session with no
    school and no district name gets the districts of its students' schools; those rows are retired when no
    longer true (the session got a school or a name, the students left).
    """
    m = t.metadata.tables
    event, link, school, district = m["event"], m["event_district"], m["school"], m["district"]
    taking, student = m["event_student"], m["student"]

    def live(*tables):
        return and_(*(tb.c.deleted_at.is_(None) for tb in tables))

    school_district = (select(school.c.district_id).join(event, event.c.school_id == school.c.id)
                       .where(event.c.id == link.c.event_id, live(school)).scalar_subquery())
    conn.execute(update(link).where(link.c.source == "school", live(link),
                                    link.c.district_id.is_distinct_from(school_district))
                 .values(district_id=school_district, updated_at=now, run_id=run_id))

    by_students = (
        select(event.c.id, event.c.salesforce_id, district.c.id, district.c.salesforce_id).distinct()
        .select_from(event.join(taking, taking.c.event_id == event.c.id)
                     .join(student, student.c.id == taking.c.student_id)
                     .join(school, school.c.id == student.c.school_id)
                     .join(district, district.c.id == school.c.district_id))
        .where(live(event, taking, student, school, district), event.c.school_salesforce_id.is_(None),
               event.c.district_partner.is_(None))
    )
    wanted = {}
    for event_id, event_sf, district_id, district_sf in conn.execute(by_students):
        key = f"{event_sf}:district:{district_sf}"
        wanted[key] = {"salesforce_id": key, "event_id": event_id, "district_id": district_id,
                       "source": "students", "district_name": None, "created_at": now, "updated_at": now,
                       "deleted_at": None, "run_id": run_id}
    upsert(conn, link, list(wanted.values()))
    inferred = conn.execute(select(link.c.salesforce_id).where(link.c.source == "students", live(link)))
    stale = [k for k in inferred.scalars() if k not in wanted]
    for part in chunks(stale):
        conn.execute(update(link).where(link.c.salesforce_id.in_(part))
                     .values(deleted_at=now, updated_at=now, run_id=run_id))


PARTICIPANT_FIELDS = fields("Name Contact__c Session__c Status__c Delivery_Hours__c:number Age_Group__c Email__c "
                            "Title__c Participant_Type__c LastModifiedDate:datetime")

ENTITY = Entity(
    name="events",
    title="Events and volunteer participation",
    description="Sessions (less drafts and connector sessions) into `event`, with `event_district`, "
                "`event_skill` and `skill`; volunteer Session Participants into `event_volunteer`. Sessions "
                "get their school's district, or their students' schools' districts, after the streams.",
    intro="Events are the Sessions of the VMS org (less drafts and connector sessions), with their districts "
          "and skills, and the volunteers who took part in them. A session's district comes from the name it "
          "gives (matched through the known aliases) and from its school; a participation whose volunteer or "
          "session is not synced yet waits and is linked when it arrives.",
    depends_on=("schools", "volunteers"),
    derive=derive_event_districts,
    streams=(
        Stream(
            name="sessions",
            object="Session__c",
            fields=fields(
                "Name Session_Type__c Format__c Start_Date_and_Time__c:datetime End_Date_and_Time__c:datetime "
                "Session_Status__c Location_Information__c Description__c Cancellation_Reason__c "
                "Non_Scheduled_Students_Count__c:number District__c School__c "
                "Legacy_Skill_Covered_for_the_Session__c Legacy_Skills_Needed__c Requested_Skills__c "
                "Additional_Information__c Total_Requested_Volunteer_Jobs__c:number Available_Slots__c:number "
                "Parent_Account__c Session_Host__c Registration_Link__c LastModifiedDate:datetime"
            ),
            where="Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'",
            map=map_session,
            required=("Session_Status__c", "Session_Type__c"),
            tables=(
                Table("event", scope={"source": "salesforce"}),  # Pathful sessions are not this stream's
                Table("event_district", kind="owned", parent_column="event_id", parent_table="event",
                      scope={"source": ("district_field", "parent_account", "school")}),
                Table("skill", kind="lookup"),
                Table("event_skill", kind="owned", parent_column="event_id", parent_table="event"),
            ),
        ),
        Stream(
            name="volunteer_participants",
            object="Session_Participant__c",
            fields=PARTICIPANT_FIELDS,
            where="Participant_Type__c = 'Volunteer'",
            map=map_volunteer_participant,
            required=("Participant_Type__c", "Session__c", "Contact__c"),
            tables=(Table("event_volunteer"),),
        ),
    ),
)
