"""Events, participation, pathways and history: their mappings on odd records, and the page writer on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vmsync.entities import events, get, history
from vmsync.entities.spec import ISSUE, FirstOf, Ref, Reject
from vmsync.sync.step import _retry_open_issues

from .conftest import T0, id_of, open_issues, rec, rows, writer


def write(engine, entity: str, stream: str, records: list[dict], run: str = "r1"):
    with engine.begin() as conn:
        return writer(entity, stream, run).write(conn, records)


def retry(engine, entity: str, stream: str, run: str = "r2") -> int:
    """What the step does after every stream: map again, from the raw mirror, the records with open issues."""
    w = writer(entity, stream, run)
    with engine.begin() as conn:
        return _retry_open_issues(conn, get(entity), w.stream, w)


def derive(engine, entity: str, run: str = "r1") -> None:
    with engine.begin() as conn:
        get(entity).derive(conn, run, T0)


def session(sf_id: str, stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, **({"Name": "Career Speaker - Central", "Session_Status__c": "Completed"} | fields))


def mapped(rows_: list[tuple[str, dict]], table: str) -> list[dict]:
    return [row for tb, row in rows_ if tb == table]


# --- sessions: mapping ------------------------------------------------------------------------------------


def test_session_keeps_its_times_in_utc_and_reads_its_fields():
    start = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    out = events.map_session(session(
        "a0S1", Session_Type__c="Career Speaker", Format__c="Virtual", Start_Date_and_Time__c=start,
        End_Date_and_Time__c=start + timedelta(hours=1, minutes=15), Session_Status__c=" No Show ",
        Cancellation_Reason__c="Inclement Weather Cancellation", Non_Scheduled_Students_Count__c=12.0,
        Total_Requested_Volunteer_Jobs__c=4.0, Available_Slots__c=1.0, Session_Host__c="PREP-KC",
        Registration_Link__c='<a href="https://prepkc.org/signup?s=1" target="_blank">Sign up</a>'))
    (event,) = mapped(out, "event")
    assert event["start_at"] == start and event["end_at"].hour == 15 and event["end_at"].minute == 45
    assert (event["type"], event["format"], event["status"], event["cancellation_reason"]) == (
        "CAREER_SPEAKER", "VIRTUAL", "NO_SHOW", "WEATHER")
    assert (event["participant_count"], event["total_requested_volunteer_jobs"], event["available_slots"]) == (
        12, 4, 1)
    assert event["registration_link"] == "https://prepkc.org/signup?s=1"
    assert mapped(out, ISSUE) == []


@pytest.mark.parametrize(("link", "url"), [("https://prepkc.org/x", "https://prepkc.org/x"),
                                           ("<A HREF='https://a.org/y'>Go</A>", "https://a.org/y"),
                                           ("   ", None), (None, None)])
def test_registration_link_is_the_url(link, url):
    assert events.registration_link(link) == url


def test_session_with_no_status_is_a_draft_and_an_unknown_type_a_classroom_activity_with_a_warning():
    out = events.map_session(session("a0S1", Session_Status__c=None, Session_Type__c="Career Day"))
    (event,) = mapped(out, "event")
    assert (event["status"], event["type"], event["format"]) == ("DRAFT", "CLASSROOM_ACTIVITY", "IN_PERSON")
    assert [(w["code"], w["field"]) for w in mapped(out, ISSUE)] == [("UNKNOWN_PICKLIST", "Session_Type__c")]


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"Name": "   "}, "MISSING_REQUIRED_FIELD", "Name"),
    ({"Session_Status__c": "Postponed"}, "INVALID_PICKLIST", "Session_Status__c"),
    ({"Non_Scheduled_Students_Count__c": -3.0}, "NEGATIVE_COUNT", "Non_Scheduled_Students_Count__c"),
])
def test_session_that_cannot_be_mapped_is_rejected_with_its_field(fields, code, field):
    with pytest.raises(Reject) as exc:
        events.map_session(session("a0S1", **fields))
    assert (exc.value.code, exc.value.field) == (code, field)


def test_negative_slots_are_stored_as_zero_with_a_warning():
    out = events.map_session(session("a0S1", Available_Slots__c=-2.0))
    assert mapped(out, "event")[0]["available_slots"] == 0
    assert [(w["code"], w["field"]) for w in mapped(out, ISSUE)] == [("NEGATIVE_COUNT", "Available_Slots__c")]


def test_skills_are_split_on_commas_unquoted_spelled_out_and_unique():
    out = events.map_session(session(
        "a0S1", Legacy_Skill_Covered_for_the_Session__c='"PWY-Healthcare", Skills-Teamwork',
        Legacy_Skills_Needed__c="CSCs-Self-Management, ,ACT-Q&A", Requested_Skills__c="pwy-Healthcare, Coding"))
    assert [(s["name"], s["salesforce_id"]) for s in mapped(out, "skill")] == [
        ("Pathway: Healthcare", "skill:pathway: healthcare"), ("Skill: Teamwork", "skill:skill: teamwork"),
        ("Core Skill: Self-Management", "skill:core skill: self-management"),
        ("Activity: Q&A", "skill:activity: q&a"), ("Coding", "skill:coding")]
    assert [s["source_field"] for s in mapped(out, "event_skill")][-1] == "Requested_Skills__c"


def test_district_name_is_matched_by_its_key_then_through_its_aliases():
    (link,) = mapped(events.map_session(session("a0S1", District__c="  kckps ")), "event_district")
    assert link["source"] == "district_field" and link["district_name"] == "kckps"
    assert isinstance(link["district_id"], FirstOf) and not link["district_id"].required
    assert [r.key for r in link["district_id"].options] == [
        "kckps", "kansas city usd 500", "kansas city kansas public schools"]
    (link,) = mapped(events.map_session(session("a0S1", Parent_Account__c="Blue  Valley")), "event_district")
    assert link["source"] == "parent_account"
    assert [(r.key, r.by, r.field) for r in link["district_id"].options] == [
        ("blue valley", "name_key", "Parent_Account__c")]


def test_volunteer_participant_email_is_normalised_and_a_bad_one_dropped_with_a_warning():
    out = events.map_volunteer_participant(rec("a0P1", Session__c="a0S1", Contact__c="003V1", Status__c="Attended",
                                               Email__c="  Anna@Example.ORG ", Delivery_Hours__c=2.5))
    (row,) = mapped(out, "event_volunteer")
    assert (row["email"], row["delivery_hours"], row["status"]) == ("anna@example.org", 2.5, "Attended")
    assert row["volunteer_id"] == Ref("volunteer", "003V1", "Contact__c")
    out = events.map_volunteer_participant(rec("a0P1", Session__c="a0S1", Contact__c="003V1",
                                               Email__c="not an address", Delivery_Hours__c=0.0))
    assert (mapped(out, "event_volunteer")[0]["email"], mapped(out, "event_volunteer")[0]["delivery_hours"]) == (
        None, None)
    assert [(w["code"], w["field"]) for w in mapped(out, ISSUE)] == [("INVALID_EMAIL", "Email__c")]


def test_participant_with_no_contact_is_rejected():
    with pytest.raises(Reject) as exc:
        events.map_volunteer_participant(rec("a0P1", Session__c="a0S1", Contact__c=None))
    assert (exc.value.code, exc.value.field) == ("MISSING_REQUIRED_FIELD", "Contact__c")


# --- history: mapping -------------------------------------------------------------------------------------


def test_task_is_typed_as_the_vms_does_and_its_html_described_as_text():
    (row,) = mapped(history.map_task(rec(
        "00T1", WhoId="003V1", WhatId="a0S1", Type="Email", Status="Completed", ActivityDate=date(2026, 2, 3),
        Subject="Follow up", Description="<p>Spoke with Anna.</p>&nbsp;<p>Next step:\n  call &amp; write</p>")), "history")
    assert (row["history_type"], row["activity_type"], row["email_message_id"]) == ("activity", "Email", "00T1")
    assert row["description"] == "Spoke with Anna. Next step: call & write"
    assert row["activity_date"] == date(2026, 2, 3) and row["activity_at"] is None
    assert row["event_id"] == Ref("event", "a0S1", "WhatId", required=False)
    for task_type, kind in (("Call", "activity"), ("status_update", "status_change"), ("Meeting", "note"),
                            (None, "note")):
        assert history.map_task(rec("00T1", WhoId="003V1", Type=task_type))[0][1]["history_type"] == kind


def test_task_about_an_account_is_not_looked_for_among_sessions():
    (row,) = mapped(history.map_task(rec("00T1", WhoId="003V1", WhatId="001A1")), "history")
    assert row["event_id"] is None and row["related_salesforce_id"] == "001A1"


@pytest.mark.parametrize(("who", "code"), [(None, "MISSING_REQUIRED_FIELD"), ("00Q000000000001AAA", "NOT_A_CONTACT")])
def test_task_with_no_contact_is_rejected(who, code):
    with pytest.raises(Reject) as exc:
        history.map_task(rec("00T1", WhoId=who))
    assert (exc.value.code, exc.value.field) == (code, "WhoId")


def test_email_finds_its_contact_by_recipients_then_sender_then_what_it_is_filed_under():
    (row,) = mapped(history.map_email(rec(
        "02s1", RelatedToId="500C1", ToAddress=" Anna@Example.com ; Bob <BOB@x.org>, ", FromAddress="staff@prepkc.org",
        MessageDate=datetime(2026, 2, 3, 23, 30, tzinfo=UTC), Incoming=False, Subject="Hello",
        HtmlBody="<html><body><p>Hi&nbsp;Anna,</p><p>See you.</p></body></html>")), "history")
    options = row["contact_id"].options
    assert [(r.table, r.key, r.field) for r in options] == [
        ("email", "anna@example.com", "ToAddress"), ("email", "bob@x.org", "ToAddress"),
        ("email", "staff@prepkc.org", "FromAddress"), ("support_case", "500C1", "RelatedToId")]
    assert options[0].take == "contact_id" and row["contact_id"].field == "ToAddress"
    assert row["activity_at"] == datetime(2026, 2, 3, 23, 30, tzinfo=UTC) and row["activity_date"] == date(2026, 2, 3)
    assert (row["activity_status"], row["event_id"]) == ("Sent", None)
    assert row["description"] == ("From: staff@prepkc.org\nTo: Anna@Example.com ; Bob <BOB@x.org>,\n"
                                  "Subject: Hello\nBody:\nHi Anna, See you.")


def test_email_with_nothing_to_match_is_rejected():
    with pytest.raises(Reject) as exc:
        history.map_email(rec("02s1", RelatedToId="001A1"))
    assert (exc.value.code, exc.value.field) == ("NO_CONTACT", "RelatedToId")


# --- writer: sessions, participation, districts -------------------------------------------------------------


def places(engine) -> None:
    """Two districts (one known by an alias), a school in each, as the schools step writes them."""
    write(engine, "schools", "districts", [rec("001D1", Name="KANSAS CITY USD 500"), rec("001D2", Name="BLUE VALLEY")])
    write(engine, "schools", "schools", [rec("001S1", Name="Wyandotte High", ParentId="001D1"),
                                         rec("001S2", Name="Blue Valley North", ParentId="001D2")])


def volunteer(sf_id: str, stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, LastName="SMITH", FirstName="ANNA", Contact_Type__c="Volunteer", **fields)


def student(sf_id: str, school: str, stamp: int = 0) -> dict:
    return rec(sf_id, stamp, LastName="Lee", FirstName="Sam", Contact_Type__c="Student",
               npsp__Primary_Affiliation__c=school)


def test_a_bad_session_costs_only_itself(engine):
    counts = write(engine, "events", "sessions", [
        session("a0S1"), session("a0S2", Name=" "), session("a0S3", Session_Status__c="Postponed"),
        session("a0S4", Non_Scheduled_Students_Count__c=-1.0), session("a0S5", Session_Status__c=None)])
    assert (counts.extracted, counts.new, counts.rejected) == (5, 5, 3)
    assert rows(engine, "event", "salesforce_id", "status", live=True) == [("a0S1", "COMPLETED"), ("a0S5", "DRAFT")]
    assert open_issues(engine) == [("a0S2", "rejected", "MISSING_REQUIRED_FIELD", "Name"),
                                   ("a0S3", "rejected", "INVALID_PICKLIST", "Session_Status__c"),
                                   ("a0S4", "rejected", "NEGATIVE_COUNT", "Non_Scheduled_Students_Count__c")]


def test_session_districts_by_name_alias_and_school(engine):
    places(engine)
    write(engine, "events", "sessions", [
        session("a0S1", School__c="001S1", District__c="KCKPS"),
        session("a0S2", School__c="001S2", Parent_Account__c="kansas city  usd 500"),
        session("a0S3", District__c="Nowhere USD 9")])
    derive(engine, "events")
    d1, d2 = id_of(engine, "district", "001D1"), id_of(engine, "district", "001D2")
    assert rows(engine, "event_district", "salesforce_id", "district_id", "source", live=True) == [
        ("a0S1:district:name", d1, "district_field"), ("a0S1:district:school", d1, "school"),
        ("a0S2:district:name", d1, "parent_account"), ("a0S2:district:school", d2, "school"),
        ("a0S3:district:name", None, "district_field")]
    assert open_issues(engine, "events") == [("a0S3", "orphan", "LINK_PENDING", "District__c")]

    write(engine, "schools", "districts", [rec("001D9", Name="NOWHERE USD 9")])
    assert retry(engine, "events", "sessions") == 1
    assert rows(engine, "event_district", "district_id", live=True)[-1] == (id_of(engine, "district", "001D9"),)


def test_session_districts_follow_its_school(engine):
    places(engine)
    write(engine, "events", "sessions", [session("a0S1", School__c="001S9")])
    assert open_issues(engine, "events") == [("a0S1", "orphan", "LINK_PENDING", "School__c")]
    derive(engine, "events")
    assert rows(engine, "event_district", "salesforce_id", "district_id", live=True) == [("a0S1:district:school", None)]

    write(engine, "schools", "schools", [rec("001S9", Name="Late School", ParentId="001D2")])
    assert retry(engine, "events", "sessions") == 1
    derive(engine, "events", "r2")
    d1, d2 = id_of(engine, "district", "001D1"), id_of(engine, "district", "001D2")
    assert rows(engine, "event_district", "district_id", "source", live=True) == [(d2, "school")]

    write(engine, "schools", "schools", [rec("001S9", 5, Name="Late School", ParentId="001D1")], run="r3")
    derive(engine, "events", "r3")
    assert rows(engine, "event_district", "district_id", "run_id", live=True) == [(d1, "r3")]
    derive(engine, "events", "r4")
    assert rows(engine, "event_district", "district_id", "run_id", live=True) == [(d1, "r3")]


def test_early_participation_waits_then_links_when_its_volunteer_arrives(engine):
    write(engine, "events", "sessions", [session("a0S1")])
    counts = write(engine, "events", "volunteer_participants", [
        rec("a0P1", Session__c="a0S1", Contact__c="003V1", Status__c="Registered"),
        rec("a0P2", Session__c="a0S404", Contact__c="003V1", Status__c="Registered")])
    assert (counts.orphaned, rows(engine, "event_volunteer", "salesforce_id", live=True)) == (2, [])
    assert open_issues(engine, "events") == [("a0P1", "orphan", "PARENT_MISSING", "Contact__c"),
                                             ("a0P2", "orphan", "PARENT_MISSING", "Contact__c"),
                                             ("a0P2", "orphan", "PARENT_MISSING", "Session__c")]

    write(engine, "volunteers", "volunteers", [volunteer("003V1")])
    assert retry(engine, "events", "volunteer_participants") == 2   # a0P1 linked; a0P2's contact found
    assert rows(engine, "event_volunteer", "salesforce_id", "event_id", "volunteer_id", "status", live=True) == [
        ("a0P1", id_of(engine, "event", "a0S1"), id_of(engine, "volunteer", "003V1"), "Registered")]
    assert open_issues(engine, "events") == [("a0P2", "orphan", "PARENT_MISSING", "Session__c")]

    write(engine, "events", "volunteer_participants", [
        rec("a0P1", 9, Session__c="a0S1", Contact__c="003V1", Status__c="Attended", Delivery_Hours__c=2.0,
            Age_Group__c="Middle School", Email__c="ANNA@X.ORG", Title__c="Engineer")], run="r3")
    assert rows(engine, "event_volunteer", "status", "delivery_hours", "age_group", "email", "title", live=True) == [
        ("Attended", 2.0, "Middle School", "anna@x.org", "Engineer")]


def test_student_participation_is_updated_when_it_changes_and_infers_districts(engine):
    places(engine)
    write(engine, "students", "students", [student("003T1", "001S1"), student("003T2", "001S2"),
                                           student("003T3", "001S2")])
    write(engine, "events", "sessions", [session("a0S1"), session("a0S2", School__c="001S1"),
                                         session("a0S3", Session_Status__c="Published")])
    write(engine, "student_participation", "student_participants", [
        rec("a0P1", Session__c="a0S1", Contact__c="003T1", Status__c="Registered"),
        rec("a0P2", Session__c="a0S1", Contact__c="003T2", Status__c="Registered"),
        rec("a0P3", Session__c="a0S1", Contact__c="003T3", Status__c="Registered"),
        rec("a0P4", Session__c="a0S2", Contact__c="003T2", Status__c="Registered"),
        rec("a0P5", Session__c="a0S3", Contact__c="003T404")])
    assert open_issues(engine, "student_participation") == [("a0P5", "orphan", "PARENT_MISSING", "Contact__c")]
    derive(engine, "student_participation")
    d1, d2 = id_of(engine, "district", "001D1"), id_of(engine, "district", "001D2")
    assert rows(engine, "event_district", "salesforce_id", "district_id", "source", live=True) == [
        ("a0S1:district:001D1", d1, "students"), ("a0S1:district:001D2", d2, "students"),
        ("a0S2:district:school", d1, "school")]

    counts = write(engine, "student_participation", "student_participants", [
        rec("a0P1", 7, Session__c="a0S1", Contact__c="003T1", Status__c="Attended", Delivery_Hours__c=1.5,
            Age_Group__c="High School")], run="r2")
    assert counts.updated == 1
    assert rows(engine, "event_student", "salesforce_id", "status", "delivery_hours", "age_group", live=True)[0] == (
        "a0P1", "Attended", 1.5, "High School")

    # the session gets a district name: the inferred districts give way to it
    write(engine, "events", "sessions", [session("a0S1", 9, District__c="Blue Valley")], run="r3")
    derive(engine, "student_participation", "r3")
    assert [r for r in rows(engine, "event_district", "salesforce_id", "source", live=True) if r[0].startswith("a0S1")] == [
        ("a0S1:district:name", "district_field")]


# --- writer: pathways and history ----------------------------------------------------------------------------


def test_pathway_links_wait_for_their_parents(engine):
    write(engine, "pathways", "pathways", [rec("a0W1", Name="Healthcare Pathway"), rec("a0W2", Name="")])
    write(engine, "events", "sessions", [session("a0S1")])
    write(engine, "pathways", "pathway_sessions", [rec("a0X1", Pathway__c="a0W1", Session__c="a0S1")])
    write(engine, "pathways", "pathway_participants", [rec("a0Y1", Pathway__c="a0W1", Contact__c="003T1")])
    assert rows(engine, "pathway_event", "salesforce_id", live=True) == [("a0X1",)]
    assert open_issues(engine, "pathways") == [("a0W2", "rejected", "MISSING_REQUIRED_FIELD", "Name"),
                                               ("a0Y1", "orphan", "PARENT_MISSING", "Contact__c")]
    write(engine, "students", "students", [student("003T1", "001S1")])
    assert retry(engine, "pathways", "pathway_participants") == 1
    assert rows(engine, "pathway_contact", "contact_id", live=True) == [(id_of(engine, "contact", "003T1"),)]


def test_history_finds_contacts_waits_for_unknown_ones_and_is_updated(engine):
    write(engine, "volunteers", "volunteers", [volunteer("003V1", Email="Anna@Example.org"),
                                               volunteer("003V2", Email="bo@example.org")])
    write(engine, "events", "sessions", [session("a0S1")])
    write(engine, "history", "cases", [rec("500C1", ContactId="003V2"), rec("500C2", ContactId="003V404")])
    write(engine, "history", "tasks", [
        rec("00T1", WhoId="003V1", WhatId="a0S1", Type="Call", Subject="Call"),
        rec("00T2", WhoId="003V9", WhatId="001A1", Subject="Early"),
        rec("00T3", WhoId="00Q000000000001AAA", Subject="Lead")])
    write(engine, "history", "email_messages", [
        rec("02s1", RelatedToId="001A1", ToAddress="  ANNA@example.ORG ", FromAddress="staff@prepkc.org"),
        rec("02s2", RelatedToId="500C1", ToAddress="nobody@unknown-mail.com", Incoming=True),
        rec("02s3", RelatedToId="003V2", FromAddress="someone@else.org", Incoming=True),
        rec("02s4", RelatedToId="a0S1", FromAddress="someone@else.org")])
    v1, v2 = id_of(engine, "contact", "003V1"), id_of(engine, "contact", "003V2")
    assert rows(engine, "history", "salesforce_id", "source_object", "contact_id", "event_id", live=True) == [
        ("00T1", "Task", v1, id_of(engine, "event", "a0S1")), ("02s1", "EmailMessage", v1, None),
        ("02s2", "EmailMessage", v2, None), ("02s3", "EmailMessage", v2, None)]
    assert open_issues(engine, "history") == [
        ("00T2", "orphan", "PARENT_MISSING", "WhoId"), ("00T3", "rejected", "NOT_A_CONTACT", "WhoId"),
        ("02s4", "orphan", "PARENT_MISSING", "FromAddress"), ("500C2", "orphan", "PARENT_MISSING", "ContactId")]

    write(engine, "volunteers", "volunteers", [volunteer("003V9")], run="r2")
    assert retry(engine, "history", "tasks") == 1
    write(engine, "history", "tasks", [rec("00T1", 5, WhoId="003V1", Type="Call", Subject="Call again",
                                           Status="Completed")], run="r3")
    assert rows(engine, "history", "salesforce_id", "summary", "activity_status", "event_id", live=True)[:2] == [
        ("00T1", "Call again", "Completed", None), ("00T2", "Early", None, None)]


def test_a_task_and_an_email_do_not_retire_each_other(engine):
    write(engine, "volunteers", "volunteers", [volunteer("003V1", Email="a@b.org")])
    write(engine, "history", "tasks", [rec("00T1", WhoId="003V1")])
    write(engine, "history", "email_messages", [rec("02s1", RelatedToId="003V1", ToAddress="a@b.org")])
    with engine.begin() as conn:
        gone = writer("history", "tasks", "r2").mark_deleted(conn, ["00T1", "02s1"])
    assert gone == 1
    assert rows(engine, "history", "salesforce_id", live=True) == [("02s1",)]
