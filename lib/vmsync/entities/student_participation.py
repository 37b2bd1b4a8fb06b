"""Student participation: Session Participants of type Student (docs/vms-org.md#student-participation).

Unlike the VMS import (defect 8 in docs/vms-org.md#defects), a participation already synced is updated when it
changes, and one whose session or student is not synced yet waits as an orphan until it is. After the stream,
sessions with no school and no district name get their students' schools' districts
(docs/vms-org.md#unaffiliated), now that the students and their participations are here.
"""

from __future__ import annotations

from .events import PARTICIPANT_FIELDS, derive_event_districts, hours
from .normalize import required, text
from .spec import Entity, Ref, Stream, Table


def map_student_participant(r: dict) -> list[tuple[str, dict]]:
    session = required(r, "Session__c")
    contact = required(r, "Contact__c")
    return [("event_student", {
        "salesforce_id": r["Id"],
        "event_id": Ref("event", session, "Session__c"),
        "student_id": Ref("student", contact, "Contact__c"),
        "status": text(r.get("Status__c")),
        "delivery_hours": hours(r),
        "age_group": text(r.get("Age_Group__c")),
    })]


ENTITY = Entity(
    name="student_participation",
    title="Student participation",
    description="Student Session Participants into `event_student`; then sessions with no school and no "
                "district get their students' schools' districts in `event_district`.",
    intro="Student participation is the Session Participants of type Student: which student took part in "
          "which session, with status and hours. Changes in Salesforce are applied to participations already "
          "synced. Afterwards, sessions with no school and no district get their students' schools' "
          "districts.",
    depends_on=("events", "students"),
    derive=derive_event_districts,
    streams=(
        Stream(
            name="student_participants",
            object="Session_Participant__c",
            fields=PARTICIPANT_FIELDS,
            where="Participant_Type__c = 'Student'",
            map=map_student_participant,
            required=("Participant_Type__c", "Session__c", "Contact__c"),
            tables=(Table("event_student"),),
        ),
    ),
)
