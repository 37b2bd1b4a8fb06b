"""A bad report is refused whole, with a message naming the file, row and column, and nothing is written.

Each bad file is the org's generated report with one thing wrong, imported over a database that already holds
a good import of it: afterwards every table is exactly as it was, and the step is recorded as failed
(VALIDATION).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from sfsandbox.pathful import GeneratedReport
from vmsync.errors import ErrorClass, SyncError
from vmsync.store import tables as t

from .conftest import snapshot

TABLES = ("event", "virtual_session", "event_district", "event_teacher", "event_presenter",
          "pathful_report_row", "sync_issue")


def _first_data_row(rows):
    return next(r for r in rows[1:] if r and r[2] is not None and r[10] == "PREP-KC")


def _edit(generated, change) -> GeneratedReport:
    edited = GeneratedReport(rows=[list(r) for r in generated.rows])
    change(edited.rows)
    return edited


def _retitle(rows):
    first = _first_data_row(rows)
    twin = list(first)
    twin[1], twin[7] = "A different session", "Another Teacher"
    rows.append(twin)


def _bad_date(rows):
    _first_data_row(rows)[2] = "2026-02-30 10:00"


def _far_ahead(rows):
    late = list(_first_data_row(rows))
    late[0], late[2], late[3] = 999_999, datetime(2031, 1, 15, 10), "Published"
    rows.append(late)


def _no_status_column(rows):
    for r in rows:
        if r:
            del r[3]


def _no_header(rows):
    del rows[0]


BAD = {
    # kind: (how the good report is spoiled, file suffix, what the message must say besides the file name)
    "duplicated session id": (_retitle, "csv", ["column 'Title'", "is used twice"]),
    "unparsable date": (_bad_date, "xlsx", ["column 'Date'", "'2026-02-30 10:00' is not a date"]),
    "date too far ahead": (_far_ahead, "xlsx", ["column 'Date'", "2031-01-15 is more than a year ahead"]),
    "missing required column": (_no_status_column, "csv", ["row 1", "missing required column Status"]),
    "no header row": (_no_header, "csv", ["row 1", "no header row"]),
}


KINDS = [*BAD, "wrong encoding", "missing file"]
# reading is the same on both: on PostgreSQL one refusal shows that nothing is written, two more with --run-slow
ON_POSTGRES = {"duplicated session id": (), "unparsable date": pytest.mark.slow, "wrong encoding": pytest.mark.slow}


@pytest.mark.parametrize(("db_url", "kind"),
                         [("sqlite", k) for k in KINDS]
                         + [pytest.param("postgresql", k, marks=m) for k, m in ON_POSTGRES.items()],
                         indirect=["db_url"])
def test_bad_input_is_refused_and_nothing_is_written(kind, engine, run, generated, tmp_path):
    run(generated.write(tmp_path / "good.csv"), run_id="v-1")
    before = snapshot(engine, *TABLES)
    if kind == "missing file":
        path, says = tmp_path / "nowhere.xlsx", ["no such file"]
    elif kind == "wrong encoding":
        path, says = tmp_path / "latin1.csv", ["column 'Name'", "not UTF-8 text (byte 0xe9)"]
        rows = [list(r) for r in generated.rows]
        _first_data_row(rows)[7] = "René Dupré"
        path.write_bytes(GeneratedReport(rows=rows).to_bytes("csv").decode().encode("latin-1"))
    else:
        spoil, suffix, says = BAD[kind]
        path = _edit(generated, spoil).write(tmp_path / f"bad.{suffix}")

    with pytest.raises(SyncError) as exc:
        run(path, run_id="v-2")

    assert exc.value.error_class == ErrorClass.VALIDATION
    assert str(path) in exc.value.message and all(s in exc.value.message for s in says), exc.value.message
    assert snapshot(engine, *TABLES) == before
    with engine.connect() as conn:
        step = t.sync_step
        failed = conn.execute(select(step.c.status, step.c.error_class, step.c.error_message)
                              .where(step.c.run_id == "v-2")).one()
    assert (failed.status, failed.error_class) == ("failed", "VALIDATION")
    assert str(path) in failed.error_message


def test_blank_cells_are_null_and_ids_are_never_floats(engine, run, generated, tmp_path):
    rows = [list(r) for r in generated.rows]
    first = _first_data_row(rows)
    sid = str(first[0])
    first[16] = "nan"                     # Career Cluster
    for r in rows[1:]:
        if r and str(r[0]) == sid:
            r[16] = "nan"
    extra = list(first)
    extra[0], extra[7], extra[8] = float(sid), "Solo Teacher", None
    rows.append(extra)
    run(GeneratedReport(rows=rows).write(tmp_path / "odd.xlsx"), now=datetime(2026, 11, 20, tzinfo=UTC))
    m = t.metadata.tables
    vs, teachers = m["virtual_session"], m["event_teacher"]
    with engine.connect() as conn:
        ids = set(conn.execute(select(vs.c.pathful_session_id)).scalars())
        cluster = conn.execute(select(vs.c.career_cluster).where(vs.c.pathful_session_id == sid)).scalar_one()
        solo = conn.execute(select(teachers.c.school_name, teachers.c.name)
                            .where(teachers.c.name == "Solo Teacher")).one()
    assert not any(i.endswith(".0") for i in ids) and sid in ids
    assert cluster is None and solo.school_name is None
