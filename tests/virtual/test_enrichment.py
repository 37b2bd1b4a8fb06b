"""The optional sources of the step: the Pathful User Report (user ids onto teachers and volunteers) and the
school-level sheet (``Id``, ``Level`` into ``school.level``), on a database synced from the tiny org."""

from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import select

from vmsync.store import tables as t

USER_HEADER = ["UserAuthId", "SignUpRole", "Name", "LoginEmail", "NotificationEmail", "School",
               "District or Company", "JoinDate", "LastLoginDate", "LoginCount"]
SESSION_HEADER = ["Session ID", "Title", "Date", "Status", "Duration", "User Auth Id", "SignUp Role", "Name",
                  "Partner", "Attended Educator Count"]


def workbook(path, header, rows):
    book = Workbook()
    for r in [header, *rows]:
        book.active.append(r)
    book.save(path)
    return path


def a_teacher_with_email(engine):
    m = t.metadata.tables
    teacher, email, contact = m["teacher"], m["email"], m["contact"]
    with engine.connect() as conn:
        return conn.execute(
            select(teacher.c.id, email.c.email, contact.c.last_name)
            .join(contact, contact.c.id == teacher.c.contact_id)
            .join(email, email.c.contact_id == contact.c.id)
            .where(teacher.c.deleted_at.is_(None), email.c.deleted_at.is_(None))
            .order_by(teacher.c.id).limit(1)
        ).one()


def a_volunteer(engine):
    m = t.metadata.tables
    volunteer, contact = m["volunteer"], m["contact"]
    with engine.connect() as conn:
        rows = conn.execute(select(volunteer.c.id, contact.c.first_name, contact.c.last_name)
                            .join(contact, contact.c.id == volunteer.c.contact_id)
                            .where(contact.c.first_name.is_not(None)).order_by(volunteer.c.id)).all()
    names = [(r.first_name.lower(), r.last_name.lower()) for r in rows]
    return next(r for r in rows if names.count((r.first_name.lower(), r.last_name.lower())) == 1)


def test_user_report_links_pathful_users_and_their_session_rows(synced, engine, run, tmp_path):
    teacher, volunteer = a_teacher_with_email(engine), a_volunteer(engine)
    users = workbook(tmp_path / "User Report.xlsx", USER_HEADER, [
        [5550001, "Educator", "Someone Else Entirely", f"  {teacher.email.upper()} ", None, "nan", None,
         datetime(2024, 8, 20), "2026-10-01 08:15:00", 12],
        [5550002, "professional", f"{volunteer.first_name} {volunteer.last_name}", None, None, None, "Acme",
         None, None, None],
        [5550003, "Student", "Kid", None, None, None, None, None, None, None],
        [None, "Educator", "No Id", None, None, None, None, None, None, None],
    ])
    sessions = workbook(tmp_path / "Session Report.xlsx", SESSION_HEADER, [
        [777001, "Career Talk", datetime(2026, 3, 3, 10), "Completed", 60, 5550001, "Educator",
         "Nickname Only", "PREP-KC", 1],
    ])

    result = run(sessions, user_report=str(users))

    m = t.metadata.tables
    user, et = m["pathful_user"], m["event_teacher"]
    with engine.connect() as conn:
        got = {r.pathful_user_id: r for r in conn.execute(select(user))}
        linked = conn.execute(select(et.c.teacher_id).where(et.c.name == "Nickname Only")).scalar_one()
    assert set(got) == {"5550001", "5550002"}
    assert (got["5550001"].teacher_id, got["5550001"].login_email) == (teacher.id, teacher.email)
    assert got["5550001"].school is None and got["5550001"].notification_email is None
    assert got["5550001"].login_count == 12 and got["5550001"].role == "educator"
    assert got["5550002"].volunteer_id == volunteer.id and got["5550002"].teacher_id is None
    assert linked == teacher.id
    users_stream = next(s for s in result.streams if s.stream.endswith(":users"))
    assert (users_stream.counts.new, users_stream.counts.rejected) == (2, 2)

    again = run(sessions, run_id="v-2", user_report=str(users))
    assert "pathful_user" not in again.tables_changed


def test_school_levels_set_school_level_and_name_unknown_schools(synced, engine, run, generated, tmp_path):
    school = t.metadata.tables["school"]
    with engine.connect() as conn:
        ids = conn.execute(select(school.c.salesforce_id).order_by(school.c.id).limit(2)).scalars().all()
    sheet = workbook(tmp_path / "levels.xlsx", ["Id", "Level"], [
        [ids[0], " Elementary "], [ids[1][:15], "High"], ["001000000000000AAA", "Middle"], [ids[0], None]])
    report = generated.write(tmp_path / "report.csv")

    result = run(report, school_levels=str(sheet))

    with engine.connect() as conn:
        levels = dict(conn.execute(select(school.c.salesforce_id, school.c.level).where(
            school.c.salesforce_id.in_(ids))).all())
        issue = conn.execute(select(t.sync_issue.c.code, t.sync_issue.c.message).where(
            t.sync_issue.c.record_id == "level:001000000000000AAA")).one()
    assert levels == {ids[0]: "Elementary", ids[1]: "High"}
    assert result.tables_changed["school"] == 2
    assert issue.code == "SCHOOL_NOT_FOUND" and "levels.xlsx, row 4, column 'Id'" in issue.message
    assert "school" not in run(report, run_id="v-2", school_levels=str(sheet)).tables_changed
