"""The loader's shortcuts keep every value: rows sharing objects (the stamps every row of a page has), long IN
lists through ``run_in``, raw values taken as extracted, and the garbage collector given back as it was."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from vmsync.entities import create_schema
from vmsync.entities.normalize import coerce, coercer
from vmsync.entities.spec import Reject
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.store.chunks import CHUNK, in_values, run_in
from vmsync.store.upsert import BATCH, upsert
from vmsync.sync.writer import gc_paused

contact = t.metadata.tables["contact"]
ROWS = BATCH + 500  # two batches
BOUNCED = datetime(2025, 6, 1, 12, 30, 15, 250000, tzinfo=UTC)


def contact_rows(now: datetime, run_id: str) -> list[dict]:
    """Rows that share some objects with the row before (now, run_id, None, True) and not others."""
    return [{"salesforce_id": f"003{i:015d}", "type": "student", "first_name": None if i % 3 else f"F{i}",
             "last_name": f"L{i}", "birthdate": date(2000, 1, 1) + timedelta(days=i % 7) if i % 2 else None,
             "do_not_call": i % 5 == 0, "do_not_contact": False, "email_opt_out": True,
             "email_bounced_at": BOUNCED - timedelta(hours=i) if i % 4 == 0 else None,
             "created_at": now, "updated_at": now, "deleted_at": None, "run_id": run_id} for i in range(ROWS)]


def stored(conn) -> dict[str, tuple]:
    columns = [contact.c[n] for n in ("first_name", "last_name", "birthdate", "do_not_call", "do_not_contact",
                                      "email_opt_out", "email_bounced_at", "run_id")]
    return {r[0]: (*r[1:-2], r[-2] and _utc(r[-2]), r[-1])
            for r in conn.execute(select(contact.c.salesforce_id, *columns))}


def _utc(value: datetime) -> datetime:
    """A date-time as the database gave it back: aware (PostgreSQL) or naive UTC (SQLite)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def expected(rows: list[dict]) -> dict[str, tuple]:
    return {r["salesforce_id"]: (r["first_name"], r["last_name"], r["birthdate"], r["do_not_call"],
                                 r["do_not_contact"], r["email_opt_out"], r["email_bounced_at"], r["run_id"])
            for r in rows}


def test_upsert_writes_every_value_of_rows_that_share_objects(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        create_schema(engine)
        now = datetime(2026, 11, 29, 3, 4, 5, 678901, tzinfo=UTC)
        rows = contact_rows(now, "run-1")
        with engine.begin() as conn:
            assert upsert(conn, contact, rows) == ROWS
            assert stored(conn) == expected(rows)
        again = contact_rows(now + timedelta(days=1), "run-2")
        again[7]["last_name"] = "Changed"
        with engine.begin() as conn:
            assert upsert(conn, contact, again) == 1  # only stamps differ for the others
            assert stored(conn)[again[7]["salesforce_id"]][1] == "Changed"
    finally:
        engine.dispose()


def test_run_in_reads_and_updates_past_one_in_list(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        create_schema(engine)
        now = datetime(2026, 11, 29, tzinfo=UTC)
        rows = contact_rows(now, "run-1")
        keys = [r["salesforce_id"] for r in rows[: CHUNK * 2 + 10]] + ["003-not-there"]
        with engine.begin() as conn:
            upsert(conn, contact, rows)
            found = [k for k, in run_in(conn, select(contact.c.salesforce_id).where(
                contact.c.salesforce_id.in_(in_values())), keys)]
            assert sorted(found) == sorted(keys[:-1])
            list(run_in(conn, update(contact).where(contact.c.salesforce_id.in_(in_values())).values(notes="seen"),
                        keys))
            noted = conn.execute(select(contact.c.salesforce_id).where(contact.c.notes == "seen")).scalars().all()
            assert sorted(noted) == sorted(keys[:-1])
    finally:
        engine.dispose()


FIELDS = {"Id": "text", "Name": "text", "Flag": "bool", "Amount": "number", "Day": "date", "At": "datetime",
          "Blob": "json"}


@pytest.mark.parametrize("record", [
    {"Id": "a", "Name": "x", "Flag": True, "Amount": 1.5, "Day": date(2020, 1, 2),
     "At": datetime(2020, 1, 2, 3, tzinfo=UTC), "Blob": {"k": [1]}},
    {"Id": "a", "Name": 12, "Flag": "true", "Amount": 3, "Day": "2020-01-02",
     "At": "2020-01-02T03:00:00.000+0000", "Blob": None},
    {"Id": "a", "Flag": "false", "Amount": "2.5", "Day": datetime(2020, 1, 2, 23, tzinfo=UTC),
     "At": datetime(2020, 1, 2, 3)},  # fields missing, a date-time for a date, a naive date-time
])
def test_coercer_gives_what_coerce_gives(record: dict) -> None:
    assert coercer(FIELDS)(record) == {name: coerce(kind, record.get(name), name) for name, kind in FIELDS.items()}


def test_coercer_rejects_what_coerce_rejects() -> None:
    with pytest.raises(Reject):
        coercer(FIELDS)({"Id": "a", "Day": "not a date"})


def test_gc_paused_gives_the_collector_back_as_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a page that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
