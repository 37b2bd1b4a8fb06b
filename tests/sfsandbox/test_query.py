"""The SOQL engine against a real store file layout: the VMS queries, Salesforce semantics, REST and CSV pages."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfsandbox import schema, store
from sfsandbox.query import MAX_JOINED_TABLES, run_query
from sfsandbox.soql import SoqlError
from sfsandbox.values import to_csv, to_json, to_storage

NOW = datetime(2026, 5, 2, 15, 30, tzinfo=UTC)
VERSION = "59.0"


# --- a small coherent org ----------------------------------------------------------------------------------

def new_db(path=":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    store.create_tables(conn)
    store.create_indexes(conn)
    store.create_org(conn, "2026-01-01T00:00:00.000Z")
    return conn


def add(conn: sqlite3.Connection, object_name: str, **values) -> str:
    """Insert one record given API values (any case of field name); returns its Id."""
    obj = schema.sobject(object_name)
    (rid,) = store.allocate_ids(conn, obj, 1)
    row = {"Id": rid}
    for name, value in values.items():
        f = obj.field(name)
        row[f.name] = to_storage(f, value)
    user = conn.execute("SELECT \"Id\" FROM \"User\"").fetchone()[0]
    store.insert_rows(conn, obj, [row], now="2026-01-01T00:00:00.000Z", user_id=user)
    return rid


def run(conn, soql: str, *, include_deleted: bool = False, bulk: bool = False):
    return run_query(conn, soql, include_deleted=include_deleted, now=NOW, bulk=bulk)


def records(conn, soql: str, **kw) -> list[dict]:
    return run(conn, soql, **kw).records(conn, 0, 100_000, VERSION)


def ids(conn, soql: str, **kw) -> list[str]:
    return [r["Id"] for r in records(conn, soql, **kw)]


def refused(conn, soql: str, **kw) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        run(conn, soql, **kw)
    return info.value


class Org:
    """The Ids of the records of the ``org`` fixture, by name."""


@pytest.fixture
def org():
    conn = new_db()
    o = Org()
    o.conn = conn
    o.household = add(conn, "Account", Name="Smith Household", Type="Household")
    o.district = add(conn, "Account", Name="KANSAS CITY USD 500", Type="School District",
                     School_Code_External_ID__c="KCPS")
    o.school = add(conn, "Account", Name="Central High", Type="School", ParentId=o.district,
                   Connector_Account_Name__c="central high")
    o.business = add(conn, "Account", Name="acme corp", Type="Business", Description="Makes anvils",
                     BillingCity="Kansas City", LastActivityDate="2026-04-30")
    o.typeless = add(conn, "Account", Name="Blue Org")
    o.gone_org = add(conn, "Account", Name="Zed Gone", Type="Business", IsDeleted=True)
    o.klass = add(conn, "Class__c", Name="Grade 9 - 2025", School__c=o.school, Class_Year_Number__c=2025)
    o.volunteer = add(conn, "Contact", FirstName="Jane", LastName="Smith", Contact_Type__c="Volunteer",
                      AccountId=o.household, npsp__Primary_Affiliation__c=o.business, Email="jane@x.org",
                      DoNotCall=True, Number_of_Attended_Volunteer_Sessions__c=3, Birthdate="1980-02-29",
                      EmailBouncedDate="2026-05-01T06:00:00Z", MailingStreet="1 Main St", MailingCity="KC",
                      MailingState="MO", MailingPostalCode="64105", MailingCountry="US",
                      Volunteer_Interests__c="Tutoring;Mentoring", LastModifiedDate="2026-05-01T07:00:00Z")
    o.blank_type = add(conn, "Contact", FirstName="Bo", LastName="blank", AccountId=o.household,
                       LastModifiedDate="2026-04-01T00:00:00Z")
    o.teacher = add(conn, "Contact", FirstName="Tea", LastName="Cher", Contact_Type__c="Teacher",
                    npsp__Primary_Affiliation__c=o.school, Department="Math")
    o.student1 = add(conn, "Contact", FirstName="Stu", LastName="One", Contact_Type__c="Student",
                     Class__c=o.klass, npsp__Primary_Affiliation__c=o.school, Current_Grade__c=9,
                     LastModifiedDate="2026-05-01T08:00:00Z")
    o.student2 = add(conn, "Contact", FirstName="Stu", LastName="Two", Contact_Type__c="Student",
                     Class__c=o.klass, LastModifiedDate="2026-04-01T00:00:00Z")
    o.gone_volunteer = add(conn, "Contact", LastName="Gone", Contact_Type__c="Volunteer", IsDeleted=True,
                           AccountId=o.gone_org)
    o.affiliation = add(conn, "npe5__Affiliation__c", Name="AF-1", npe5__Organization__c=o.business,
                        npe5__Contact__c=o.volunteer, npe5__Primary__c=True, npe5__Status__c="Current",
                        npe5__StartDate__c="2020-01-01")
    o.affiliation2 = add(conn, "npe5__Affiliation__c", Name="AF-2", npe5__Organization__c=o.school,
                         npe5__Contact__c=o.student1)
    o.event = add(conn, "Session__c", Name="Career Day", Session_Type__c="Career Speaker",
                  Session_Status__c="Completed", Start_Date_and_Time__c="2026-04-01T15:00:00Z",
                  School__c=o.school, Non_Scheduled_Students_Count__c=12, Start_Date__c="2026-05-10",
                  Available_Slots__c=3, CreatedDate="2026-01-02T00:00:00Z")
    o.draft = add(conn, "Session__c", Name="Draft one", Session_Status__c="Draft", District__c="KCPS",
                  Start_Date_and_Time__c="2026-03-01T15:00:00Z", CreatedDate="2026-01-03T00:00:00Z")
    o.connector = add(conn, "Session__c", Name="Connector", Session_Type__c="Connector Session",
                      Session_Status__c="Completed", Parent_Account__c="KCPS",
                      Start_Date_and_Time__c="2026-02-01T15:00:00Z", CreatedDate="2026-01-04T00:00:00Z")
    o.unaffiliated = add(conn, "Session__c", Name="Loose", CreatedDate="2026-01-05T00:00:00Z")
    o.p_volunteer = add(conn, "Session_Participant__c", Name="SP-1", Contact__c=o.volunteer, Session__c=o.event,
                        Participant_Type__c="Volunteer", Status__c="Attended", Delivery_Hours__c=1.5)
    o.p_student1 = add(conn, "Session_Participant__c", Name="SP-2", Contact__c=o.student1, Session__c=o.event,
                       Participant_Type__c="Student", Status__c="Attended")
    o.p_student2 = add(conn, "Session_Participant__c", Name="SP-3", Contact__c=o.student2,
                       Session__c=o.unaffiliated, Participant_Type__c="Student")
    o.p_nobody = add(conn, "Session_Participant__c", Name="SP-4", Session__c=o.unaffiliated,
                     Participant_Type__c="Student")
    o.task = add(conn, "Task", Subject="Call Jane", WhoId=o.volunteer, WhatId=o.event, Type="Call",
                 ActivityDate="2026-04-02")
    o.orphan_task = add(conn, "Task", Subject="No one")
    o.email = add(conn, "EmailMessage", Subject="Hi", RelatedToId=o.volunteer, Incoming=True,
                  MessageDate="2026-04-03T10:00:00Z", ToAddress="jane@x.org")
    o.loose_email = add(conn, "EmailMessage", Subject="Lost")
    o.case = add(conn, "Case", Subject="Help", ContactId=o.volunteer)
    o.pathway = add(conn, "Pathway__c", Name="Health")
    add(conn, "Pathway_Session__c", Name="PS-1", Session__c=o.event, Pathway__c=o.pathway)
    add(conn, "Pathway_Participant__c", Name="PP-1", Contact__c=o.volunteer, Pathway__c=o.pathway)
    yield o
    conn.close()


# --- the VMS queries (docs/vms-org.md#imports), verbatim ----------------------------------------------------

ORGANIZATIONS = """SELECT Id, Name, Type, Description, ParentId,
       BillingStreet, BillingCity, BillingState,
       BillingPostalCode, BillingCountry, LastActivityDate, LastModifiedDate
FROM Account
WHERE Type NOT IN ('Household', 'School District', 'School')
 ORDER BY Name ASC"""

AFFILIATIONS = """SELECT Id, Name, npe5__Organization__c, npe5__Contact__c,
       npe5__Role__c, npe5__Primary__c, npe5__Status__c,
       npe5__StartDate__c, npe5__EndDate__c, LastModifiedDate
FROM npe5__Affiliation__c
WHERE Id != null"""

DISTRICTS = """SELECT Id, Name, School_Code_External_ID__c, LastModifiedDate
FROM Account
WHERE Type = 'School District'"""

SCHOOLS = """SELECT Id, Name, ParentId, Connector_Account_Name__c, School_Code_External_ID__c, LastModifiedDate
FROM Account
WHERE Type = 'School'"""

DISTRICTS_ONLY = """SELECT Id, Name, School_Code_External_ID__c
FROM Account
WHERE Type = 'School District'"""

CLASSES = """SELECT Id, Name, School__c, Class_Year_Number__c, LastModifiedDate
FROM Class__c
WHERE Id != null"""

VOLUNTEERS = """SELECT Id, AccountId, FirstName, LastName, MiddleName, Email,
       npe01__AlternateEmail__c, npe01__HomeEmail__c,
       npe01__WorkEmail__c, npe01__Preferred_Email__c,
       HomePhone, MobilePhone, npe01__WorkPhone__c, Phone,
       npe01__PreferredPhone__c,
       npsp__Primary_Affiliation__c, Title, Department, Gender__c,
       Birthdate, Last_Mailchimp_Email_Date__c, Last_Volunteer_Date__c,
       Last_Email_Message__c, Volunteer_Recruitment_Notes__c,
       Volunteer_Skills__c, Volunteer_Skills_Text__c,
       Volunteer_Interests__c,
       Number_of_Attended_Volunteer_Sessions__c,
       Racial_Ethnic_Background__c,
       Last_Activity_Date__c,
       First_Volunteer_Date__c,
       Last_Non_Internal_Email_Activity__c,
       Description, Highest_Level_of_Educational__c, Age_Group__c,
       DoNotCall, npsp__Do_Not_Contact__c, HasOptedOutOfEmail,
       EmailBouncedDate,
       MailingAddress, npe01__Home_Address__c, npe01__Work_Address__c,
       npe01__Other_Address__c, npe01__Primary_Address_Type__c,
       npe01__Secondary_Address_Type__c,
       Connector_Active_Subscription__c,
       Connector_Active_Subscription_Name__c,
       Connector_Affiliations__c,
       Connector_Industry__c,
       Connector_Joining_Date__c,
       Connector_Last_Login_Date_Time__c,
       Connector_Last_Update_Date__c,
       Connector_Profile_Link__c,
       Connector_Role__c,
       Connector_SignUp_Role__c,
       Connector_User_ID__c,
       LastModifiedDate
FROM Contact
WHERE (Contact_Type__c = 'Volunteer' OR Contact_Type__c = '')"""

TEACHERS = """SELECT Id, AccountId, FirstName, LastName, Email,
       npsp__Primary_Affiliation__c, Department, Gender__c,
       Phone, Last_Email_Message__c, Last_Mailchimp_Email_Date__c,
       LastModifiedDate
FROM Contact
WHERE Contact_Type__c = 'Teacher'"""

STUDENT_COUNT = """SELECT COUNT(Id) total
FROM Contact
WHERE Contact_Type__c = 'Student'"""

STUDENT_PAGE = """SELECT Id, AccountId, FirstName, LastName, MiddleName, Email, Phone,
       Local_Student_ID__c, Birthdate, Gender__c, Racial_Ethnic_Background__c,
       npsp__Primary_Affiliation__c, Class__c, Legacy_Grade__c, Current_Grade__c,
       LastModifiedDate
FROM Contact
WHERE Contact_Type__c = 'Student'
{where_clause}
{delta_clause}
ORDER BY Id
LIMIT {limit}"""

EVENTS = """SELECT Id, Name, Session_Type__c, Format__c, Start_Date_and_Time__c,
    End_Date_and_Time__c, Session_Status__c, Location_Information__c,
    Description__c, Cancellation_Reason__c, Non_Scheduled_Students_Count__c,
    District__c, School__c, Legacy_Skill_Covered_for_the_Session__c,
    Legacy_Skills_Needed__c, Requested_Skills__c, Additional_Information__c,
    Total_Requested_Volunteer_Jobs__c, Available_Slots__c, Parent_Account__c,
    Session_Host__c, Registration_Link__c, LastModifiedDate
FROM Session__c
WHERE Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'
 ORDER BY Start_Date_and_Time__c DESC"""

VOLUNTEER_PARTICIPANTS = """SELECT
    Id,
    Name,
    Contact__c,
    Session__c,
    Status__c,
    Delivery_Hours__c,
    Age_Group__c,
    Email__c,
    Title__c,
    LastModifiedDate
FROM Session_Participant__c
WHERE Participant_Type__c = 'Volunteer'"""

STUDENT_PARTICIPATIONS = """SELECT
    Id,
    Name,
    Contact__c,
    Session__c,
    Status__c,
    Delivery_Hours__c,
    Age_Group__c,
    Email__c,
    Title__c,
    LastModifiedDate
FROM Session_Participant__c
WHERE Participant_Type__c = 'Student'
 ORDER BY Session__c, Name"""

UNAFFILIATED_STUDENTS = """SELECT Session__c, Contact__c
FROM Session_Participant__c
WHERE Participant_Type__c = 'Student' AND Contact__c != NULL"""

UNAFFILIATED_SESSIONS = """SELECT Id, Name, Session_Type__c, Format__c, Start_Date_and_Time__c,
       End_Date_and_Time__c, Session_Status__c, Location_Information__c,
       Description__c, Cancellation_Reason__c, Non_Scheduled_Students_Count__c,
       District__c, School__c, Legacy_Skill_Covered_for_the_Session__c,
       Legacy_Skills_Needed__c, Requested_Skills__c, Additional_Information__c,
       Total_Requested_Volunteer_Jobs__c, Available_Slots__c, Parent_Account__c,
       Session_Host__c
FROM Session__c
WHERE School__c = NULL AND District__c = NULL AND Parent_Account__c = NULL
ORDER BY CreatedDate DESC"""

UNAFFILIATED_VOLUNTEER_BATCH = """SELECT Id, Name, Contact__c, Session__c, Status__c, Delivery_Hours__c
FROM Session_Participant__c
WHERE Participant_Type__c = 'Volunteer' AND Session__c IN ({ids})"""

UNAFFILIATED_STUDENT_BATCH = """SELECT Id, Name, Contact__c, Session__c, Status__c, Delivery_Hours__c, Age_Group__c
FROM Session_Participant__c
WHERE Participant_Type__c = 'Student' AND Session__c IN ({ids})"""

HISTORY_TASKS = """SELECT Id, Subject, Description, Type, Status,
       ActivityDate, WhoId, WhatId, LastModifiedDate
FROM Task
WHERE WhoId != null"""

HISTORY_EMAILS = """SELECT Id, Subject, TextBody, HtmlBody, MessageDate, FromAddress,
       ToAddress, CcAddress, BccAddress, RelatedToId, ParentId,
       Incoming, Status, CreatedDate, LastModifiedDate,
       MessageIdentifier, ThreadIdentifier
FROM EmailMessage
WHERE RelatedToId != null"""

HISTORY_CASES = "SELECT Id, ContactId FROM Case WHERE Id IN ({ids})"

HISTORY_ACCOUNT_CONTACTS = ("SELECT AccountId, Id, Email FROM Contact WHERE AccountId IN ({ids}) AND "
                            "(Contact_Type__c = 'Volunteer' OR Contact_Type__c = '' OR Contact_Type__c = 'Teacher')")

PATHWAYS = """SELECT Id, Name
FROM Pathway__c"""

PATHWAY_SESSIONS = """SELECT Session__c, Pathway__c
FROM Pathway_Session__c"""

PATHWAY_PARTICIPANTS = """SELECT Contact__c, Pathway__c
FROM Pathway_Participant__c"""

DELTA = " AND LastModifiedDate > 2026-05-01T06:00:00Z"


def _quoted_ids(*values: str) -> str:
    return ", ".join(f"'{v}'" for v in values)


def test_organizations_include_typeless_and_skip_deleted(org):
    result = run(org.conn, ORGANIZATIONS)
    assert result.object_name == "Account"
    names = [r["Name"] for r in result.records(org.conn, 0, 100, VERSION)]
    assert names == ["acme corp", "Blue Org"]  # case-insensitive order; NULL Type passes NOT IN
    first = result.records(org.conn, 0, 1, VERSION)[0]
    assert list(first) == ["attributes", "Id", "Name", "Type", "Description", "ParentId", "BillingStreet",
                           "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry",
                           "LastActivityDate", "LastModifiedDate"]
    assert first["LastActivityDate"] == "2026-04-30"
    assert first["LastModifiedDate"] == "2026-01-01T00:00:00.000+0000"


def test_affiliations_schools_districts_classes(org):
    affiliations = records(org.conn, AFFILIATIONS)
    assert [a["Id"] for a in affiliations] == [org.affiliation, org.affiliation2]
    assert affiliations[0]["npe5__Primary__c"] is True and affiliations[1]["npe5__Primary__c"] is False
    assert ids(org.conn, DISTRICTS) == ids(org.conn, DISTRICTS_ONLY) == [org.district]
    (school,) = records(org.conn, SCHOOLS)
    assert (school["ParentId"], school["Connector_Account_Name__c"]) == (org.district, "central high")
    (klass,) = records(org.conn, CLASSES)
    assert klass["Class_Year_Number__c"] == 2025.0 and isinstance(klass["Class_Year_Number__c"], float)


def test_volunteers_are_volunteer_or_blank_type(org):
    result = run(org.conn, VOLUNTEERS)
    assert result.total_size == 2
    jane, bo = result.records(org.conn, 0, 10, VERSION)
    assert (jane["Id"], bo["Id"]) == (org.volunteer, org.blank_type)
    assert len(result.columns) == 57 and list(jane)[1:] == list(result.columns)
    assert jane["MailingAddress"] == {"street": "1 Main St", "city": "KC", "state": "MO", "postalCode": "64105",
                                      "country": "US", "geocodeAccuracy": None, "latitude": None,
                                      "longitude": None}
    assert bo["MailingAddress"] is None
    assert (jane["DoNotCall"], jane["HasOptedOutOfEmail"]) == (True, False)
    assert jane["Number_of_Attended_Volunteer_Sessions__c"] == 3.0
    assert jane["EmailBouncedDate"] == "2026-05-01T06:00:00.000+0000"
    assert jane["Volunteer_Interests__c"] == "Tutoring;Mentoring"
    assert jane["Birthdate"] == "1980-02-29"
    assert bo["FirstName"] == "Bo" and bo["Email"] is None
    assert ids(org.conn, VOLUNTEERS + DELTA) == [org.volunteer]


def test_teachers_and_student_count(org):
    assert ids(org.conn, TEACHERS) == [org.teacher]
    result = run(org.conn, STUDENT_COUNT)
    assert (result.total_size, result.is_count, result.columns) == (1, False, ("total",))
    assert result.records(org.conn, 0, 10, VERSION) == [{"attributes": {"type": "AggregateResult"}, "total": 2}]
    delta = run(org.conn, STUDENT_COUNT + DELTA).records(org.conn, 0, 10, VERSION)
    assert delta[0]["total"] == 1


def test_student_pages_by_id_cursor(org):
    first = STUDENT_PAGE.format(where_clause="", delta_clause="", limit=1)
    assert ids(org.conn, first) == [org.student1]
    after = STUDENT_PAGE.format(where_clause=f"AND Id > '{org.student1}'", delta_clause="", limit=2000)
    assert ids(org.conn, after) == [org.student2]
    after15 = STUDENT_PAGE.format(where_clause=f"AND Id > '{org.student1[:15]}'", delta_clause="", limit=2000)
    assert ids(org.conn, after15) == [org.student2]
    delta = STUDENT_PAGE.format(where_clause="", delta_clause=DELTA.strip(), limit=2000)
    (row,) = records(org.conn, delta)
    assert (row["Id"], row["Class__c"], row["Current_Grade__c"]) == (org.student1, org.klass, 9.0)


def test_events_keep_null_status_and_sort_desc_nulls_first(org):
    # NULL status passes != 'Draft'; with DESC, nulls still come first unless NULLS LAST is written.
    assert ids(org.conn, EVENTS) == [org.unaffiliated, org.event]
    assert ids(org.conn, EVENTS.replace("DESC", "DESC NULLS LAST")) == [org.event, org.unaffiliated]
    event = records(org.conn, EVENTS)[1]
    assert event["Non_Scheduled_Students_Count__c"] == 12.0
    assert event["Start_Date_and_Time__c"] == "2026-04-01T15:00:00.000+0000"


def test_participants(org):
    (volunteer,) = records(org.conn, VOLUNTEER_PARTICIPANTS)
    assert (volunteer["Id"], volunteer["Delivery_Hours__c"]) == (org.p_volunteer, 1.5)
    # ORDER BY Session__c, Name: the event's Id sorts before the unaffiliated session's.
    assert ids(org.conn, STUDENT_PARTICIPATIONS) == [org.p_student1, org.p_student2, org.p_nobody]


def test_unaffiliated_sessions_flow(org):
    pairs = records(org.conn, UNAFFILIATED_STUDENTS)
    assert [(p["Session__c"], p["Contact__c"]) for p in pairs] == [(org.event, org.student1),
                                                                   (org.unaffiliated, org.student2)]
    assert ids(org.conn, UNAFFILIATED_SESSIONS) == [org.unaffiliated]
    batch = _quoted_ids(org.unaffiliated, org.event)
    assert ids(org.conn, UNAFFILIATED_VOLUNTEER_BATCH.format(ids=batch)) == [org.p_volunteer]
    assert ids(org.conn, UNAFFILIATED_STUDENT_BATCH.format(ids=batch)) == [org.p_student1, org.p_student2,
                                                                           org.p_nobody]


def test_history_queries(org):
    (task,) = records(org.conn, HISTORY_TASKS)
    assert (task["Id"], task["WhoId"], task["WhatId"]) == (org.task, org.volunteer, org.event)
    (email,) = records(org.conn, HISTORY_EMAILS)
    assert (email["Id"], email["Incoming"], email["MessageDate"]) == (org.email, True, "2026-04-03T10:00:00.000+0000")
    assert ids(org.conn, HISTORY_TASKS + DELTA) == []
    (case,) = records(org.conn, HISTORY_CASES.format(ids=_quoted_ids(org.case)))
    assert case["ContactId"] == org.volunteer
    contacts = records(org.conn, HISTORY_ACCOUNT_CONTACTS.format(ids=_quoted_ids(org.household)))
    assert [(c["AccountId"], c["Id"]) for c in contacts] == [(org.household, org.volunteer),
                                                             (org.household, org.blank_type)]


def test_legacy_pathway_queries(org):
    assert ids(org.conn, PATHWAYS) == [org.pathway]
    assert records(org.conn, PATHWAY_SESSIONS)[0]["Session__c"] == org.event
    assert records(org.conn, PATHWAY_PARTICIPANTS)[0]["Contact__c"] == org.volunteer


@pytest.mark.parametrize(("soql", "total"), [
    ("SELECT COUNT() FROM Session__c", 4),
    ("SELECT COUNT() FROM Session__c WHERE Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'",
     2),
    ("SELECT COUNT() FROM Contact WHERE Contact_Type__c = 'Volunteer' OR Contact_Type__c = ''", 2),
    ("SELECT COUNT() FROM Account WHERE Type NOT IN ('Household', 'School District', 'School')", 2),
    ("SELECT COUNT() FROM Event", 0),
    ("SELECT COUNT() FROM Contact WHERE Contact_Type__c = 'Student'", 2),
    ("SELECT COUNT() FROM Contact WHERE Contact_Type__c = 'Teacher'", 1),
    ("SELECT COUNT() FROM Contact LIMIT 3", 3),
])
def test_validation_counts(org, soql, total):
    result = run(org.conn, soql)
    assert (result.is_count, result.total_size, result.columns) == (True, total, ())
    assert result.records(org.conn, 0, 10, VERSION) == []


def test_debug_group_by_and_samples(org):
    result = run(org.conn, "SELECT Session_Status__c, COUNT(Id) total FROM Session__c GROUP BY Session_Status__c")
    assert result.records(org.conn, 0, 10, VERSION) == [
        {"attributes": {"type": "AggregateResult"}, "Session_Status__c": None, "total": 1},
        {"attributes": {"type": "AggregateResult"}, "Session_Status__c": "Completed", "total": 2},
        {"attributes": {"type": "AggregateResult"}, "Session_Status__c": "Draft", "total": 1},
    ]
    by_type = run(org.conn, "SELECT Session_Type__c, COUNT(Id) total FROM Session__c GROUP BY Session_Type__c")
    assert by_type.total_size == 3
    sample = records(org.conn, "SELECT Id, FirstName, LastName, Email, Phone, MailingCity, MailingState, "
                               "Contact_Type__c, AccountId, npsp__Primary_Affiliation__c FROM Contact "
                               "WHERE Contact_Type__c = 'Volunteer' OR Contact_Type__c = '' LIMIT 1")
    assert [s["Id"] for s in sample] == [org.volunteer]
    assert ids(org.conn, "SELECT Id FROM User LIMIT 1")


def test_voluntech_filter_with_today(org):
    soql = ("SELECT Id FROM Session__c WHERE Start_Date__c > TODAY AND Available_Slots__c > 0 "
            "AND Session_Status__c != 'Draft'")
    assert ids(org.conn, soql) == [org.event]


# --- Salesforce semantics ------------------------------------------------------------------------------------

def test_text_is_case_insensitive(org):
    assert ids(org.conn, "SELECT Id FROM Contact WHERE contact_type__c = 'VOLUNTEER'") == [org.volunteer]
    assert ids(org.conn, "SELECT Id FROM Account WHERE Name LIKE 'ACME%'") == [org.business]
    assert ids(org.conn, "SELECT Id FROM Account WHERE Name IN ('BLUE ORG')") == [org.typeless]
    assert ids(org.conn, "SELECT Id FROM Account WHERE Name != 'ACME CORP' AND Type = 'business'") == []
    names = [r["Name"] for r in records(org.conn, "SELECT Name FROM Account ORDER BY Name")]
    assert names == sorted(names, key=str.lower)


def test_null_is_an_ordinary_value(org):
    q = "SELECT Id FROM Contact WHERE {}"
    volunteers_and_blank = {org.volunteer, org.blank_type}
    everyone = set(ids(org.conn, "SELECT Id FROM Contact"))
    assert set(ids(org.conn, q.format("Contact_Type__c != 'Student'"))) == everyone - {org.student1, org.student2}
    assert set(ids(org.conn, q.format("Contact_Type__c NOT IN ('Student', 'Teacher')"))) == volunteers_and_blank
    assert set(ids(org.conn, q.format("NOT Contact_Type__c IN ('Student', 'Teacher')"))) == volunteers_and_blank
    assert set(ids(org.conn, q.format("NOT (Contact_Type__c = 'Student' OR Contact_Type__c = 'Teacher')"))) \
        == volunteers_and_blank
    assert org.blank_type in ids(org.conn, q.format("NOT Contact_Type__c LIKE 'S%'"))
    assert org.blank_type in ids(org.conn, q.format("Contact_Type__c NOT LIKE 'S%'"))
    assert ids(org.conn, q.format("Contact_Type__c = null")) == [org.blank_type]
    assert ids(org.conn, q.format("Contact_Type__c = ''")) == [org.blank_type]
    assert ids(org.conn, q.format("Contact_Type__c IN ('', 'Teacher')")) == [org.blank_type, org.teacher]
    assert set(ids(org.conn, q.format("Contact_Type__c != ''"))) == everyone - {org.blank_type}
    assert ids(org.conn, q.format("Contact_Type__c < 'T'")) == [org.student1, org.student2]
    assert ids(org.conn, q.format("Contact_Type__c > null")) == []


def test_lookups_and_ids(org):
    q = "SELECT Id FROM Contact WHERE {}"
    assert ids(org.conn, q.format(f"Id = '{org.volunteer[:15]}'")) == [org.volunteer]
    leads = [add(org.conn, "Lead", LastName=f"L{i}") for i in range(10)]
    lettered = leads[-1]  # the tenth Id's counter ends in a letter
    lead_q = "SELECT Id FROM Lead WHERE {}"
    assert ids(org.conn, lead_q.format(f"Id = '{lettered[:15].lower()}'")) == []  # 15 characters: case-sensitive
    assert ids(org.conn, lead_q.format(f"Id = '{lettered.lower()}'")) == [lettered]  # 18: repaired by its suffix
    assert ids(org.conn, q.format(f"Id IN ('{org.volunteer}', '{org.teacher[:15]}')")) == [org.volunteer, org.teacher]
    assert ids(org.conn, q.format("AccountId = ''")) == [org.teacher, org.student1, org.student2]
    assert org.volunteer not in ids(org.conn, q.format(f"AccountId != '{org.household}'"))
    e = refused(org.conn, q.format("Id = 'not-an-id'"))
    assert e.error_code == "INVALID_QUERY_FILTER_OPERATOR" and e.message.endswith("invalid ID field: not-an-id")
    e = refused(org.conn, q.format("Id LIKE '003%'"))
    assert e.error_code == "INVALID_QUERY_FILTER_OPERATOR" and e.message.endswith("invalid operator on id field")


def test_booleans(org):
    q = "SELECT Id FROM Contact WHERE {}"
    assert ids(org.conn, q.format("DoNotCall = true")) == [org.volunteer]
    assert ids(org.conn, q.format("DoNotCall = null")) == ids(org.conn, q.format("DoNotCall = false"))
    assert ids(org.conn, q.format("DoNotCall != false")) == [org.volunteer]
    assert refused(org.conn, q.format("DoNotCall > true")).error_code == "INVALID_QUERY_FILTER_OPERATOR"
    e = refused(org.conn, q.format("DoNotCall = 'true'"))
    assert e.error_code == "INVALID_FIELD"
    assert e.message.endswith("value of filter criterion for field 'DoNotCall' must be of type boolean and "
                              "should not be enclosed in quotes")


def test_dates_and_datetimes(org):
    q = "SELECT Id FROM Contact WHERE {}"
    assert ids(org.conn, q.format("Birthdate = 1980-02-29")) == [org.volunteer]
    assert ids(org.conn, q.format("EmailBouncedDate = 2026-05-01T06:00:00Z")) == [org.volunteer]
    assert ids(org.conn, q.format("EmailBouncedDate = 2026-05-01T01:00:00-05:00")) == [org.volunteer]
    assert ids(org.conn, q.format("EmailBouncedDate = 2026-05-01T06:00:00.000+00:00")) == [org.volunteer]
    assert ids(org.conn, q.format("EmailBouncedDate > 2026-05-01T05:59:59.999Z")) == [org.volunteer]
    assert ids(org.conn, q.format("EmailBouncedDate > 2026-05-01T06:00:00Z")) == []
    e = refused(org.conn, q.format("Birthdate = 1980-02-29T00:00:00Z"))
    assert e.error_code == "INVALID_FIELD" and "must be of type date and should not be" in e.message
    e = refused(org.conn, q.format("EmailBouncedDate > 2026-05-01"))
    assert e.error_code == "INVALID_FIELD" and "must be of type dateTime and should not be" in e.message
    e = refused(org.conn, q.format("Birthdate = '1980-02-29'"))
    assert "must be of type date and should not be enclosed in quotes" in e.message


@pytest.mark.parametrize(("condition", "expected"), [
    # NOW is 2026-05-02 15:30 UTC; the volunteer was modified 2026-05-01T07:00, student1 2026-05-01T08:00.
    ("LastModifiedDate = YESTERDAY", {"volunteer", "student1"}),
    ("LastModifiedDate = TODAY", set()),
    ("LastModifiedDate < TODAY AND LastModifiedDate >= YESTERDAY", {"volunteer", "student1"}),
    ("LastModifiedDate = LAST_N_DAYS:1", {"volunteer", "student1"}),
    ("LastModifiedDate = N_DAYS_AGO:1", {"volunteer", "student1"}),
    ("LastModifiedDate > YESTERDAY", set()),
    ("LastModifiedDate <= YESTERDAY AND LastModifiedDate > N_DAYS_AGO:2", {"volunteer", "student1"}),
    ("LastModifiedDate IN (TODAY, YESTERDAY)", {"volunteer", "student1"}),
    ("LastModifiedDate != YESTERDAY AND LastModifiedDate = LAST_N_DAYS:31", {"blank_type", "student2"}),
    ("Birthdate < TODAY", {"volunteer"}),
    ("Birthdate = NEXT_N_DAYS:3", set()),
])
def test_relative_date_literals(org, condition, expected):
    found = set(ids(org.conn, f"SELECT Id FROM Contact WHERE {condition}"))
    assert found == {getattr(org, name) for name in expected}


def test_relative_date_needs_a_date_field(org):
    e = refused(org.conn, "SELECT Id FROM Contact WHERE Name = TODAY")
    assert e.error_code == "INVALID_FIELD"


def test_numbers_and_type_errors(org):
    assert ids(org.conn, "SELECT Id FROM Contact WHERE Number_of_Attended_Volunteer_Sessions__c >= 2.5") \
        == [org.volunteer]
    assert ids(org.conn, "SELECT Id FROM Contact WHERE Number_of_Attended_Volunteer_Sessions__c IN (1, 3)") \
        == [org.volunteer]
    e = refused(org.conn, "SELECT Id FROM Contact WHERE Number_of_Attended_Volunteer_Sessions__c = '3'")
    assert e.message.endswith("must be of type double and should not be enclosed in quotes")
    e = refused(org.conn, "SELECT Id FROM Contact WHERE Name = 3")
    assert e.message.endswith("value of filter criterion for field 'Name' must be of type string and should be "
                              "enclosed in quotes")


def test_like_wildcards_and_escapes(org):
    add(org.conn, "Account", Name="100% pure_cotton")
    add(org.conn, "Account", Name="100 pure cotton")
    q = "SELECT Name FROM Account WHERE Name LIKE {}"
    assert [r["Name"] for r in records(org.conn, q.format("'100\\% pure\\_%'"))] == ["100% pure_cotton"]
    assert [r["Name"] for r in records(org.conn, q.format("'100_pure%'"))] == ["100 pure cotton"]
    assert len(records(org.conn, q.format("'100%pure_cotton'"))) == 2


def test_ordering(org):
    q = "SELECT Name FROM Contact ORDER BY {}"
    assert [r["Name"] for r in records(org.conn, q.format("Contact_Type__c, Name"))] == \
        ["Bo blank", "Stu One", "Stu Two", "Tea Cher", "Jane Smith"]
    assert [r["Name"] for r in records(org.conn, q.format("Contact_Type__c DESC, Name"))] == \
        ["Bo blank", "Jane Smith", "Tea Cher", "Stu One", "Stu Two"]
    assert [r["Name"] for r in records(org.conn, q.format("Contact_Type__c NULLS LAST, Name DESC"))] == \
        ["Stu Two", "Stu One", "Tea Cher", "Jane Smith", "Bo blank"]
    # A relationship in ORDER BY keeps the rows whose parent is null (first, as nulls are).
    by_account = records(org.conn, "SELECT Name, Account.Name FROM Contact ORDER BY Account.Name, Name")
    assert [r["Name"] for r in by_account][:3] == ["Stu One", "Stu Two", "Tea Cher"]


def test_deleted_rows_and_query_all(org):
    q = "SELECT Id, IsDeleted FROM Contact WHERE Contact_Type__c = 'Volunteer'"
    assert ids(org.conn, q) == [org.volunteer]
    assert ids(org.conn, q + " AND IsDeleted = true") == []
    everything = records(org.conn, q, include_deleted=True)
    assert [(r["Id"], r["IsDeleted"]) for r in everything] == [(org.volunteer, False), (org.gone_volunteer, True)]
    assert ids(org.conn, q + " AND IsDeleted = true", include_deleted=True) == [org.gone_volunteer]


def test_deleted_parent_is_not_joined(org):
    soql = "SELECT Id, Account.Name FROM Contact WHERE LastName = 'Gone'"
    (gone,) = records(org.conn, soql, include_deleted=True)
    assert gone["Account"] is None
    assert ids(org.conn, "SELECT Id FROM Contact WHERE Account.Name = 'Zed Gone'", include_deleted=True) == []


# --- REST records ------------------------------------------------------------------------------------------

def test_record_shape_with_nested_parents(org):
    soql = ("SELECT Name, Id, npe5__Contact__r.Name, npe5__Organization__r.Name, npe5__Contact__r.Account.Name, "
            "npe5__Contact__r.Account.Type, npe5__Organization__r.Parent.Name FROM npe5__Affiliation__c "
            "WHERE Name = 'AF-1'")
    (record,) = records(org.conn, soql)
    url = f"/services/data/v{VERSION}/sobjects"
    assert record == {
        "attributes": {"type": "npe5__Affiliation__c", "url": f"{url}/npe5__Affiliation__c/{org.affiliation}"},
        "Name": "AF-1",
        "Id": org.affiliation,
        "npe5__Contact__r": {
            "attributes": {"type": "Contact", "url": f"{url}/Contact/{org.volunteer}"},
            "Name": "Jane Smith",
            "Account": {"attributes": {"type": "Account", "url": f"{url}/Account/{org.household}"},
                        "Name": "Smith Household", "Type": "Household"},
        },
        "npe5__Organization__r": {
            "attributes": {"type": "Account", "url": f"{url}/Account/{org.business}"},
            "Name": "acme corp",
            "Parent": None,
        },
    }
    assert list(record) == ["attributes", "Name", "Id", "npe5__Contact__r", "npe5__Organization__r"]


def test_names_any_case_answer_canonical(org):
    (record,) = records(org.conn, "select id, NAME, account.NAME from CONTACT where lastname = 'smith'")
    assert list(record) == ["attributes", "Id", "Name", "Account"]
    assert record["attributes"]["type"] == "Contact" and record["Account"]["Name"] == "Smith Household"
    assert run(org.conn, "select id from npe5__affiliation__c").object_name == "npe5__Affiliation__c"


def test_object_name_and_alias_qualifiers(org):
    assert records(org.conn, "SELECT Contact.Name FROM Contact WHERE Contact.LastName = 'Smith'")[0]["Name"] \
        == "Jane Smith"
    assert records(org.conn, "SELECT c.Name FROM Contact c WHERE c.LastName = 'Smith'")[0]["Name"] == "Jane Smith"
    # A relationship named like the object wins over the qualifier: Case.Contact is a lookup to Contact.
    assert records(org.conn, "SELECT Contact.Name FROM Case")[0]["Contact"]["Name"] == "Jane Smith"


def test_polymorphic_relationships(org):
    (task,) = records(org.conn, f"SELECT Id, Who.Name, What.Name, Who.Id FROM Task WHERE Id = '{org.task}'")
    url = f"/services/data/v{VERSION}/sobjects"
    assert task["Who"] == {"attributes": {"type": "Name", "url": f"{url}/Contact/{org.volunteer}"},
                           "Name": "Jane Smith", "Id": org.volunteer}
    assert task["What"] == {"attributes": {"type": "Name", "url": f"{url}/Session__c/{org.event}"},
                            "Name": "Career Day"}
    assert ids(org.conn, "SELECT Id FROM Task WHERE Who.Name = 'jane smith'") == [org.task]
    (orphan,) = records(org.conn, f"SELECT Who.Name FROM Task WHERE Id = '{org.orphan_task}'")
    assert orphan["Who"] is None
    e = refused(org.conn, "SELECT Who.Email FROM Task")
    assert e.error_code == "INVALID_FIELD" and "No such column 'Email' on entity 'Name'" in e.message
    e = refused(org.conn, "SELECT Who.Account.Name FROM Task")
    assert e.error_code == "INVALID_FIELD" and "No such column 'Account' on entity 'Name'" in e.message


def test_records_json_is_the_records(org):
    result = run(org.conn, VOLUNTEERS)
    text = result.records_json(org.conn, 0, 2000, VERSION)
    assert json.loads(text) == result.records(org.conn, 0, 2000, VERSION)
    assert json.loads(text)[0]["attributes"]["url"].startswith("/services/data/v59.0/")


@pytest.mark.parametrize("value", [0.1, 3.0, -2.5, 1e20, 1e15, 123456789.125, 0.30000000000000004, 1e-7, 2 ** 53])
def test_numbers_render_as_values_module(value):
    conn = new_db()
    add(conn, "Contact", LastName="N", Number_of_Attended_Volunteer_Sessions__c=value)
    f = schema.sobject("Contact").field("Number_of_Attended_Volunteer_Sessions__c")
    stored = to_storage(f, value)
    result = run(conn, "SELECT Number_of_Attended_Volunteer_Sessions__c FROM Contact")
    text = result.records_json(conn, 0, 1, VERSION)
    assert json.loads(text)[0][f.name] == to_json(f, stored)
    assert f'"{f.name}":{json.dumps(to_json(f, stored))}' in text or float(json.loads(text)[0][f.name]) == value
    assert result.csv(conn, 0, 1).splitlines()[1] == f'"{to_csv(f, stored)}"'


def test_every_field_type_renders_as_values_module(org):
    """REST values equal values.to_json and CSV cells values.to_csv, for every type a Contact holds."""
    contact = schema.sobject("Contact")
    fields = [f for f in contact.columns if not f.calculated]
    soql = f"SELECT {', '.join(f.name for f in fields)} FROM Contact WHERE Id IN ('{org.volunteer}', '{org.blank_type}')"
    result = run(org.conn, soql)
    rendered = result.records(org.conn, 0, 10, VERSION)
    lines = result.csv(org.conn, 0, 10).splitlines()[1:]
    for rid, record, line in zip((org.volunteer, org.blank_type), rendered, lines, strict=True):
        stored = org.conn.execute(f'SELECT {", ".join(chr(34) + f.name + chr(34) for f in fields)} FROM "Contact" '
                                  'WHERE "Id" = ?', (rid,)).fetchone()
        assert [record[f.name] for f in fields] == [to_json(f, v) for f, v in zip(fields, stored, strict=True)]
        assert line == ",".join('"' + to_csv(f, v).replace('"', '""') + '"' for f, v in zip(fields, stored, strict=True))


# --- Bulk CSV ----------------------------------------------------------------------------------------------

def test_csv_page(org):
    add(org.conn, "Contact", FirstName='Say "hi", ok', LastName="Quote\nNewline", Contact_Type__c="Volunteer")
    soql = ("SELECT Id, firstname, Account.Name, DoNotCall, EmailBouncedDate, Birthdate, "
            "Number_of_Attended_Volunteer_Sessions__c, Account.Parent.Name FROM Contact "
            "WHERE Contact_Type__c = 'Volunteer' ORDER BY CreatedDate, Id")
    result = run(org.conn, soql, bulk=True)
    text = result.csv(org.conn, 0, 50_000)
    assert "\r" not in text
    lines = text.split("\n")
    assert lines[0] == ('"Id","firstname","Account.Name","DoNotCall","EmailBouncedDate","Birthdate",'
                        '"Number_of_Attended_Volunteer_Sessions__c","Account.Parent.Name"')
    assert lines[1] == (f'"{org.volunteer}","Jane","Smith Household","true","2026-05-01T06:00:00.000Z",'
                        '"1980-02-29","3.0",""')
    assert lines[2].startswith('"') and '"Say ""hi"", ok","","false","","",""' in "\n".join(lines[2:])
    assert text.endswith("\n")


def test_csv_and_records_page_through_the_snapshot(org):
    for i in range(7):
        add(org.conn, "Lead", LastName=f"Lead {i}")
    result = run(org.conn, "SELECT Id, Name FROM Lead ORDER BY Name DESC", bulk=True)
    assert result.total_size == 7
    pages = [result.csv(org.conn, offset, 3).splitlines() for offset in (0, 3, 6)]
    assert [len(p) - 1 for p in pages] == [3, 3, 1]
    assert all(p[0] == '"Id","Name"' for p in pages)
    names = [line.split(",")[1] for p in pages for line in p[1:]]
    assert names == [f'"Lead {i}"' for i in range(6, -1, -1)]
    rest = [r["Name"] for offset in (0, 2, 4, 6) for r in result.records(org.conn, offset, 2, VERSION)]
    assert rest == [f"Lead {i}" for i in range(6, -1, -1)]
    assert result.records(org.conn, 7, 2, VERSION) == [] and result.csv(org.conn, 7, 2) == '"Id","Name"\n'


def test_limit_and_offset_compose_with_paging(org):
    for i in range(10):
        add(org.conn, "Lead", LastName=f"L{i:02d}")
    result = run(org.conn, "SELECT Name FROM Lead ORDER BY Name LIMIT 5 OFFSET 2")
    assert result.total_size == 5
    pages = [[r["Name"] for r in result.records(org.conn, o, 2, VERSION)] for o in (0, 2, 4)]
    assert pages == [["L02", "L03"], ["L04", "L05"], ["L06"]]


def test_snapshot_is_taken_at_query_time(org):
    result = run(org.conn, "SELECT Id, LastName FROM Lead")
    assert result.total_size == 0
    first = add(org.conn, "Lead", LastName="A")
    second = add(org.conn, "Lead", LastName="B")
    result = run(org.conn, "SELECT Id, LastName FROM Lead")
    add(org.conn, "Lead", LastName="C")
    org.conn.execute('DELETE FROM "Lead" WHERE "Id" = ?', (first,))
    assert result.total_size == 2
    assert [r["Id"] for r in result.records(org.conn, 0, 10, VERSION)] == [second]


def test_pages_render_from_another_threads_connection(tmp_path):
    conn = new_db(tmp_path / "org.db")
    lead = add(conn, "Lead", LastName="Threaded", Company="Acme")
    conn.commit()
    result = run(conn, "SELECT Id, Name, Company FROM Lead")
    seen = {}

    def serve():
        other = sqlite3.connect(tmp_path / "org.db")
        seen["records"] = result.records(other, 0, 10, VERSION)
        seen["csv"] = result.csv(other, 0, 10)
        other.close()

    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
    assert seen["records"][0]["Id"] == lead and seen["csv"].endswith(f'"{lead}","Threaded","Acme"\n')


def test_bulk_refusals(org):
    e = refused(org.conn, VOLUNTEERS, bulk=True)
    assert (e.error_code, e.message) == ("API_ERROR", "Selecting compound data not supported in Bulk Query")
    assert refused(org.conn, "SELECT Id FROM Contact LIMIT 5 OFFSET 1", bulk=True).error_code == "API_ERROR"
    assert refused(org.conn, "SELECT COUNT() FROM Contact", bulk=True).error_code == "API_ERROR"
    assert refused(org.conn, STUDENT_COUNT, bulk=True).error_code == "API_ERROR"
    result = run(org.conn, "SELECT Id, Account.Name FROM Contact LIMIT 2", bulk=True)
    assert result.total_size == 2
    with pytest.raises(ValueError):
        run(org.conn, VOLUNTEERS).csv(org.conn, 0, 1)


# --- aggregates ------------------------------------------------------------------------------------------

def test_count_forms(org):
    assert run(org.conn, "SELECT COUNT(Id) FROM Contact").records(org.conn, 0, 1, VERSION) == \
        [{"attributes": {"type": "AggregateResult"}, "expr0": 5}]
    assert run(org.conn, "SELECT COUNT(Contact_Type__c) n FROM Contact").records(org.conn, 0, 1, VERSION)[0]["n"] == 4
    grouped = run(org.conn, "SELECT Contact_Type__c, COUNT(Id), COUNT(AccountId) FROM Contact "
                            "GROUP BY Contact_Type__c ORDER BY Contact_Type__c DESC NULLS LAST")
    assert [(r["Contact_Type__c"], r["expr0"], r["expr1"]) for r in grouped.records(org.conn, 0, 10, VERSION)] == \
        [("Volunteer", 1, 1), ("Teacher", 1, 0), ("Student", 2, 0), (None, 1, 1)]
    by_account = run(org.conn, "SELECT Account.Name, COUNT(Id) c FROM Contact GROUP BY Account.Name")
    assert [(r["Name"], r["c"]) for r in by_account.records(org.conn, 0, 10, VERSION)] == \
        [(None, 3), ("Smith Household", 2)]


@pytest.mark.parametrize(("soql", "code", "text"), [
    ("SELECT Id, COUNT() FROM Contact", "MALFORMED_QUERY", "COUNT() must be the only element"),
    ("SELECT Name, COUNT(Id) FROM Contact", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
    ("SELECT COUNT(Id) FROM Contact ORDER BY Name", "INVALID_FIELD", "Ordered field must be grouped or aggregated"),
    ("SELECT COUNT(MailingAddress) FROM Contact", "INVALID_FIELD", "can not be aggregated"),
    ("SELECT MailingAddress, COUNT(Id) FROM Contact GROUP BY MailingAddress", "INVALID_FIELD", "can not be grouped"),
])
def test_aggregate_errors(org, soql, code, text):
    e = refused(org.conn, soql)
    assert e.error_code == code and text in e.message


# --- errors ------------------------------------------------------------------------------------------------

def test_unknown_object_and_fields_messages(org):
    e = refused(org.conn, "SELECT Id FROM Accountz")
    assert e.error_code == "INVALID_TYPE"
    assert e.message == ("\nSELECT Id FROM Accountz\n               ^\nERROR at Row:1:Column:16\n"
                         "sObject type 'Accountz' is not supported. If you are attempting to use a custom object, "
                         "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
                         "describe call for the appropriate names.")
    e = refused(org.conn, "SELECT Id, Foo FROM Account")
    assert e.error_code == "INVALID_FIELD"
    assert e.message == ("\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n"
                         "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, "
                         "be sure to append the '__c' after the custom field name. Please reference your WSDL or "
                         "the describe call for the appropriate names.")
    e = refused(org.conn, "SELECT Id FROM Contact\nWHERE X__r.Name = 'a'")
    assert e.error_code == "INVALID_FIELD"
    assert e.message.startswith("\nWHERE X__r.Name = 'a'\n      ^\nERROR at Row:2:Column:7\n"
                                "Didn't understand relationship 'X__r' in field path.")
    assert "No such column 'Foo' on entity 'Account'" in refused(org.conn, "SELECT Account.Foo FROM Contact").message
    assert "relationship 'Name'" in refused(org.conn, "SELECT Name.Foo FROM Contact").message
    assert "No such column 'Account'" in refused(org.conn, "SELECT Account FROM Contact").message


def test_first_error_in_the_text_wins(org):
    e = refused(org.conn, "SELECT Foo FROM Contact WHERE Bar = 1 ORDER BY Baz")
    assert "'Foo'" in e.message


@pytest.mark.parametrize(("soql", "code", "text"), [
    ("SELECT Id, Name, ID FROM Contact", "INVALID_FIELD", "duplicate field selected: Id"),
    ("SELECT Account.Name, account.name FROM Contact", "INVALID_FIELD", "duplicate field selected: Name"),
    ("SELECT Id FROM Contact WHERE MailingAddress = null", "INVALID_FIELD",
     "field 'MailingAddress' can not be filtered in a query call"),
    ("SELECT Id FROM Contact ORDER BY MailingAddress", "INVALID_FIELD",
     "field 'MailingAddress' can not be sorted in a query call"),
    ("SELECT Id FROM Contact WHERE Name LIKE 'a%' AND Birthdate LIKE '19%'", "INVALID_QUERY_FILTER_OPERATOR",
     "invalid operator on date field"),
    ("SELECT Id FROM Contact WHERE DoNotCall IN (true)", "INVALID_QUERY_FILTER_OPERATOR",
     "invalid operator on boolean field"),
])
def test_field_errors(org, soql, code, text):
    e = refused(org.conn, soql)
    assert e.error_code == code and e.message.endswith(text)


def test_relationship_depth_and_count(org):
    five = "SELECT Account.Parent.Parent.Parent.Parent.Name FROM Contact"
    assert run(org.conn, five).total_size == 5
    assert refused(org.conn, five.replace("Account.", "Account.Parent.")).error_code == "MALFORMED_QUERY"
    # More distinct parents than Salesforce (or SQLite) can join.
    paths, frontier = [], [("", schema.sobject("Contact"))]
    while len(paths) <= MAX_JOINED_TABLES:
        prefix, obj = frontier.pop(0)
        for f in obj.fields:
            if f.relationship_name and len(f.reference_to) == 1 and prefix.count(".") < 4:
                path = prefix + f.relationship_name + "."
                paths.append(path + "Id")
                frontier.append((path, schema.sobject(f.reference_to[0])))
    e = refused(org.conn, f"SELECT {', '.join(paths)} FROM Contact")
    assert e.error_code == "QUERY_TOO_COMPLICATED"


def test_huge_conditions_stay_within_sqlite_limits(org):
    many = " AND ".join(["Name != null"] * 5000)
    assert run(org.conn, f"SELECT Id FROM Contact WHERE {many}").total_size == 5
    names = ", ".join(f"'n{i}'" for i in range(9_000))
    assert run(org.conn, f"SELECT Id FROM Contact WHERE LastName IN ({names}, 'Smith')").total_size == 1
    numbers = ",".join(["1"] * 40_000 + ["9"])  # more values than SQLite allows bound parameters
    assert run(org.conn, f"SELECT Id FROM Contact WHERE Current_Grade__c IN ({numbers})").total_size == 1
    nested = "SELECT Id FROM Contact WHERE " + "NOT (" * 45 + "Name = 'x'" + ")" * 45  # 90 levels
    assert run(org.conn, nested).total_size == 5
    huge = "SELECT Id FROM Contact LIMIT 99999999999999999999999999"
    assert run(org.conn, huge).total_size == 5


# --- no input crashes the engine ---------------------------------------------------------------------------

# Fields with values that suit them, so most generated queries run; a few odd ones keep errors in play.
_TYPED_VALUES = {
    "Id": ["'003000000000001AAA'", "'0030000000000'", "null", "''"],
    "AccountId": ["'001000000000001AAA'", "null", "''"],
    "Name": ["'x'", "''", "null", "'%a\\_'", "'A'"],
    "LastName": ["'a'", "'B'", "null"],
    "Contact_Type__c": ["'Volunteer'", "''", "null"],
    "Account.Name": ["'H'", "null"],
    "Account.Parent.Name": ["null", "'p'"],
    "CreatedBy.Name": ["'VMS Integration'"],
    "DoNotCall": ["TRUE", "false", "null"],
    "Birthdate": ["2024-01-01", "TODAY", "LAST_N_DAYS:99999999", "null"],
    "EmailBouncedDate": ["2024-01-01T00:00:00Z", "N_DAYS_AGO:5", "null"],
    "Number_of_Attended_Volunteer_Sessions__c": ["42", "-1.5", "null"],
}
_ODD_FIELDS = ["MailingAddress", "Foo", "Account.Foo", "Bad__r.Name"]
_ODD_VALUES = ["42", "'x'", "2024-01-01", "TRUE"]
_OPS = ["=", "!=", "<", ">=", "LIKE", "NOT LIKE", "IN", "NOT IN"]


def _mostly(draw, usual: list, odd: list):
    return draw(st.sampled_from(odd)) if draw(st.integers(0, 9)) == 0 else draw(st.sampled_from(usual))


@st.composite
def _queries(draw):
    fields = list(_TYPED_VALUES)
    if draw(st.integers(0, 5)) == 0:
        select = [draw(st.sampled_from(["COUNT()", "COUNT(Id)", "COUNT(Name) n"]))]
    else:
        select = draw(st.lists(st.sampled_from(fields + ["MailingAddress"]), min_size=1, max_size=5, unique=True))
    text = f"SELECT {', '.join(select)} FROM {_mostly(draw, ['Contact', 'contact'], ['Task', 'Nope'])}"
    conditions = []
    for _ in range(draw(st.integers(0, 3))):
        field = _mostly(draw, fields, _ODD_FIELDS)
        op = draw(st.sampled_from(_OPS))
        values = _TYPED_VALUES.get(field, _ODD_VALUES)
        if op.endswith("IN"):
            value = "(" + ", ".join(draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))) + ")"
        else:
            value = _mostly(draw, values, _ODD_VALUES)
        conditions.append(f"{'NOT ' if draw(st.booleans()) else ''}{field} {op} {value}")
    if conditions:
        text += " WHERE " + f" {draw(st.sampled_from(['AND', 'OR']))} ".join(conditions)
    if draw(st.integers(0, 5)) == 0:
        text += f" GROUP BY {draw(st.sampled_from(fields))}"
    if draw(st.booleans()):
        text += f" ORDER BY {_mostly(draw, fields, _ODD_FIELDS)} {draw(st.sampled_from(['', 'DESC NULLS LAST']))}"
    text += draw(st.sampled_from(["", " LIMIT 3", " LIMIT 0", " OFFSET 1", " LIMIT 2 OFFSET 2000"]))
    return text


_FUZZ_DB: list[sqlite3.Connection] = []


def _fuzz_db() -> sqlite3.Connection:
    if not _FUZZ_DB:
        conn = new_db()
        household = add(conn, "Account", Name="H")
        add(conn, "Contact", LastName="A", AccountId=household, Contact_Type__c="Volunteer", DoNotCall=True)
        add(conn, "Contact", LastName="B", Number_of_Attended_Volunteer_Sessions__c=0.1)
        _FUZZ_DB.append(conn)
    return _FUZZ_DB[0]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_queries(), st.booleans(), st.booleans())
def test_fuzz_engine_fails_only_with_soql_errors(soql, include_deleted, bulk):
    conn = _fuzz_db()
    try:
        result = run(conn, soql, include_deleted=include_deleted, bulk=bulk)
    except SoqlError as e:
        assert e.error_code and e.message
        return
    page = result.records(conn, 0, 10, VERSION)
    assert json.loads(result.records_json(conn, 0, 10, VERSION)) == page
    assert len(page) <= max(result.total_size, 0) or result.is_count
    if bulk:
        assert result.csv(conn, 0, 10).startswith('"')
