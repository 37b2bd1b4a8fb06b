"""The generated org (tiny preset): deterministic, coherent, shaped like the VMS org, and usable by the store."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import threading
from collections import Counter
from datetime import timedelta

import pytest

from sfsandbox.clock import Clock
from sfsandbox.generate import GENERATED_UNTIL, PRESETS, counts, generate, prepare
from sfsandbox.ids import is_valid_id
from sfsandbox.schema import OBJECTS, SESSION_STATUSES, sobject, sobject_for_id
from sfsandbox.store import Store
from sfsandbox.values import stored_datetime

SEED = 11
UNTIL = stored_datetime(GENERATED_UNTIL)
# Lookups the generator deliberately leaves dangling (unmatched participants, unknown task contacts).
DANGLING = {("Session_Participant__c", "Contact__c"), ("Session_Participant__c", "Session__c"), ("Task", "WhoId")}


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    return prepare("tiny", SEED, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def db(org):
    conn = sqlite3.connect(org)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def _table(path, name) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f'SELECT * FROM "{name}" ORDER BY "Id"').fetchall()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scalar(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


# --- determinism and caching ----------------------------------------------------------------------------

def test_same_seed_gives_identical_org_and_other_seed_differs(org, tmp_path):
    again = tmp_path / "again.sqlite"
    generate(again, "tiny", SEED)
    for obj in OBJECTS:
        assert _table(again, obj.name) == _table(org, obj.name), obj.name
    assert _digest(again) == _digest(org)

    other = tmp_path / "other.sqlite"
    generate(other, "tiny", SEED + 1)
    assert _table(other, "Contact") != _table(org, "Contact")
    assert _table(other, "Session__c") != _table(org, "Session__c")


def test_prepare_reuses_the_cached_file_and_survives_racing_callers(org, tmp_path):
    stamp = org.stat().st_mtime_ns
    assert prepare("tiny", SEED, cache_dir=org.parent) == org
    assert org.stat().st_mtime_ns == stamp

    results: list = []
    threads = [threading.Thread(target=lambda: results.append(prepare("tiny", SEED, cache_dir=tmp_path)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert _digest(results[0]) == _digest(org)
    assert [p.name for p in tmp_path.iterdir()] == [results[0].name]   # no temporary files left behind


def test_prepare_refuses_an_unknown_preset(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        prepare("huge", 1, cache_dir=tmp_path)


# --- volumes --------------------------------------------------------------------------------------------

def test_counts_follow_the_preset_and_students_page(org, db):
    preset = PRESETS["tiny"]
    found = counts(org)
    assert set(found) == {o.name for o in OBJECTS}
    assert all(n > 0 for n in found.values()), found
    assert found["Organization"] == 1 and found["User"] == 1
    assert found["Session__c"] == preset.sessions
    assert found["Session_Participant__c"] == preset.volunteer_participants + preset.student_participants
    assert found["Task"] == preset.tasks and found["EmailMessage"] == preset.email_messages
    assert found["Contact"] == preset.volunteers + preset.teachers + preset.students
    assert 0.9 * preset.affiliations < found["npe5__Affiliation__c"] < 1.1 * preset.affiliations
    students = _scalar(db, 'SELECT COUNT(*) FROM "Contact" WHERE "Contact_Type__c" = \'Student\'')
    assert students == preset.students > 2000
    # One data job touched most students at once: a SystemModstamp shared by more than a page of records.
    assert _scalar(db, 'SELECT MAX(n) FROM (SELECT COUNT(*) n FROM "Contact" GROUP BY "SystemModstamp")') > 2000


# --- invariants every record keeps ----------------------------------------------------------------------

@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o.name)
def test_ids_timestamps_and_values_fit_the_schema(db, obj):
    rows = db.execute(f'SELECT * FROM "{obj.name}" ORDER BY "Id"').fetchall()
    ids = [r["Id"] for r in rows]
    assert all(is_valid_id(i) and i[:3] == obj.key_prefix for i in ids)
    created = [r["CreatedDate"] for r in rows]
    assert created == sorted(created), "Ids are not in creation order"
    for r in rows:
        assert r["CreatedDate"] <= r["LastModifiedDate"] == r["SystemModstamp"] < UNTIL
        assert r["IsDeleted"] == 0
    for f in obj.columns:
        if f.picklist:
            values = {v for r in rows for v in (r[f.name] or "").split(";") if v}
            assert values <= set(f.picklist), (f.name, values - set(f.picklist))
        if f.is_text:
            longest = _scalar(db, f'SELECT MAX(LENGTH("{f.name}")) FROM "{obj.name}"')
            assert longest is None or longest <= f.length, f.name
        if not f.nillable:
            assert _scalar(db, f'SELECT COUNT(*) FROM "{obj.name}" WHERE "{f.name}" IS NULL') == 0, f.name
        if f.is_text:
            assert _scalar(db, f'SELECT COUNT(*) FROM "{obj.name}" WHERE TRIM("{f.name}") = \'\'') == 0, f.name


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o.name)
def test_lookups_point_at_earlier_records_of_the_right_kind(db, obj):
    created_of = {}
    for other in OBJECTS:
        for rid, when in db.execute(f'SELECT "Id", "CreatedDate" FROM "{other.name}"'):
            created_of[rid] = when
    for f in obj.fields:
        if f.type != "reference":
            continue
        dangling = 0
        for rid, value, created in db.execute(
                f'SELECT "Id", "{f.name}", "CreatedDate" FROM "{obj.name}" WHERE "{f.name}" IS NOT NULL'):
            target = sobject_for_id(value)
            assert target is not None and target.name in f.reference_to, (f.name, value)
            if value not in created_of:
                dangling += 1
                continue
            # A household is created a moment before the contact it is made for (NPSP does both at once).
            if (obj.name, f.name) != ("Account", "npe01__One2OneContact__c") and f.name not in ("CreatedById",
                                                                                               "LastModifiedById"):
                assert created_of[value] <= created, (rid, f.name)
        if (obj.name, f.name) in DANGLING:
            assert dangling > 0, f"expected a few dangling {f.name}"
        else:
            assert dangling == 0, (f.name, dangling)


# --- the VMS shape --------------------------------------------------------------------------------------

def test_accounts_partition_into_districts_schools_households_and_organizations(db):
    types = Counter(r[0] for r in db.execute('SELECT "Type" FROM "Account"'))
    assert types["School District"] == PRESETS["tiny"].districts
    assert types["School"] == PRESETS["tiny"].schools
    assert types["Household"] > 0 and types[None] > 0 and types["Business"] > 0
    orphans = _scalar(db, '''SELECT COUNT(*) FROM "Account" s LEFT JOIN "Account" d ON d."Id" = s."ParentId"
                             WHERE s."Type" = 'School' AND (d."Type" IS NOT 'School District')''')
    assert orphans == 0
    assert _scalar(db, '''SELECT COUNT(*) FROM "Account" WHERE "Type" = 'School'
                          AND ("Connector_Account_Name__c" IS NULL OR "School_Code_External_ID__c" IS NULL)''') == 0
    district_names = {r[0] for r in db.execute('SELECT "Name" FROM "Account" WHERE "Type" = \'School District\'')}
    assert "KANSAS CITY USD 500" in district_names
    assert _scalar(db, '''SELECT COUNT(*) FROM "Account" WHERE "Description" LIKE '<p>%' ''') > 0
    assert _scalar(db, '''SELECT COUNT(*) FROM "Account" h JOIN "Contact" c ON c."Id" = h."npe01__One2OneContact__c"
                          WHERE h."Type" = 'Household' AND c."AccountId" = h."Id"''') == types["Household"]


def test_students_belong_to_their_school_and_class(db):
    rows = db.execute('''
        SELECT c."npsp__Primary_Affiliation__c" AS affiliation, c."AccountId" AS account, k."School__c" AS school,
               k."Class_Year_Number__c" AS year, c."Current_Grade__c" AS grade, c."FirstName" AS first,
               c."Local_Student_ID__c" AS local_id
        FROM "Contact" c LEFT JOIN "Class__c" k ON k."Id" = c."Class__c"
        WHERE c."Contact_Type__c" = 'Student' ''').fetchall()
    with_class = [r for r in rows if r["school"] is not None]
    assert len(with_class) > 0.9 * len(rows)
    assert all(r["affiliation"] == r["account"] == r["school"] for r in with_class)
    assert all(r["year"] == 2027 + 12 - r["grade"] for r in with_class if r["grade"] is not None)
    assert any(r["first"] is None for r in rows)
    assert len({r["local_id"] for r in rows}) == len(rows)
    assert _scalar(db, '''SELECT COUNT(*) FROM "Contact" c JOIN "npe5__Affiliation__c" a ON a."npe5__Contact__c" = c."Id"
                          WHERE c."Contact_Type__c" = 'Student' AND a."npe5__Primary__c" = 1
                          AND a."npe5__Organization__c" = c."npsp__Primary_Affiliation__c"''') == len(rows)
    classes = db.execute('SELECT "School__c", "Class_Year_Number__c" FROM "Class__c"').fetchall()
    assert len(classes) == len(set(map(tuple, classes)))   # one class per school and graduation year


def test_teachers_and_volunteers_carry_the_real_orgs_warts(db):
    teachers = db.execute('''SELECT c."npsp__Primary_Affiliation__c", a."Type" FROM "Contact" c
                             JOIN "Account" a ON a."Id" = c."npsp__Primary_Affiliation__c"
                             WHERE c."Contact_Type__c" = 'Teacher' ''').fetchall()
    assert len(teachers) == PRESETS["tiny"].teachers and {t[1] for t in teachers} == {"School"}
    volunteers = db.execute('''SELECT * FROM "Contact" WHERE "Contact_Type__c" = 'Volunteer'
                               OR "Contact_Type__c" IS NULL''').fetchall()
    assert len(volunteers) == PRESETS["tiny"].volunteers
    assert any(v["Contact_Type__c"] is None for v in volunteers)
    assert any(v["FirstName"] is None for v in volunteers)
    assert any(v["LastName"].isupper() and len(v["LastName"]) > 2 for v in volunteers)
    emails = [v["Email"] for v in volunteers if v["Email"]]
    assert any(e != e.strip() for e in emails) and any(e != e.lower() for e in emails)
    assert any(v["MailingCountry"] and not v["MailingStreet"] and not v["MailingCity"] for v in volunteers)
    assert any(v["MailingStreet"] and v["MailingCity"] for v in volunteers)
    assert any(re.fullmatch(r".+, .+, [A-Z]{2} \d{5}", v["npe01__Work_Address__c"] or "") for v in volunteers)
    assert any(";" in (v["Volunteer_Skills__c"] or "") for v in volunteers)
    assert any(v["Volunteer_Skills_Text__c"] for v in volunteers)
    assert any(v["npe01__Preferred_Email__c"] for v in volunteers)
    households = {r[0] for r in db.execute('SELECT "Id" FROM "Account" WHERE "Type" = \'Household\'')}
    assert sum(v["AccountId"] in households for v in volunteers) > 0.7 * len(volunteers)
    organizations = {r[0] for r in db.execute('''SELECT "Id" FROM "Account" WHERE "Type" IS NULL OR "Type"
                                                 NOT IN ('Household', 'School', 'School District')''')}
    assert sum(v["npsp__Primary_Affiliation__c"] in organizations for v in volunteers) > 0.5 * len(volunteers)


def test_affiliations_link_every_kind_of_contact_to_every_kind_of_account(db):
    pairs = Counter(tuple(r) for r in db.execute('''
        SELECT c."Contact_Type__c", a."Type" FROM "npe5__Affiliation__c" f
        JOIN "Contact" c ON c."Id" = f."npe5__Contact__c" JOIN "Account" a ON a."Id" = f."npe5__Organization__c"'''))
    assert pairs[("Student", "School")] >= PRESETS["tiny"].students
    assert pairs[("Teacher", "School")] >= PRESETS["tiny"].teachers
    assert pairs[("Volunteer", "School District")] > 0 and pairs[("Volunteer", "School")] > 0
    assert sum(n for (kind, account), n in pairs.items() if kind == "Volunteer" and account not in
               ("School", "School District")) > 0
    statuses = Counter(r[0] for r in db.execute('SELECT "npe5__Status__c" FROM "npe5__Affiliation__c"'))
    assert statuses["Current"] > statuses["Former"] > 0
    roles = Counter(r[0] is None for r in db.execute('SELECT "npe5__Role__c" FROM "npe5__Affiliation__c"'))
    assert roles[True] > 0.9 * sum(roles.values())
    assert _scalar(db, '''SELECT COUNT(*) FROM "npe5__Affiliation__c" WHERE "npe5__EndDate__c" < "npe5__StartDate__c"''') == 0
    assert _scalar(db, '''SELECT COUNT(*) FROM (SELECT 1 FROM "npe5__Affiliation__c"
                          GROUP BY "npe5__Contact__c", "npe5__Organization__c" HAVING COUNT(*) > 1)''') == 0


def test_sessions_exercise_the_event_import(db):
    sessions = db.execute('SELECT * FROM "Session__c"').fetchall()
    statuses = Counter(s["Session_Status__c"] for s in sessions)
    assert set(statuses) <= set(SESSION_STATUSES) | {None}
    assert statuses[None] > 0 and statuses["Draft"] > 0 and statuses["Completed"] > 0
    assert any(s["Session_Type__c"] == "Connector Session" for s in sessions)
    assert any(s["School__c"] is None and s["District__c"] is None and s["Parent_Account__c"] is None
               for s in sessions)
    districts = {s["District__c"] for s in sessions}
    assert districts & {"KCKPS", "KCPS"} and districts & {"KANSAS CITY USD 500", "KANSAS CITY PUBLIC SCHOOL DISTRICT"}
    assert any(re.fullmatch(r'<a href="https://[^"]+" target="_blank">Sign up</a>', s["Registration_Link__c"] or "")
               for s in sessions)
    skills = ",".join(s[f] or "" for s in sessions for f in ("Legacy_Skill_Covered_for_the_Session__c",
                                                           "Legacy_Skills_Needed__c", "Requested_Skills__c"))
    for prefix in ("PWY-", "Skills-", "CCE-", "CSCs-", "ACT-"):
        assert prefix in skills
    starts = [s["Start_Date_and_Time__c"] for s in sessions if s["Start_Date_and_Time__c"]]
    assert any(not s.endswith("T00:00:00.000Z") for s in starts)
    assert all(s["End_Date_and_Time__c"] > s["Start_Date_and_Time__c"] for s in sessions
               if s["End_Date_and_Time__c"] and s["Start_Date_and_Time__c"])
    school_ids = {r[0] for r in db.execute('SELECT "Id" FROM "Account" WHERE "Type" = \'School\'')}
    assert {s["School__c"] for s in sessions if s["School__c"]} <= school_ids
    assert any((s["Non_Scheduled_Students_Count__c"] or 0) < 0 for s in sessions)


def test_participants_are_volunteers_and_students_with_a_few_unmatched(db):
    kinds = Counter(tuple(r) for r in db.execute('''
        SELECT p."Participant_Type__c", c."Contact_Type__c" FROM "Session_Participant__c" p
        JOIN "Contact" c ON c."Id" = p."Contact__c"'''))
    assert kinds[("Student", "Student")] > 0
    assert kinds[("Volunteer", "Volunteer")] + kinds[("Volunteer", None)] > 0
    assert set(k for k, _ in kinds) == {"Volunteer", "Student"}
    assert _scalar(db, '''SELECT COUNT(*) FROM "Session_Participant__c" p JOIN "Contact" c ON c."Id" = p."Contact__c"
                          JOIN "Session__c" s ON s."Id" = p."Session__c"
                          WHERE p."Participant_Type__c" = 'Student' AND s."School__c" != c."npsp__Primary_Affiliation__c"''') == 0
    assert _scalar(db, '''SELECT COUNT(*) FROM (SELECT 1 FROM "Session_Participant__c" WHERE "Contact__c" IS NOT NULL
                          GROUP BY "Contact__c", "Session__c" HAVING COUNT(*) > 1)''') == 0
    assert _scalar(db, 'SELECT COUNT(*) FROM "Session_Participant__c" WHERE "Status__c" IS NULL') > 0
    names = [r[0] for r in db.execute('SELECT "Name" FROM "Session_Participant__c" ORDER BY "Id"')]
    assert names == [f"SP-{n:07d}" for n in range(1, len(names) + 1)]


def test_history_matches_contacts_by_email_in_another_case(db):
    emails = {r[0].strip().lower(): r[0] for r in db.execute('SELECT "Email" FROM "Contact" WHERE "Email" IS NOT NULL')}
    messages = db.execute('SELECT * FROM "EmailMessage"').fetchall()
    addresses = [m["FromAddress"] if m["Incoming"] else m["ToAddress"].split(",")[0] for m in messages]
    matched = [a for a in addresses if a.lower() in emails]
    assert len(matched) > 0.5 * len(messages)
    assert any(emails[a.lower()] != a for a in matched)
    assert any(a.lower() not in emails for a in addresses)
    assert {m["Incoming"] for m in messages} == {0, 1}
    related = Counter(sobject_for_id(m["RelatedToId"]).name for m in messages if m["RelatedToId"])
    assert {"Contact", "Account", "Case"} <= set(related)
    tasks = db.execute('SELECT * FROM "Task"').fetchall()
    assert {t["Type"] for t in tasks} >= {"Call", "Email", "Meeting", None}
    assert any(t["WhatId"] and t["WhatId"].startswith(sobject("Session__c").key_prefix) for t in tasks)
    assert any(t["WhoId"] and t["WhoId"].startswith("00Q") for t in tasks)
    assert any("<p>" in (t["Description"] or "") for t in tasks)
    assert _scalar(db, 'SELECT COUNT(*) FROM "Case" WHERE "ContactId" IS NULL') == 0


def test_store_opens_a_copy_and_continues_its_counters(org, tmp_path):
    copy = tmp_path / "org.sqlite"
    shutil.copyfile(org, copy)
    clock = Clock()
    clock.freeze(GENERATED_UNTIL)
    store = Store(copy, clock)
    try:
        assert store.org_id.startswith("00D") and store.user_id.startswith("005")
        last = store.read_connection().execute('SELECT MAX("Id") FROM "Contact"').fetchone()[0]
        school = store.read_connection().execute(
            'SELECT "Id" FROM "Account" WHERE "Type" = \'School\' LIMIT 1').fetchone()[0]
        new = store.create("Contact", {"LastName": "New", "npsp__Primary_Affiliation__c": school})
        assert new > last
        volunteer = store.read_connection().execute(
            'SELECT "Id" FROM "Contact" WHERE "MailingStreet" IS NOT NULL LIMIT 1').fetchone()[0]
        address = store.get("Contact", volunteer)["MailingAddress"]
        assert address["street"] and address["city"] and address["latitude"] is None
        assert store.updated("Contact", GENERATED_UNTIL - timedelta(days=30), GENERATED_UNTIL)["ids"]
    finally:
        store.close()
    assert _digest(org) != _digest(copy)
