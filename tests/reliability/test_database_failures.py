"""A database write that fails in the middle of a step: classified DATABASE, recorded, nothing half-written.

Two ways to make the database refuse: SQLite's own "database or disk is full" (``PRAGMA max_page_count`` set
on every connection the step opens, so the file cannot grow past a few pages more), and, on both SQLite and
PostgreSQL, a trigger that refuses one record of the second page (PostgreSQL's with SQLSTATE 53100,
disk_full). The step must fail with class DATABASE and say so in ``sync_step``; the failing page's
transaction must be rolled back whole, earlier pages kept whole, the watermark not moved; and once the
database takes writes again, the next run must leave it as a run that never failed.
"""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, event

from vmsync.entities import get
from vmsync.errors import SyncError
from vmsync.store import tables as t

from .conftest import differences, snapshot, steps_for

PAGE = 200
VOLUNTEERS = get("volunteers").streams[0]


@contextlib.contextmanager
def sqlite_room(pages: int):
    """Every SQLite connection opened meanwhile may grow its file by ``pages`` pages at most."""

    def cap(dbapi_conn, record):
        cursor = dbapi_conn.cursor()
        used = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {used + pages}")
        cursor.close()

    event.listen(Engine, "connect", cap)
    try:
        yield
    finally:
        event.remove(Engine, "connect", cap)


def page_count(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("PRAGMA page_count")).scalar()
    engine.dispose()
    return count


def refuse_record(db_url: str, record_id: str) -> None:
    """Make the database refuse to write ``record_id`` into the raw Contact mirror (until ``allow_all``)."""
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON sf_contact WHEN NEW.\"Id\" = '{record_id}' "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        else:
            conn.execute(sa.text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; "
                "END $$"))
            conn.execute(sa.text(f"CREATE TRIGGER refuse BEFORE INSERT ON sf_contact FOR EACH ROW "
                                 f"WHEN (NEW.\"Id\" = '{record_id}') EXECUTE FUNCTION refuse()"))
    engine.dispose()


def allow_all(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER refuse"))
        else:
            conn.execute(sa.text("DROP TRIGGER refuse ON sf_contact"))
            conn.execute(sa.text("DROP FUNCTION refuse()"))
    engine.dispose()


def volunteers_in_order(sandbox) -> list[str]:
    """The Ids of the volunteer records in the order the step reads them."""
    soql = f"SELECT Id FROM Contact WHERE {VOLUNTEERS.where} ORDER BY SystemModstamp, Id"
    return [r["Id"] for r in sandbox.client().query_all(soql, include_deleted=True)["records"]]


def written(db_url: str) -> dict[str, set[str]]:
    """The volunteer records found in the raw mirror, in the model, and in open issues."""
    engine = sa.create_engine(db_url)
    raw = t.metadata.tables["sf_contact"]
    contact = t.metadata.tables["contact"]
    i = t.sync_issue
    with engine.connect() as conn:
        found = {
            "raw": set(conn.execute(sa.select(raw.c.Id)).scalars()),
            "model": set(conn.execute(sa.select(contact.c.salesforce_id)).scalars()),
            "issues": set(conn.execute(sa.select(i.c.record_id).where(i.c.entity == "volunteers")).scalars()),
        }
    engine.dispose()
    return found


def recorded_step(db_url: str, run_id: str) -> tuple:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        step = conn.execute(sa.select(t.sync_step.c.status, t.sync_step.c.error_class)
                            .where(t.sync_step.c.run_id == run_id)).one()
        marks = conn.execute(sa.select(t.sync_watermark.c.stream)).scalars().all()
    engine.dispose()
    return tuple(step), marks


def reference_snapshot(sandbox, db_url: str) -> dict:
    steps = steps_for(sandbox, db_url)
    steps.run("organizations", "base", mode="full")
    steps.run("volunteers", "reference", page_size=PAGE)
    return snapshot(db_url)


def test_a_refused_write_on_the_second_page_rolls_that_page_back_whole(org, db_url, second_db_url):
    expected = reference_snapshot(org, second_db_url)
    order = volunteers_in_order(org)
    steps = steps_for(org, db_url)
    steps.run("organizations", "base", mode="full")
    refuse_record(db_url, order[PAGE + 50])

    with pytest.raises(SyncError) as failure:
        steps.run("volunteers", "refused", page_size=PAGE)
    assert str(failure.value.error_class) == "DATABASE"
    assert "disk is full" in failure.value.message or "No space left" in failure.value.message
    step, watermarks = recorded_step(db_url, "refused")
    assert step == ("failed", "DATABASE")
    assert "volunteers:volunteers" not in watermarks, "a failed step set the watermark"
    found = written(db_url)
    first_page, rest = set(order[:PAGE]), set(order[PAGE:])
    assert found["raw"] & set(order) == first_page, "the raw mirror holds part of a page"
    assert first_page <= found["model"] | found["issues"], "a committed page lost records before the model"
    assert not rest & (found["model"] | found["issues"]), "the refused page left rows behind"

    allow_all(db_url)
    assert steps.run("volunteers", "after").status == "succeeded"
    got = snapshot(db_url)
    assert got == expected, differences(got, expected)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_full_disk_mid_step_is_a_database_failure_and_the_next_run_recovers(org, db_url, second_db_url):
    expected = reference_snapshot(org, second_db_url)
    steps = steps_for(org, db_url)
    steps.run("organizations", "base", mode="full")
    room = (page_count(second_db_url) - page_count(db_url)) // 2  # about half of what the step needs

    with sqlite_room(room), pytest.raises(SyncError) as failure:
        steps.run("volunteers", "full-disk", page_size=PAGE)
    assert str(failure.value.error_class) == "DATABASE" and "disk is full" in failure.value.message
    step, watermarks = recorded_step(db_url, "full-disk")
    assert step == ("failed", "DATABASE") and "volunteers:volunteers" not in watermarks
    found = written(db_url)
    assert len(found["raw"]) % PAGE == 0, f"{len(found['raw'])} raw records: part of a page was written"
    assert found["raw"] <= found["model"] | found["issues"]

    assert steps.run("volunteers", "after").status == "succeeded"
    got = snapshot(db_url)
    assert got == expected, differences(got, expected)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_disk_too_full_to_record_the_failure_is_still_a_database_failure(org, db_url):
    steps = steps_for(org, db_url)
    steps.run("organizations", "base", mode="full")
    with sqlite_room(1), pytest.raises(SyncError) as failure:
        steps.run("volunteers", "no-room", page_size=PAGE)
    assert str(failure.value.error_class) == "DATABASE"
