"""Classes, teachers, students and affiliations: their mappings on odd records, and the page writer on SQLite."""

from __future__ import annotations

from datetime import date

import pytest

from vmsync.entities import get, ordered
from vmsync.entities.spec import ISSUE, OneOf, Ref, Reject

from .conftest import id_of, open_issues, rec, rows, writer


def mapping(entity: str):
    return get(entity).streams[0].map


def write(engine, entity: str, records: list[dict], *, run: str = "r1", stream: str | None = None,
          from_raw: bool = False):
    with engine.begin() as conn:
        return writer(entity, stream, run).write(conn, records, from_raw=from_raw)


def tables_of(out: list[tuple[str, dict]], name: str) -> list[dict]:
    return [row for table, row in out if table == name]


def warnings_of(out: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    return [(row["code"], row["field"]) for table, row in out if table == ISSUE]


def rejected(entity: str, record: dict) -> tuple[str, str]:
    with pytest.raises(Reject) as caught:
        mapping(entity)(record)
    return caught.value.code, caught.value.field


# --- the order entities run in --------------------------------------------------------------------------------

def test_each_entity_runs_after_the_ones_it_links_to():
    order = [e.name for e in ordered()]
    assert order.index("classes") > order.index("schools")
    assert order.index("students") > max(order.index("classes"), order.index("schools"))
    # a volunteer who becomes a teacher or a student leaves volunteers before arriving in the new kind
    assert order.index("volunteers") < min(order.index("teachers"), order.index("students"))
    assert order.index("affiliations") > max(order.index(n) for n in (
        "volunteers", "teachers", "students", "organizations", "schools"))


# --- classes ---------------------------------------------------------------------------------------------------

def cls(sf_id: str = "a0C1", **fields) -> dict:
    return rec(sf_id, **({"Name": "Class of 2027", "School__c": "001S1", "Class_Year_Number__c": 2027.0} | fields))


def test_class_maps_its_year_as_a_whole_number_and_links_its_school():
    (table, row), = mapping("classes")(cls())
    assert table == "class"
    assert row["class_year"] == 2027 and isinstance(row["class_year"], int)
    assert row["school_id"] == Ref("school", "001S1", "School__c")
    assert row["salesforce_school_id"] == "001S1"


@pytest.mark.parametrize(("year", "code"), [
    (None, "MISSING_REQUIRED_FIELD"), ("  ", "MISSING_REQUIRED_FIELD"), ("twenty", "INVALID_NUMBER"),
    (2027.5, "INVALID_CLASS_YEAR"), (-2027.0, "INVALID_CLASS_YEAR"), (0.0, "INVALID_CLASS_YEAR"),
    (float("nan"), "INVALID_CLASS_YEAR"), (float("inf"), "INVALID_CLASS_YEAR"),
])
def test_class_without_a_usable_year_is_rejected(year, code):
    assert rejected("classes", cls(Class_Year_Number__c=year)) == (code, "Class_Year_Number__c")


def test_class_without_a_school_or_a_name_is_rejected():
    assert rejected("classes", cls(School__c=None)) == ("MISSING_REQUIRED_FIELD", "School__c")
    assert rejected("classes", cls(Name=" ")) == ("MISSING_REQUIRED_FIELD", "Name")


def test_class_waits_for_its_school_then_is_written(engine):
    counts = write(engine, "classes", [cls("a0C1"), cls("a0C2", Class_Year_Number__c="soon")])
    assert (counts.new, counts.orphaned, counts.rejected) == (1, 1, 1)
    assert rows(engine, "class", "salesforce_id") == []
    assert open_issues(engine) == [("a0C1", "orphan", "PARENT_MISSING", "School__c"),
                                   ("a0C2", "rejected", "INVALID_NUMBER", "Class_Year_Number__c")]

    write(engine, "schools", [rec("001S1", Name="Central High")])
    assert write(engine, "classes", [cls("a0C1")], from_raw=True).healed == 1
    assert rows(engine, "class", "salesforce_id", "school_id", "class_year") == [
        ("a0C1", id_of(engine, "school", "001S1"), 2027)]
    assert open_issues(engine) == [("a0C2", "rejected", "INVALID_NUMBER", "Class_Year_Number__c")]


# --- teachers --------------------------------------------------------------------------------------------------

def teacher(sf_id: str = "003T1", stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, **({"FirstName": "Maria", "LastName": "Lopez", "Contact_Type__c": "Teacher",
                                 "npsp__Primary_Affiliation__c": "001S1"} | fields))


def test_teacher_maps_contact_part_email_and_phone():
    out = mapping("teachers")(teacher(
        Email="  Maria.LOPEZ@KCPS.org ", Phone="(816) 555-0199", Department=" Science ",
        Last_Email_Message__c=date(2025, 3, 4), Last_Mailchimp_Email_Date__c="2025-02-01", Gender__c="Female"))
    (contact,) = tables_of(out, "contact")
    assert (contact["type"], contact["first_name"], contact["last_name"], contact["gender"]) == (
        "teacher", "Maria", "Lopez", "female")
    (part,) = tables_of(out, "teacher")
    assert part["contact_id"] == Ref("contact", "003T1")
    assert part["school_id"] == Ref("school", "001S1", "npsp__Primary_Affiliation__c", required=False)
    assert (part["department"], part["status"]) == ("Science", "ACTIVE")
    assert (part["last_email_message"], part["last_mailchimp_date"]) == (date(2025, 3, 4), date(2025, 2, 1))
    assert [(e["salesforce_id"], e["email"], e["type"], e["is_primary"]) for e in tables_of(out, "email")] == [
        ("003T1:email:maria.lopez@kcps.org", "maria.lopez@kcps.org", "professional", True)]
    assert [(p["number"], p["type"], p["is_primary"]) for p in tables_of(out, "phone")] == [
        ("+18165550199", "professional", True)]
    assert warnings_of(out) == []


def test_teacher_blank_first_name_is_kept_and_blank_last_name_rejected():
    (contact,) = tables_of(mapping("teachers")(teacher(FirstName="   ")), "contact")
    assert (contact["first_name"], contact["last_name"]) == (None, "Lopez")
    assert rejected("teachers", teacher(LastName=None)) == ("MISSING_REQUIRED_FIELD", "LastName")


def test_teacher_odd_values_warn_and_keep_the_record():
    out = mapping("teachers")(teacher(npsp__Primary_Affiliation__c=None, Email="not-an-address",
                                      Gender__c="Martian", Phone="12"))
    assert tables_of(out, "teacher")[0]["school_id"] is None
    assert tables_of(out, "email") == [] and tables_of(out, "phone") == []
    assert sorted(warnings_of(out)) == [("INVALID_EMAIL", "Email"), ("INVALID_PHONE", "Phone"),
                                        ("UNKNOWN_PICKLIST", "Gender__c")]


# --- students --------------------------------------------------------------------------------------------------

def student(sf_id: str = "003P1", stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, **({"FirstName": "Sam", "LastName": "Reyes", "Contact_Type__c": "Student",
                                 "npsp__Primary_Affiliation__c": "001S1", "Class__c": "a0C1",
                                 "Local_Student_ID__c": " 12345678 ", "Current_Grade__c": 9.0} | fields))


def test_student_maps_contact_part_email_and_phone():
    out = mapping("students")(student(
        Gender__c="NA", Racial_Ethnic_Background__c=" Hispanic or Latino ", Legacy_Grade__c="9th Grade",
        Email=" 12345678@KCPS.ORG", Phone="816.555.0101", Birthdate="2011-05-06", MiddleName="Lee"))
    (contact,) = tables_of(out, "contact")
    assert (contact["type"], contact["gender"], contact["race_ethnicity"], contact["birthdate"],
            contact["middle_name"]) == ("student", "prefer_not_to_say", "hispanic", date(2011, 5, 6), "Lee")
    (part,) = tables_of(out, "student")
    assert part["student_id"] == "12345678"
    assert part["school_id"] == Ref("school", "001S1", "npsp__Primary_Affiliation__c", required=False)
    assert part["class_id"] == Ref("class", "a0C1", "Class__c", required=False)
    assert (part["current_grade"], part["legacy_grade"], part["racial_ethnic"]) == (9, "9th Grade",
                                                                                     "Hispanic or Latino")
    assert [(e["email"], e["type"], e["is_primary"]) for e in tables_of(out, "email")] == [
        ("12345678@kcps.org", "personal", True)]
    assert [(p["number"], p["type"]) for p in tables_of(out, "phone")] == [("+18165550101", "personal")]
    assert warnings_of(out) == []


@pytest.mark.parametrize(("grade", "stored", "warned"), [
    (0.0, 0, False), (12.0, 12, False), (None, None, False), (13.0, None, True), (-1.0, None, True),
    (9.5, None, True), ("ninth", None, True),
])
def test_student_grade_outside_0_to_12_is_null_with_a_warning(grade, stored, warned):
    out = mapping("students")(student(Current_Grade__c=grade))
    assert tables_of(out, "student")[0]["current_grade"] == stored
    assert warnings_of(out) == ([("INVALID_GRADE", "Current_Grade__c")] if warned else [])


def test_student_blank_names_and_missing_links():
    out = mapping("students")(student(FirstName=None, Class__c=" ", npsp__Primary_Affiliation__c=None))
    assert tables_of(out, "contact")[0]["first_name"] is None
    part = tables_of(out, "student")[0]
    assert (part["school_id"], part["class_id"], part["salesforce_class_id"]) == (None, None, None)
    assert rejected("students", student(LastName="  ")) == ("MISSING_REQUIRED_FIELD", "LastName")


def test_student_whose_class_waits_for_its_school_is_linked_when_both_arrive(engine):
    write(engine, "classes", [cls("a0C1", School__c="001S1")])
    counts = write(engine, "students", [student("003P1")])
    assert (counts.new, counts.orphaned) == (1, 1)
    assert rows(engine, "student", "salesforce_id", "school_id", "class_id") == [("003P1", None, None)]
    assert open_issues(engine) == [
        ("003P1", "orphan", "LINK_PENDING", "Class__c"),
        ("003P1", "orphan", "LINK_PENDING", "npsp__Primary_Affiliation__c"),
        ("a0C1", "orphan", "PARENT_MISSING", "School__c"),
    ]

    write(engine, "schools", [rec("001S1", Name="Central High")])
    write(engine, "classes", [cls("a0C1", School__c="001S1")], from_raw=True)
    assert write(engine, "students", [student("003P1")], from_raw=True).healed == 2
    assert rows(engine, "student", "salesforce_id", "school_id", "class_id") == [
        ("003P1", id_of(engine, "school", "001S1"), id_of(engine, "class", "a0C1"))]
    assert open_issues(engine) == []


# --- a contact changing kind ---------------------------------------------------------------------------------

def test_volunteer_who_becomes_a_teacher_keeps_the_contact_row(engine):
    write(engine, "volunteers", [rec("003C1", FirstName="Ann", LastName="Park", Contact_Type__c="Volunteer",
                                     Email="ann@home.net", MailingCity="Kansas City", Volunteer_Skills__c="Python")])
    contact_id = id_of(engine, "contact", "003C1")
    write(engine, "schools", [rec("001S1", Name="Central High")])
    write(engine, "affiliations", [affiliation("a02A", "003C1", "001S1")])

    with engine.begin() as conn:  # what the volunteers step does with a contact that left its filter
        assert writer("volunteers", run="r2").retire_leavers(conn, ["003C1"]) == 1
    write(engine, "teachers", [teacher("003C1", 5, FirstName="Ann", LastName="Park", Email="ann@kcps.org")],
          run="r2")
    assert rows(engine, "contact", "id", "type", "deleted_at") == [(contact_id, "teacher", None)]
    assert rows(engine, "teacher", "contact_id", "school_id", live=True) == [
        (contact_id, id_of(engine, "school", "001S1"))]
    assert rows(engine, "email", "email", "type", live=True) == [("ann@kcps.org", "professional")]
    assert rows(engine, "affiliation", "contact_id", live=True) == [(contact_id,)]
    for volunteer_only in ("volunteer", "address", "volunteer_skill"):
        assert rows(engine, volunteer_only, "salesforce_id", live=True) == []

    write(engine, "students", [student("003C1", 9, FirstName="Ann", LastName="Park")], run="r3")
    assert rows(engine, "contact", "id", "type", "deleted_at") == [(contact_id, "student", None)]
    assert rows(engine, "teacher", "salesforce_id", live=True) == []
    assert rows(engine, "student", "contact_id", live=True) == [(contact_id,)]


# --- affiliations ----------------------------------------------------------------------------------------------

def affiliation(sf_id: str, contact: str, account: str, stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, **({"Name": f"AFF-{sf_id}", "npe5__Contact__c": contact,
                                 "npe5__Organization__c": account, "npe5__Status__c": "Current",
                                 "npe5__Primary__c": False} | fields))


def test_affiliation_maps_flags_dates_and_status():
    (table, row), = mapping("affiliations")(affiliation(
        "a02A", "003C1", "001O1", npe5__Primary__c=True, npe5__Status__c="former", npe5__Role__c=" Mentor ",
        npe5__StartDate__c="2024-09-01", npe5__EndDate__c=date(2025, 6, 1)))
    assert table == "affiliation"
    assert row["contact_id"] == Ref("contact", "003C1", "npe5__Contact__c")
    assert isinstance(row["organization_id"], OneOf)
    assert list(row["organization_id"].columns) == ["organization_id", "school_id", "district_id"]
    assert (row["school_id"], row["district_id"]) == (None, None)
    assert (row["is_primary"], row["status"], row["role"]) == (True, "Former", "Mentor")
    assert (row["start_date"], row["end_date"]) == (date(2024, 9, 1), date(2025, 6, 1))


@pytest.mark.parametrize(("value", "primary"), [(True, True), (False, False), ("true", True), ("false", False),
                                                (None, False)])
def test_affiliation_primary_flag_is_read_as_a_boolean(value, primary):
    (_, row), = mapping("affiliations")(affiliation("a02A", "003C1", "001O1", npe5__Primary__c=value))
    assert row["is_primary"] is primary


def test_affiliation_dates_are_never_invented_and_odd_statuses_are_kept():
    out = mapping("affiliations")(affiliation("a02A", "003C1", "001O1", npe5__Status__c="Pending"))
    row = tables_of(out, "affiliation")[0]
    assert (row["start_date"], row["end_date"], row["status"]) == (None, None, "Pending")
    assert warnings_of(out) == [("UNKNOWN_PICKLIST", "npe5__Status__c")]
    (_, blank), = mapping("affiliations")(affiliation("a02B", "003C1", "001O1", npe5__Status__c=None))
    assert blank["status"] is None


def test_affiliation_without_contact_or_account_or_with_a_bad_date_is_rejected():
    assert rejected("affiliations", affiliation("a02A", " ", "001O1")) == (
        "MISSING_REQUIRED_FIELD", "npe5__Contact__c")
    assert rejected("affiliations", affiliation("a02A", "003C1", None)) == (
        "MISSING_REQUIRED_FIELD", "npe5__Organization__c")
    assert rejected("affiliations", affiliation("a02A", "003C1", "001O1", npe5__EndDate__c="June")) == (
        "INVALID_DATE", "npe5__EndDate__c")


def test_affiliation_account_lands_in_the_column_of_its_kind(engine):
    write(engine, "organizations", [rec("001O1", Name="Acme", Type="Business")])
    write(engine, "schools", [rec("001S1", Name="Central High")])
    write(engine, "schools", [rec("001D1", Name="KCPS")], stream="districts")
    write(engine, "volunteers", [rec("003V1", LastName="Vance", Contact_Type__c="Volunteer")])
    write(engine, "teachers", [teacher("003T1")])
    write(engine, "students", [student("003P1")])

    write(engine, "affiliations", [affiliation("a02O", "003V1", "001O1"), affiliation("a02S", "003T1", "001S1"),
                                   affiliation("a02D", "003P1", "001D1")])
    org, school, district = (id_of(engine, "organization", "001O1"), id_of(engine, "school", "001S1"),
                             id_of(engine, "district", "001D1"))
    assert rows(engine, "affiliation", "salesforce_id", "contact_id", "organization_id", "school_id",
                "district_id") == [
        ("a02D", id_of(engine, "contact", "003P1"), None, None, district),
        ("a02O", id_of(engine, "contact", "003V1"), org, None, None),
        ("a02S", id_of(engine, "contact", "003T1"), None, school, None),
    ]


def test_affiliation_waits_for_its_contact_and_account(engine):
    counts = write(engine, "affiliations", [affiliation("a02A", "003V9", "001O9")])
    assert (counts.new, counts.orphaned) == (1, 1)
    assert rows(engine, "affiliation", "salesforce_id") == []
    assert open_issues(engine) == [("a02A", "orphan", "PARENT_MISSING", "npe5__Contact__c"),
                                   ("a02A", "orphan", "PARENT_MISSING", "npe5__Organization__c")]

    write(engine, "volunteers", [rec("003V9", LastName="Vance", Contact_Type__c="Volunteer")])
    assert write(engine, "affiliations", [affiliation("a02A", "003V9", "001O9")], from_raw=True).healed == 1
    assert rows(engine, "affiliation", "salesforce_id") == []
    assert open_issues(engine) == [("a02A", "orphan", "PARENT_MISSING", "npe5__Organization__c")]

    write(engine, "organizations", [rec("001O9", Name="Acme", Type="Business")])
    assert write(engine, "affiliations", [affiliation("a02A", "003V9", "001O9")], from_raw=True).healed == 1
    assert rows(engine, "affiliation", "salesforce_id", "organization_id") == [
        ("a02A", id_of(engine, "organization", "001O9"))]
    assert open_issues(engine) == []
