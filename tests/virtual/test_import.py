"""The session report of the tiny org imported into a database synced from it, on SQLite and PostgreSQL.

What the generator says each person, school, district and company means (``generated.expected``) is what the
database must hold afterwards; importing the same file again changes nothing; an edited file changes exactly
the sessions edited; a person no org has is one open issue however often the file comes, and is linked once
the org has that teacher and the teachers step has synced them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from sfsandbox.pathful import GeneratedReport
from vmsync.store import tables as t

from ..conftest import POSTGRES_IN_SLOW
from .conftest import snapshot

VIRTUAL_TABLES = ("event", "virtual_session", "event_district", "event_teacher", "event_presenter",
                  "pathful_report_row")
STATUS = {"completed": "COMPLETED", "cancelled": "CANCELLED", "teacher no-show": "NO_SHOW", "draft": "DRAFT",
          "published": "PUBLISHED", "confirmed": "CONFIRMED", "requested": "REQUESTED"}


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def events(engine) -> dict[str, dict]:
    """Live Pathful events by session id, with their school and named district as Salesforce Ids."""
    m = t.metadata.tables
    event, vs, school, link, district = m["event"], m["virtual_session"], m["school"], m["event_district"], \
        m["district"]
    q = (select(vs.c.pathful_session_id, event.c.title, event.c.type, event.c.format, event.c.start_at,
                event.c.status, event.c.run_id, school.c.salesforce_id.label("school"),
                district.c.salesforce_id.label("district"))
         .join(event, event.c.id == vs.c.event_id).outerjoin(school, school.c.id == event.c.school_id)
         .outerjoin(link, sa.and_(link.c.event_id == event.c.id, link.c.source == "district_field",
                                  link.c.deleted_at.is_(None)))
         .outerjoin(district, district.c.id == link.c.district_id)
         .where(event.c.deleted_at.is_(None)))
    with engine.connect() as conn:
        return {r.pathful_session_id: dict(r._mapping) for r in conn.execute(q)}


def people(engine, role: str) -> dict[tuple[str, str], dict]:
    """Live educators (or presenters) by (session id, name as written), with what they link to, as SF Ids."""
    m = t.metadata.tables
    vs, contact = m["virtual_session"], m["contact"]
    if role == "educator":
        part, person, place = m["event_teacher"], m["teacher"], m["school"]
        person_col, place_col = part.c.teacher_id, part.c.school_id
    else:
        part, person, place = m["event_presenter"], m["volunteer"], m["organization"]
        person_col, place_col = part.c.volunteer_id, part.c.organization_id
    q = (select(vs.c.pathful_session_id, part.c.name, part.c.status, contact.c.salesforce_id.label("contact"),
                place.c.salesforce_id.label("place"))
         .join(vs, vs.c.event_id == part.c.event_id).outerjoin(person, person.c.id == person_col)
         .outerjoin(contact, contact.c.id == person.c.contact_id).outerjoin(place, place.c.id == place_col)
         .where(part.c.deleted_at.is_(None)))
    with engine.connect() as conn:
        return {(r.pathful_session_id, r.name): dict(r._mapping) for r in conn.execute(q)}


def open_issues(engine) -> list[tuple]:
    i = t.sync_issue
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(i.c.record_id, i.c.code, i.c.attempts).where(i.c.entity == "virtual_sessions",
                                                                  i.c.resolved_at.is_(None))
            .order_by(i.c.record_id))]


# The file's format matters before the database does: on PostgreSQL the workbook by default, the CSV too with
# --run-slow.
@pytest.mark.parametrize(("db_url", "report_file"), [
    ("sqlite", "xlsx"), ("sqlite", "csv"), ("postgresql", "xlsx"),
    pytest.param("postgresql", "csv", marks=pytest.mark.slow)], indirect=True)
def test_an_import_creates_the_expected_events_and_links(synced, sync, report_file, run, engine, generated):
    sync("events", "sf-1")  # Salesforce sessions share the event table; Pathful keys never meet theirs
    result = run(report_file)
    dated = {sid: s for sid, s in generated.sessions.items() if s.start is not None}
    assert result.status == "succeeded"
    assert (result.counts.new, result.counts.updated, result.counts.rejected) == (len(dated), 0, 0)

    got = events(engine)
    assert set(got) == set(dated)
    for sid, planned in dated.items():
        e = got[sid]
        assert (e["title"], e["type"], e["format"]) == (planned.title, "VIRTUAL_SESSION", "VIRTUAL")
        assert utc(e["start_at"]) == planned.start
        assert e["status"] == STATUS[planned.status.lower()]
        assert (e["school"], e["district"]) == (planned.school_id, planned.district_id), sid

    for role, place in (("educator", "school_id"), ("professional", "organization_id")):
        rows = people(engine, role)
        expected = [p for p in generated.expected if p.role == role and p.session_id in dated]
        assert len(rows) == len({(p.session_id, p.name.strip()) for p in expected})
        for p in expected:
            row = rows[(p.session_id, p.name.strip())]
            assert row["contact"] == p.contact_id, p
            assert row["place"] == getattr(p, place), p

    unmatched = [p for p in generated.expected if p.contact_id is None and p.session_id in dated]
    codes = {code for _, code, _ in open_issues(engine)}
    assert len(unmatched) >= 3 and {"TEACHER_UNMATCHED", "VOLUNTEER_UNMATCHED", "NO_DATE"} <= codes
    assert result.tables_changed["event"] == len(dated)


# On PostgreSQL, what an unchanged session must leave alone is shown by the edited file's test (only the sessions
# edited are updated); this one runs there with --run-slow.
@pytest.mark.parametrize("db_url", POSTGRES_IN_SLOW, indirect=True)
def test_importing_the_same_file_again_changes_nothing(synced, report_xlsx, run, engine):
    first = run(report_xlsx, run_id="v-1")
    before = snapshot(engine, *VIRTUAL_TABLES)
    issues_before = [(r, c) for r, c, _ in open_issues(engine)]

    again = run(report_xlsx, run_id="v-2")

    assert snapshot(engine, *VIRTUAL_TABLES) == before
    assert [(r, c) for r, c, _ in open_issues(engine)] == issues_before
    assert all(attempts == 2 for _, _, attempts in open_issues(engine))
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, first.counts.new)
    assert again.tables_changed == {}


def _rows_of(report: GeneratedReport, sid: str) -> list[list]:
    return [r for r in report.rows[1:] if r and str(r[0]).removesuffix(".0") == sid and r[10] == "PREP-KC"]


def test_an_edited_file_updates_exactly_the_changed_sessions(synced, run, engine, generated, tmp_path):
    run(generated.write(tmp_path / "before.csv"), run_id="v-1")
    edited = GeneratedReport(rows=[list(r) for r in generated.rows])
    held = [sid for sid, s in generated.sessions.items() if s.start and s.status == "Completed"]
    with_presenter = next(sid for sid in held if any(r[6] == "Professional" for r in _rows_of(edited, sid)))
    renamed, cancelled = [sid for sid in held if sid != with_presenter][:2]
    for row in _rows_of(edited, renamed):
        row[1] = "Renamed: " + row[1]
    for row in _rows_of(edited, cancelled):
        row[3] = "Cancelled"
    dropped = next(r for r in _rows_of(edited, with_presenter) if r[6] == "Professional")
    edited.rows.remove(dropped)

    result = run(edited.write(tmp_path / "after.csv"), run_id="v-2")

    changed = {renamed, cancelled, with_presenter}
    assert (result.counts.updated, result.counts.new) == (3, 0)
    assert result.counts.unchanged == len([s for s in generated.sessions.values() if s.start]) - 3
    got = events(engine)
    assert {sid for sid, e in got.items() if e["run_id"] == "v-2"} == changed - {with_presenter}
    assert got[renamed]["title"].startswith("Renamed: ") and got[cancelled]["status"] == "CANCELLED"
    m = t.metadata.tables
    with engine.connect() as conn:
        for name in ("event_teacher", "event_presenter", "event_district", "virtual_session"):
            table, vs = m[name], m["virtual_session"].alias("s")
            touched = set(conn.execute(
                select(vs.c.pathful_session_id).join(table, table.c.event_id == vs.c.event_id)
                .where(table.c.run_id == "v-2")).scalars())
            assert touched <= changed, name
        gone = conn.execute(select(m["event_presenter"].c.deleted_at).where(
            m["event_presenter"].c.name == str(dropped[7]).strip(),
            m["event_presenter"].c.salesforce_id.startswith(f"pathful:{with_presenter}:"))).scalar_one()
    assert gone is not None
    statuses = {r["status"] for (sid, _), r in people(engine, "educator").items() if sid == cancelled}
    assert statuses == {"no_show"}


def test_unmatched_people_appear_once_and_link_when_the_teacher_is_synced(synced, report_xlsx, run, engine,
                                                                          generated, clean_sandbox, sync):
    stranger = next(p for p in generated.expected if p.role == "educator" and p.contact_id is None)
    first, last = stranger.name.split()
    record = f"teacher:{first.lower()} {last.lower()}"
    for n in range(3):
        run(report_xlsx, run_id=f"v-{n}")
    mine = [i for i in open_issues(engine) if i[0] == record]
    assert mine == [(record, "TEACHER_UNMATCHED", 3)]

    new_teacher = {"FirstName": first, "LastName": last, "Contact_Type__c": "Teacher"}
    clean_sandbox.client().Contact.create(new_teacher)
    sync("teachers", "sf-2")
    # the session is before the cutoff, so not read from the file: it is mapped again from the stored rows
    result = run(report_xlsx, run_id="v-9", mode="custom", cutoff="2026-11-19")

    assert record not in {i[0] for i in open_issues(engine)}
    assert result.counts.healed >= 1 and result.report["remapped"] >= 1
    row = people(engine, "educator")[(stranger.session_id, stranger.name)]
    assert row["contact"] is not None
    i = t.sync_issue
    with engine.connect() as conn:
        resolved = conn.execute(select(i.c.resolution, i.c.resolved_run_id).where(
            i.c.entity == "virtual_sessions", i.c.record_id == record)).one()
    assert tuple(resolved) == ("linked", "v-9")


@pytest.mark.parametrize("db_url", POSTGRES_IN_SLOW, indirect=True)  # the cutoff is worked out before the database
def test_modes_keep_sessions_from_their_cutoff(report_xlsx, run, engine, generated):
    dated = {sid: s.start for sid, s in generated.sessions.items() if s.start is not None}
    semester_start = datetime(2026, 8, 1, 5, tzinfo=UTC)  # August 1, midnight in Kansas City (CDT)
    custom_start = datetime(2026, 3, 1, 6, tzinfo=UTC)     # March 1, midnight (CST)

    result = run(report_xlsx, run_id="v-1", mode="semester")
    assert set(events(engine)) == {sid for sid, start in dated.items() if start >= semester_start}
    assert result.report["cutoff"] == semester_start.isoformat() and result.report["historic"] > 0

    run(report_xlsx, run_id="v-2", mode="custom", cutoff="2026-03-01")
    assert set(events(engine)) == {sid for sid, start in dated.items() if start >= custom_start}

    result = run(report_xlsx, run_id="v-3", mode="six_month")
    assert result.report["cutoff"] == datetime(2026, 5, 24, 18, tzinfo=UTC).isoformat()

    result = run(report_xlsx, run_id="v-4", mode="full")
    assert set(events(engine)) == set(dated) and result.report["historic"] == 0


def test_a_dry_run_writes_nothing_and_no_source_is_a_skip(report_xlsx, run, engine):
    before = snapshot(engine, *VIRTUAL_TABLES, "sync_issue")
    result = run(report_xlsx, dry_run=True)
    assert result.counts.new > 0 and result.tables_changed["event"] == result.counts.new
    assert snapshot(engine, *VIRTUAL_TABLES, "sync_issue") == before

    skipped = run(None, run_id="v-skip")
    assert skipped.status == "skipped" and "VMSYNC_PATHFUL_SOURCE" in skipped.skip_reason
    with engine.connect() as conn:
        step = conn.execute(select(t.sync_step.c.status, t.sync_step.c.details).where(
            t.sync_step.c.run_id == "v-skip")).one()
    assert step.status == "skipped" and "VMSYNC_PATHFUL_SOURCE" in step.details["skip_reason"]


@pytest.mark.parametrize("db_url", POSTGRES_IN_SLOW, indirect=True)  # read from a URL, then imported as a file is
def test_a_published_sheet_is_imported_from_its_url(synced, run, engine, generated, https):
    base, ca, routes = https
    routes["/spreadsheets/d/e/2PACX-1/pub?output=csv"] = (200, "text/csv", generated.to_bytes("csv"))
    result = run(f"{base}/spreadsheets/d/e/2PACX-1/pub?output=csv", ca_bundle=ca)
    assert result.source == f"{base}/spreadsheets/d/e/2PACX-1/pub"  # the query string never shows
    assert set(events(engine)) == {sid for sid, s in generated.sessions.items() if s.start}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_full_salesforce_events_run_leaves_pathful_events_alone(synced, sync, report_xlsx, run, engine):
    run(report_xlsx)
    pathful = set(events(engine))
    sync("events", "sf-2", mode="full")
    assert set(events(engine)) == pathful
