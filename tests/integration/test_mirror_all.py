"""A stream that mirrors all fields of its object (``Stream.mirror_all``, docs/sync-rules.md#org-shape), on
SQLite and PostgreSQL: a field an admin adds gets a raw column with the values Salesforce returns, the schema
vmsync defines stays as the specs make it, and a field that leaves keeps its column and values."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from vmsync.entities import get
from vmsync.store import open_engine, schema_fingerprint
from vmsync.store import tables as t
from vmsync.sync import step

from .test_org_shape import stored

ROOM = "SELECT \"Id\", \"Room__c\" FROM sf_class__c WHERE \"Room__c\" IS NOT NULL ORDER BY \"Id\""
SEATS = "SELECT \"Seats__c\" FROM sf_class__c WHERE \"Seats__c\" IS NOT NULL ORDER BY \"Id\""


@pytest.fixture
def mirroring_all(monkeypatch):
    """Steps of ``classes`` run with its stream mirroring all of Class__c's fields."""
    spec = get("classes")
    everything = replace(spec, streams=tuple(replace(s, mirror_all=True) for s in spec.streams))
    monkeypatch.setattr(step, "get_entity", lambda name: everything if name == "classes" else get(name))


def columns(db_url: str, table: str) -> set[str]:
    engine = open_engine(db_url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def new_field_messages(db_url: str) -> list[str]:
    return [m for (m,) in stored(db_url, "SELECT message FROM sync_issue WHERE code = 'FIELD_NEW' "
                                         "AND field = 'Room__c' AND resolved_at IS NULL")]


def add_room(sandbox) -> dict[str, str]:
    """Class__c.Room__c (text) and Seats__c (a number) added in the org, and given values on two classes
    (Id: room; seats 30 and 12)."""
    sandbox.control.change_field("Class__c", "Room__c", "add", type="string")
    sandbox.control.change_field("Class__c", "Seats__c", "add", type="int")
    sf = sandbox.client()
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Class__c ORDER BY Id LIMIT 2")["records"]]
    rooms = dict(zip(ids, ["B12", "Gym"], strict=True))
    for (record_id, room), seats in zip(rooms.items(), [30, 12], strict=True):
        sf.Class__c.update(record_id, {"Room__c": room, "Seats__c": seats})
    return rooms


def test_a_new_field_of_a_stream_that_mirrors_all_fields_gets_a_raw_column_with_its_values(
        clean_sandbox, sync, db_url, mirroring_all):
    sync("schools", "r1")
    sync("classes", "r1")
    model_columns = columns(db_url, "class")
    rooms = add_room(clean_sandbox)

    first = sync("classes", "r2")

    assert first.status == "succeeded" and first.streams[0].full  # a field read for the first time: in full
    assert dict(stored(db_url, ROOM)) == rooms
    assert stored(db_url, SEATS) == [(30.0,), (12.0,)]  # a number column
    assert columns(db_url, "class") == model_columns  # mirrored raw only
    assert "Room__c" not in t.metadata.tables["sf_class__c"].c  # the schema the specs make is unchanged
    assert stored(db_url, "SELECT value FROM sync_meta WHERE key = 'schema'") == [(schema_fingerprint(),)]
    assert new_field_messages(db_url) == [
        "Class__c.Room__c is a new field vmsync does not sync (mirrored raw only: the stream mirrors all fields)"]

    again = sync("classes", "r3")  # idempotent

    assert dict(stored(db_url, ROOM)) == rooms
    assert not again.streams[0].full and again.counts.updated == 0

    clean_sandbox.control.change_field("Class__c", "Room__c", "remove")
    sf = clean_sandbox.client()
    for record_id in rooms:
        sf.Class__c.update(record_id, {"Name": f"Renamed {record_id}"})

    assert sync("classes", "r4").status == "succeeded"

    assert "Room__c" in columns(db_url, "sf_class__c")
    assert dict(stored(db_url, ROOM)) == rooms  # kept as stored, never overwritten with NULL
    names = dict(stored(db_url, "SELECT \"Id\", \"Name\" FROM sf_class__c"))
    assert all(names[record_id] == f"Renamed {record_id}" for record_id in rooms)


def test_without_the_option_a_new_field_is_reported_and_not_mirrored(clean_sandbox, sync, db_url):
    sync("schools", "r1")
    sync("classes", "r1")
    add_room(clean_sandbox)

    assert sync("classes", "r2").status == "succeeded"

    assert "Room__c" not in columns(db_url, "sf_class__c")
    assert new_field_messages(db_url) == ["Class__c.Room__c is a new field vmsync does not sync"]


def test_a_mirrored_field_retyped_keeps_its_column_kind_and_warns_on_values_that_no_longer_fit(
        clean_sandbox, sync, db_url, mirroring_all):
    sync("schools", "r1")
    rooms = add_room(clean_sandbox)
    sync("classes", "r1")  # Seats__c gets a number column
    fits, misfit = rooms
    clean_sandbox.control.change_field("Class__c", "Seats__c", "retype", type="string")
    sf = clean_sandbox.client()
    sf.Class__c.update(fits, {"Seats__c": "40"})
    sf.Class__c.update(misfit, {"Seats__c": "a dozen"})

    assert sync("classes", "r2").status == "succeeded"

    seats = dict(stored(db_url, "SELECT \"Id\", \"Seats__c\" FROM sf_class__c"))
    assert (seats[fits], seats[misfit]) == (40.0, None)
    warnings = stored(db_url, "SELECT record_id, field FROM sync_issue WHERE code = 'TYPE_CHANGED' "
                              "AND resolved_at IS NULL")
    assert warnings == [(misfit, "Seats__c")]
    retyped = "SELECT field, resolution FROM sync_issue WHERE code = 'FIELD_RETYPED'"
    assert stored(db_url, retyped) == [("Seats__c", None)]

    clean_sandbox.control.change_field("Class__c", "Seats__c", "remove")
    sync("classes", "r3")

    assert stored(db_url, retyped) == [("Seats__c", "fixed")]
    assert dict(stored(db_url, "SELECT \"Id\", \"Seats__c\" FROM sf_class__c"))[fits] == 40.0


def test_a_dry_run_adds_the_column_and_writes_no_value(clean_sandbox, sync, db_url, mirroring_all):
    sync("schools", "r1")
    sync("classes", "r1")
    add_room(clean_sandbox)

    assert sync("classes", "r2", dry_run=True).status == "succeeded"

    assert "Room__c" in columns(db_url, "sf_class__c")
    assert stored(db_url, ROOM) == []
