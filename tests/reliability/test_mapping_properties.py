"""Arbitrary Salesforce records through every mapping of every entity (every ``Stream.map`` of
``vmsync.entities.ENTITIES``), written by the ``PageWriter`` into SQLite: hypothesis replaces any fields of
real records of the tiny org with values of any type (text of any length and script, numbers out of range,
NaN, dates that are not dates, naive and aware date-times, lists, ...).

Whatever the values, the page is written without an exception; each changed record ends in its table or in
``sync_issue`` with a reason (or is a deleted record, which has neither); and the unchanged records written
in the same page end exactly as they end when written alone: one bad record never costs a neighbour.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmsync.config import load_settings
from vmsync.entities import CATALOG, create_schema, ordered
from vmsync.salesforce import connect
from vmsync.store import tables as t
from vmsync.store.database import open_engine
from vmsync.sync.step import build_soql
from vmsync.sync.writer import PageWriter

from ..conftest import environ

STREAMS = [(entity, stream) for entity in ordered() for stream in entity.streams]
NEIGHBOURS = 5
NOW = datetime(2026, 11, 2, tzinfo=UTC)
_fresh_ids = (f"a9Z{n:015d}" for n in itertools.count())

TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=300)
ANY_VALUE = st.one_of(
    st.none(), TEXT, st.text(max_size=3).map(lambda s: " " * 3 + s), st.just(""), st.just("x" * 40_000),
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.booleans(), st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))),
    st.sampled_from(["2024-13-45", "31/12/2024", "true", "NaN", "-1", "1e309"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def samples(sandbox) -> dict[str, list[dict]]:
    """A few real records per stream, typed as the extractor hands them to the writer."""
    sandbox.control.reset()
    client = connect(load_settings(environ=environ(sandbox, "sqlite:///unused.db"), env_file=None))
    found = {}
    for entity, stream in STREAMS:
        pages = client.query_pages(build_soql(stream, None), page_size=200)
        found[entity.stream_key(stream)] = next(pages)[:NEIGHBOURS]
        pages.close()
    return found


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('mapping')}/vms.db")
    create_schema(engine)
    yield engine
    engine.dispose()


def outcome(conn, entity, stream, record_id: str) -> tuple:
    """Whether the record is live in its table, and its open issues."""
    spec = next(tb for tb in stream.tables if tb.kind == "record")
    table = t.metadata.tables[spec.name]
    live = conn.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.salesforce_id == record_id, table.c.deleted_at.is_(None), *spec.in_scope(table))).scalar()
    i = t.sync_issue
    issues = conn.execute(sa.select(i.c.kind, i.c.code, i.c.field).where(
        i.c.entity == entity.name, i.c.record_id == record_id, i.c.resolved_at.is_(None))).all()
    return bool(live), sorted(map(tuple, issues))


def write_and_look(engine, entity, stream, page: list[dict]) -> dict[str, tuple]:
    """Write ``page`` in a transaction that is rolled back, and return each record's outcome."""
    writer = PageWriter(entity, stream, "mapping", NOW, CATALOG)
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            writer.write(conn, page)
            return {r["Id"]: outcome(conn, entity, stream, r["Id"]) for r in page}
        finally:
            transaction.rollback()


@pytest.mark.parametrize(("entity", "stream"), STREAMS, ids=[e.stream_key(s) for e, s in STREAMS])
def test_arbitrary_records_never_crash_a_page_nor_cost_a_neighbour(engine, samples, request, entity, stream):
    neighbours = [dict(r) for r in samples[entity.stream_key(stream)]]
    alone = write_and_look(engine, entity, stream, neighbours)
    names = [f for f in stream.fields if f != "Id"]
    bad_record = st.tuples(st.integers(0, len(neighbours) - 1),
                           st.dictionaries(st.sampled_from(names), ANY_VALUE, min_size=1))
    examples = 400 if request.config.getoption("--run-soak") else 10

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(bad_record, min_size=1, max_size=3))
    def check(changes):
        bad = [{**neighbours[i], **values, "Id": next(_fresh_ids)} for i, values in changes]
        page = neighbours + bad
        outcomes = write_and_look(engine, entity, stream, page)
        for record in bad:
            written, issues = outcomes[record["Id"]]
            assert written or issues or record.get("IsDeleted") not in (None, False), \
                f"{record['Id']} vanished without a trace: {record}"
        assert {r["Id"]: outcomes[r["Id"]] for r in neighbours} == alone, \
            "a bad record changed a neighbour's fate"

    check()


LONGEST = {  # values as long as Salesforce lets them be, through the API, on a new volunteer
    "email-of-80-characters": {"Email": "a" * 68 + "@example.org"},  # Contact.Email holds 80
    "skill-of-120-characters": {"Volunteer_Skills_Text__c": "Teaching " + "x" * 111},  # one text-list entry
}


@pytest.mark.parametrize("db_url", [
    "sqlite",
    "postgresql",
], indirect=True)
def test_values_as_long_as_salesforce_allows_do_not_fail_the_page(org, steps):
    """One volunteer per value of ``LONGEST``, all read in one step: each must land, and the page with them."""
    sf = org.client()
    created = {name: sf.Contact.create({"LastName": "LONGVALUES", "Contact_Type__c": "Volunteer", **values})["id"]
               for name, values in LONGEST.items()}
    steps.run("organizations", "first")
    result = steps.run("volunteers", "first")
    engine = sa.create_engine(steps.settings.db_url.reveal())
    with engine.connect() as conn:
        live = conn.execute(sa.text("SELECT count(*) FROM contact WHERE deleted_at IS NULL")).scalar()
        landed = set(conn.execute(sa.text("SELECT salesforce_id FROM contact")).scalars())
    engine.dispose()
    assert result.status == "succeeded" and live > 300
    assert [name for name, sf_id in created.items() if sf_id not in landed] == []
