"""The page writer on a real SQLite database: mapping, parent links, orphans, deletes, owned rows."""

from __future__ import annotations

from datetime import timedelta

from .conftest import T0, open_issues, rec, rows, writer


def test_school_waits_for_its_district_then_links(engine):
    with engine.begin() as conn:
        counts = writer("schools", "schools").write(conn, [rec("001S1", Name="Central High", ParentId="001D1")])
    assert (counts.new, counts.orphaned) == (1, 1)
    assert rows(engine, "school", "salesforce_id", "district_id") == [("001S1", None)]
    assert open_issues(engine) == [("001S1", "orphan", "LINK_PENDING", "ParentId")]

    with engine.begin() as conn:
        writer("schools", "districts").write(conn, [rec("001D1", Name="KCPS")])
        healed = writer("schools", "schools").write(conn, [rec("001S1", Name="Central High", ParentId="001D1")],
                                                    from_raw=True).healed
    assert healed == 1
    (district_id,) = rows(engine, "district", "id")[0]
    assert rows(engine, "school", "salesforce_id", "district_id") == [("001S1", district_id)]
    assert open_issues(engine) == []


def test_a_bad_record_is_rejected_alone(engine):
    with engine.begin() as conn:
        counts = writer("organizations", "organizations").write(conn, [
            rec("001A", Name="Acme", Type=None),
            rec("001B", Name="   "),
            rec("001C", Name="Beta", LastActivityDate="not a date"),
        ])
    assert (counts.extracted, counts.new, counts.rejected) == (3, 2, 2)
    assert rows(engine, "organization", "salesforce_id", "type") == [("001A", "Other")]
    assert open_issues(engine) == [("001B", "rejected", "MISSING_REQUIRED_FIELD", "Name"),
                                   ("001C", "rejected", "INVALID_DATE", "LastActivityDate")]


def volunteer(sf_id: str, stamp: int = 0, **fields) -> dict:
    return rec(sf_id, stamp, LastName="SMITH", FirstName="ANNA", **fields)


def test_volunteer_children_are_replaced_as_a_set(engine):
    with engine.begin() as conn:
        writer("volunteers", "volunteers").write(conn, [volunteer(
            "003V1", Email=" Anna@Example.COM ", npe01__WorkEmail__c="anna@work.org", npe01__Preferred_Email__c="Work",
            Phone="816-555-0101", Volunteer_Skills__c="Python;Teaching")])
    assert rows(engine, "contact", "first_name", "last_name", "type") == [("Anna", "Smith", "volunteer")]
    assert rows(engine, "email", "email", "type", "is_primary") == [
        ("anna@example.com", "personal", False), ("anna@work.org", "professional", True)]
    assert rows(engine, "phone", "number", "is_primary") == [("+18165550101", True)]

    with engine.begin() as conn:
        counts = writer("volunteers", "volunteers", "r2").write(conn, [volunteer(
            "003V1", 5, Email="anna@example.com", Volunteer_Skills__c="Python")])
    assert counts.updated == 1
    emails = rows(engine, "email", "email", "is_primary", "deleted_at")
    assert [(e, p) for e, p, gone in emails if gone is None] == [("anna@example.com", True)]
    assert [e for e, _, gone in emails if gone is not None] == ["anna@work.org"]
    live_skills = [r for r in rows(engine, "volunteer_skill", "salesforce_id", "deleted_at") if r[1] is None]
    assert live_skills == [("003V1:skill:python", None)]


def test_deleted_record_and_what_it_owns_get_deleted_at(engine):
    with engine.begin() as conn:
        writer("volunteers", "volunteers").write(conn, [volunteer("003V1", Email="a@b.org")])
        counts = writer("volunteers", "volunteers", "r2").write(
            conn, [volunteer("003V1", 9, Email="a@b.org") | {"IsDeleted": True}])
    assert counts.deleted == 1
    assert all(r[0] is not None for r in rows(engine, "contact", "deleted_at"))
    assert all(r[0] is not None for r in rows(engine, "email", "deleted_at"))


def test_unchanged_records_are_counted_and_not_rewritten(engine):
    page = [volunteer("003V1"), volunteer("003V2")]
    with engine.begin() as conn:
        writer("volunteers", "volunteers").write(conn, page)
    with engine.begin() as conn:
        counts = writer("volunteers", "volunteers", "r2", T0 + timedelta(days=1)).write(conn, page)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 2)
    assert {r[0] for r in rows(engine, "contact", "run_id")} == {"r1"}


def test_mapping_bug_costs_one_record(engine, monkeypatch):
    w = writer("organizations", "organizations")
    real = w.stream.map

    def flaky(r):
        if r["Id"] == "001B":
            raise ZeroDivisionError("boom")
        return real(r)

    monkeypatch.setattr(w, "stream", w.stream.__class__(**{**w.stream.__dict__, "map": flaky}))
    with engine.begin() as conn:
        counts = w.write(conn, [rec("001A", Name="A"), rec("001B", Name="B")])
    assert counts.rejected == 1
    assert open_issues(engine) == [("001B", "rejected", "MAPPING_ERROR", "")]


def test_a_volunteer_who_becomes_a_teacher_leaves_what_only_volunteers_have(engine):
    with engine.begin() as conn:
        writer("volunteers", "volunteers").write(conn, [volunteer(
            "003V1", MailingCity="Kansas City", MailingStreet="1 Main St", Volunteer_Skills__c="Python",
            Email="anna@example.org")])
    (contact_id,) = rows(engine, "contact", "id")[0]
    with engine.begin() as conn:
        writer("teachers", "teachers", "r2").write(conn, [rec("003V1", 5, LastName="Smith", FirstName="Anna",
                                                              Email="anna@example.org")])
    assert rows(engine, "contact", "id", "type", "deleted_at") == [(contact_id, "teacher", None)]
    for table in ("volunteer", "volunteer_skill", "address"):
        assert all(gone is not None for (gone,) in rows(engine, table, "deleted_at")), table
    assert [gone for (gone,) in rows(engine, "email", "deleted_at")] == [None]
