"""The raw mirror tells the truth: whichever stream wrote a row of ``sf_<object>``, the row holds every mirrored
field as Salesforce has it, so a NULL there means Salesforce holds nothing (not "this stream did not read it")."""

from __future__ import annotations

import sqlalchemy as sa

from vmsync.entities import CATALOG, get
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.sync import build_soql


def test_every_stream_of_an_object_selects_the_same_mirrored_fields():
    for sf_object, field_sets in CATALOG.raw_fields.items():
        union = {name for fields in field_sets for name in fields}
        assert set(CATALOG.mirrored[sf_object]) == union
    for entity in ("schools", "organizations", "volunteers", "teachers", "students"):
        for stream in get(entity).streams:
            select_list = build_soql(stream, None).removeprefix("SELECT ").split(" FROM ")[0].split(", ")
            assert select_list == list(CATALOG.mirrored[stream.object]), stream.name


def _nulls_in_org(sf, sf_object: str, fields: list[str]) -> dict[str, set[str]]:
    records = sf.query_all(f"SELECT {', '.join(fields)} FROM {sf_object}")["records"]
    return {r["Id"]: {f for f in fields if r[f] is None} for r in records}


def test_raw_rows_are_null_exactly_where_salesforce_holds_nothing(clean_sandbox, sync, db_url):
    for entity in ("schools", "teachers"):
        assert sync(entity, "r1").status == "succeeded"
    sf = clean_sandbox.client()
    engine = open_engine(db_url)
    try:
        for sf_object in ("Account", "Contact"):
            fields = list(CATALOG.mirrored[sf_object])
            in_org = _nulls_in_org(sf, sf_object, fields)
            raw = t.metadata.tables[t.raw_table_name(sf_object)]
            with engine.connect() as conn:
                rows = conn.execute(sa.select(*(raw.c[f] for f in fields))).all()
            assert rows, sf_object
            for row in rows:
                mirrored_nulls = {f for f, value in zip(fields, row, strict=True) if value is None}
                assert mirrored_nulls == in_org[row[0]], (sf_object, row[0])
        with engine.connect() as conn:   # the fields the issue found NULL: read by another stream than these
            contact = t.metadata.tables["sf_contact"]
            assert conn.execute(sa.select(sa.func.count()).where(contact.c.Title.is_not(None))).scalar() > 0
            account = t.metadata.tables["sf_account"]
            assert conn.execute(sa.select(sa.func.count()).where(account.c.Type == "School")).scalar() > 0
    finally:
        engine.dispose()
