"""The raw mirror tells the truth: a row of ``sf_<object>`` holds every mirrored field as Salesforce has it,
whichever stream wrote it, so NULL there means Salesforce holds nothing; or, for an object read per stream
(``READ_PER_STREAM``), the row names the stream whose fields it holds (``read_by``), and only those count."""

from __future__ import annotations

import sqlalchemy as sa

from vmsync.entities import CATALOG, create_schema, get
from vmsync.entities.catalog import READ_PER_STREAM
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.store.database import schema_fingerprint
from vmsync.sync import build_soql


def _select_list(stream) -> list[str]:
    return build_soql(stream, None).removeprefix("SELECT ").split(" FROM ")[0].split(", ")


def test_every_stream_of_an_object_selects_the_same_fields_unless_read_per_stream():
    for sf_object, field_sets in CATALOG.raw_fields.items():
        assert set(CATALOG.mirrored[sf_object]) == {name for fields in field_sets for name in fields}
    for entity in ("schools", "organizations", "volunteers", "teachers", "students", "events",
                   "student_participation"):
        for stream in get(entity).streams:
            own = stream.object in READ_PER_STREAM
            assert _select_list(stream) == list(stream.fields if own else CATALOG.mirrored[stream.object])


def _nulls_in_org(sf, sf_object: str, fields: list[str]) -> dict[str, set[str]]:
    records = sf.query_all(f"SELECT {', '.join(fields)} FROM {sf_object}")["records"]
    return {r["Id"]: {f for f in fields if r[f] is None} for r in records}


def test_raw_rows_are_null_exactly_where_salesforce_holds_nothing_in_what_was_read(clean_sandbox, sync, db_url):
    for entity in ("schools", "organizations", "teachers", "volunteers"):
        assert sync(entity, "r1").status == "succeeded"
    streams = {get(e).stream_key(s): s for e in ("schools", "organizations", "teachers", "volunteers")
               for s in get(e).streams}
    sf = clean_sandbox.client()
    engine = open_engine(db_url)
    try:
        for sf_object in ("Account", "Contact"):
            fields = list(CATALOG.mirrored[sf_object])
            in_org = _nulls_in_org(sf, sf_object, fields)
            raw = t.metadata.tables[t.raw_table_name(sf_object)]
            with engine.connect() as conn:
                rows = conn.execute(sa.select(raw.c.read_by, *(raw.c[f] for f in fields))).all()
            assert rows, sf_object
            for read_by, *values in rows:
                read = set(streams[read_by].fields) if sf_object in READ_PER_STREAM else set(fields)
                nulls = {f for f, value in zip(fields, values, strict=True) if value is None and f in read}
                assert nulls == in_org[values[0]] & read, (sf_object, values[0], read_by)
        with engine.connect() as conn:   # a school's Type, read by the organizations stream, is there too
            account = t.metadata.tables["sf_account"]
            assert conn.execute(sa.select(sa.func.count()).where(account.c.Type == "School")).scalar() > 0
    finally:
        engine.dispose()


def test_an_existing_database_gains_read_by_and_keeps_its_rows(db_url):
    engine = open_engine(db_url)
    try:
        create_schema(engine)
        contact = t.metadata.tables["sf_contact"]
        with engine.begin() as conn:   # the database as the version before read_by left it
            conn.execute(sa.text('ALTER TABLE "sf_contact" DROP COLUMN "read_by"'))
            conn.execute(sa.text("UPDATE sync_meta SET value = 'before read_by' WHERE key = 'schema'"))
            conn.execute(sa.text('INSERT INTO "sf_contact" ("Id", "IsDeleted", "LastName", "synced_at") '
                                 "VALUES ('003000000000001AAA', false, 'Old', CURRENT_TIMESTAMP)"))
        create_schema(engine)
        with engine.connect() as conn:
            row = conn.execute(sa.select(contact.c.LastName, contact.c.read_by)).one()
            stored = conn.execute(sa.text("SELECT value FROM sync_meta WHERE key = 'schema'")).scalar()
        assert tuple(row) == ("Old", None) and stored == schema_fingerprint()
    finally:
        engine.dispose()
