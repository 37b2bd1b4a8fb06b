"""Events, participation, pathways and history end to end: ``run_step`` against the tiny sandbox org.

Every live record a stream's SOQL selects must be in its model table with the links Salesforce gave, or held
in ``sync_issue`` with a reason; a second incremental run must change nothing; and changes made in the org (a
session with no school, a participation whose contact becomes a volunteer, edits and deletes) must reach the
database.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from vmsync.entities import get, ordered
from vmsync.entities.events import STATUSES
from vmsync.entities.history import addresses, could_be_session
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.sync import build_soql

from ..conftest import copy_database
from .conftest import clean, connect_to, open_issues

NEEDED = ("organizations", "schools", "classes", "teachers", "volunteers", "students", "events",
          "student_participation", "pathways", "history")
CHECKED = ("events", "student_participation", "pathways", "history")
MODEL_TABLES = ("event", "event_district", "event_skill", "event_volunteer", "event_student", "pathway",
                "pathway_event", "pathway_contact", "support_case", "history")
HOLDING = ("PARENT_MISSING", "PARENT_DELETED")  # codes that keep a record out of its table


def sync_all(sync, run_id: str) -> dict:
    return {e.name: sync(e.name, run_id) for e in ordered(list(NEEDED))}


def sf_ids(conn, table: str) -> dict[int, str]:
    """Model id -> Salesforce Id of every row of ``table`` (live or not)."""
    tb = t.metadata.tables[table]
    return dict(conn.execute(select(tb.c.id, tb.c.salesforce_id)).all())


def live_rows(conn, table: str, **scope) -> dict[str, dict]:
    tb = t.metadata.tables[table]
    q = select(tb).where(tb.c.deleted_at.is_(None), *[tb.c[k] == v for k, v in scope.items()])
    return {r["salesforce_id"]: dict(r) for r in conn.execute(q).mappings()}


def as_utc(value):
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


class Expect:
    """What one live Salesforce record should have become, given the parents the database holds."""

    def __init__(self, conn):
        self.ids = {name: sf_ids(conn, name) for name in ("event", "school", "volunteer", "student", "contact",
                                                          "pathway", "district", "support_case")}
        self.live = {name: set(live_rows(conn, name)) for name in ("event", "school", "contact")}
        email = t.metadata.tables["email"]
        self.emails: dict[str, set] = defaultdict(set)
        for address, contact_id in conn.execute(select(email.c.email, email.c.contact_id)
                                                .where(email.c.deleted_at.is_(None))):
            self.emails[address].add(self.ids["contact"][contact_id])
        self.cases = {sf: self.ids["contact"][r["contact_id"]] for sf, r in live_rows(conn, "support_case").items()}

    def sf(self, table: str, row_id):
        return None if row_id is None else self.ids[table][row_id]

    def link(self, row: dict, column: str, table: str, want, issues: dict, field: str) -> bool:
        """The link holds the parent Salesforce gave, or NULL while an open issue says it is pending."""
        got = self.sf(table, row[column])
        want = clean(want)
        return got == want or (got is None and ("LINK_PENDING", field) in issues)

    def checks(self, stream: str, r: dict, row: dict, issues: dict) -> dict[str, bool]:
        if stream == "sessions":
            return {"title": row["title"] == clean(r["Name"]),
                    "status": row["status"] == STATUSES.get(clean(r["Session_Status__c"]), "DRAFT"),
                    "start_at": as_utc(row["start_at"]) == r["Start_Date_and_Time__c"],
                    "participant_count": row["participant_count"] == int(r["Non_Scheduled_Students_Count__c"] or 0),
                    "school": self.link(row, "school_id", "school", r["School__c"], issues, "School__c"),
                    "district_partner": row["district_partner"] == (clean(r["District__c"])
                                                                    or clean(r["Parent_Account__c"]))}
        if stream in ("volunteer_participants", "student_participants"):
            kind = "volunteer" if stream == "volunteer_participants" else "student"
            return {"event": self.sf("event", row["event_id"]) == r["Session__c"],
                    kind: self.sf(kind, row[f"{kind}_id"]) == r["Contact__c"],
                    "status": row["status"] == clean(r["Status__c"]),
                    "delivery_hours": row["delivery_hours"] == (r["Delivery_Hours__c"] or None)}
        if stream == "pathways":
            return {"name": row["name"] == clean(r["Name"])}
        if stream == "pathway_sessions":
            return {"pathway": self.sf("pathway", row["pathway_id"]) == r["Pathway__c"],
                    "event": self.sf("event", row["event_id"]) == r["Session__c"]}
        if stream == "pathway_participants":
            return {"pathway": self.sf("pathway", row["pathway_id"]) == r["Pathway__c"],
                    "contact": self.sf("contact", row["contact_id"]) == r["Contact__c"]}
        if stream == "cases":
            return {"contact": self.sf("contact", row["contact_id"]) == r["ContactId"]}
        about = r["WhatId"] if stream == "tasks" else r["RelatedToId"]
        event_ok = (self.sf("event", row["event_id"]) == about if about in self.live["event"]
                    else row["event_id"] is None and (not could_be_session(about)
                                                      or ("LINK_PENDING", "WhatId" if stream == "tasks"
                                                          else "RelatedToId") in issues))
        if stream == "tasks":
            return {"contact": self.sf("contact", row["contact_id"]) == r["WhoId"], "event": event_ok,
                    "summary": row["summary"] == clean(r["Subject"])}
        return {"contact": self.sf("contact", row["contact_id"]) in self.email_contacts(r), "event": event_ok,
                "activity_at": as_utc(row["activity_at"]) == r["MessageDate"],
                "status": row["activity_status"] == ("Received" if r["Incoming"] else "Sent")}

    def email_contacts(self, r: dict) -> set:
        """Who an email may belong to: the contacts of its first known recipient or sender address, else the
        Contact or the Case's contact it is filed under."""
        for address in addresses(r["ToAddress"]) + addresses(r["FromAddress"]):
            if self.emails.get(address):
                return self.emails[address]
        related = r["RelatedToId"]
        return {related} if related in self.live["contact"] else {self.cases.get(related)}


def check_every_record_landed(engine, client) -> dict[str, int]:
    """Assert every live record of the checked streams landed right; returns how many each has live."""
    counts = {}
    with engine.connect() as conn:
        expect = Expect(conn)
        for entity in CHECKED:
            issues = open_issues(conn, entity)
            for stream in get(entity).streams:
                table = next(tb for tb in stream.tables if tb.kind == "record")
                rows = live_rows(conn, table.name, **table.scope)
                problems, seen = [], set()
                for page in client.query_pages(build_soql(stream, None)):
                    for r in page:
                        seen.add(r["Id"])
                        mine, row = issues.get(r["Id"], {}), rows.get(r["Id"])
                        held = [k for k, (kind, _) in mine.items() if kind == "rejected" or k[0] in HOLDING]
                        if held or row is None:
                            if not held or row is not None:
                                problems.append(f"{r['Id']}: in the model {row is not None}, held by {held}")
                            continue
                        problems += [f"{r['Id']}: {name} wrong ({row})"
                                     for name, ok in expect.checks(stream.name, r, row, mine).items() if not ok]
                assert problems == [], f"{stream.name}: {len(problems)} records landed wrong: {problems[:3]}"
                assert set(rows) <= seen, f"{stream.name}: live rows Salesforce does not select"
                counts[stream.name] = len(rows)
    return counts


def test_activity_sync_end_to_end(synced_twice, clean_sandbox):
    """The first sync (into an empty database) lands every record; the second, with nothing changed, changes
    nothing. Both syncs are ``synced_twice``'s, which every entity of ``NEEDED`` is part of."""
    assert all(synced_twice.first[name].status == "succeeded" for name in NEEDED)
    engine = open_engine(synced_twice.db_url)
    try:
        live = check_every_record_landed(engine, connect_to(clean_sandbox, synced_twice.db_url))
        assert all(n > 0 for n in live.values()), live
        with engine.connect() as conn:
            sources = {s for (s,) in conn.execute(select(t.metadata.tables["event_district"].c.source))}
            issues = {code for e in CHECKED for by_code in open_issues(conn, e).values() for code, _ in by_code}
        assert {"district_field", "school"} <= sources
        assert {"PARENT_MISSING", "NOT_A_CONTACT"} <= issues    # the org's ghost contacts and Leads
    finally:
        engine.dispose()

    changed = {name: (r.counts.new, r.counts.updated, r.counts.deleted, r.counts.rejected, r.counts.healed)
               for name, r in synced_twice.second.items() if name in CHECKED}
    assert changed == {name: (0, 0, 0, 0, 0) for name in CHECKED}
    assert synced_twice.changed(MODEL_TABLES) == []


# The database starts as a copy of synced_databases' SQLite one (the org synced).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_changes_in_the_org_reach_the_activity_tables(synced_databases, db_url, sync, client, clean_sandbox):
    copy_database(synced_databases("sqlite").db_url, db_url)
    engine = open_engine(db_url)
    m = t.metadata.tables
    try:
        with engine.connect() as conn:
            # two students of schools in two districts, an existing student participation, a task
            pupils = conn.execute(
                select(m["student"].c.salesforce_id, m["district"].c.id)
                .join(m["school"], m["school"].c.id == m["student"].c.school_id)
                .join(m["district"], m["district"].c.id == m["school"].c.district_id)
                .order_by(m["student"].c.salesforce_id)).all()
            pair = [pupils[0], next(p for p in pupils if p[1] != pupils[0][1])]
            taken = conn.execute(select(m["event_student"].c.salesforce_id)
                                 .order_by(m["event_student"].c.salesforce_id).limit(1)).scalar_one()
            task = conn.execute(select(m["history"].c.salesforce_id).where(m["history"].c.source_object == "Task")
                                .order_by(m["history"].c.salesforce_id).limit(1)).scalar_one()
            gone = conn.execute(select(m["event_volunteer"].c.salesforce_id)
                                .order_by(m["event_volunteer"].c.salesforce_id).limit(1)).scalar_one()

        sf = clean_sandbox.client()
        lone = sf.Session__c.create({"Name": "Robotics night", "Session_Status__c": "Completed",
                                     "Session_Type__c": "Career Fair"})["id"]
        for n, (student, _) in enumerate(pair):
            sf.Session_Participant__c.create({"Name": f"SP-S{n}", "Session__c": lone, "Contact__c": student,
                                              "Participant_Type__c": "Student", "Status__c": "Attended"})
        teacher = sf.Contact.create({"LastName": "Late", "Contact_Type__c": "Teacher"})["id"]
        early = sf.Session_Participant__c.create({"Name": "SP-V", "Session__c": lone, "Contact__c": teacher,
                                                  "Participant_Type__c": "Volunteer", "Status__c": "Scheduled"})["id"]
        sf.Session_Participant__c.update(taken, {"Status__c": "No Show", "Delivery_Hours__c": 1.5})
        sf.Task.update(task, {"Subject": "Edited in Salesforce"})
        sf.Session_Participant__c.delete(gone)

        sync_all(sync, "changes-1")
        with engine.connect() as conn:
            lone_id = conn.execute(select(m["event"].c.id).where(m["event"].c.salesforce_id == lone)).scalar_one()
            districts = set(conn.execute(select(m["event_district"].c.district_id, m["event_district"].c.source)
                                         .where(m["event_district"].c.event_id == lone_id,
                                                m["event_district"].c.deleted_at.is_(None))).all())
            assert districts == {(pair[0][1], "students"), (pair[1][1], "students")}
            assert conn.execute(select(m["event_student"].c.status, m["event_student"].c.delivery_hours)
                                .where(m["event_student"].c.salesforce_id == taken)).one() == ("No Show", 1.5)
            assert conn.execute(select(m["history"].c.summary)
                                .where(m["history"].c.salesforce_id == task)).scalar_one() == "Edited in Salesforce"
            assert conn.execute(select(m["event_volunteer"].c.deleted_at)
                                .where(m["event_volunteer"].c.salesforce_id == gone)).scalar_one() is not None
            assert set(open_issues(conn, "events")[early]) == {("PARENT_MISSING", "Contact__c")}

        sf.Contact.update(teacher, {"Contact_Type__c": "Volunteer"})
        sync_all(sync, "changes-2")
        with engine.connect() as conn:
            linked = conn.execute(select(m["event_volunteer"].c.event_id, m["event_volunteer"].c.status)
                                  .where(m["event_volunteer"].c.salesforce_id == early)).one()
            assert tuple(linked) == (lone_id, "Scheduled")
            assert early not in open_issues(conn, "events")
        check_every_record_landed(engine, client)
    finally:
        engine.dispose()
