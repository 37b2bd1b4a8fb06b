"""When the org changes shape between nightly runs (docs/sync-rules.md#org-shape), on SQLite and PostgreSQL.

Each case: a sync, then an admin's change in the sandbox org, then a run that ends as described with nothing
already stored lost, then the org back as it was and a run that converges: the database equals a fresh full
sync into another database, table by table.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from vmsync.config import load_settings
from vmsync.entities import ENTITIES, get
from vmsync.entities.catalog import Catalog
from vmsync.errors import ErrorClass, SyncError
from vmsync.report import alerts, present, summary
from vmsync.runner.check import CheckOptions, run_check
from vmsync.salesforce import connect
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.sync import orgshape
from vmsync.sync.params import StepParams
from vmsync.sync.step import run_step

from ..conftest import environ

BOOKKEEPING = {"id", "created_at", "updated_at", "run_id", "synced_at"}
LINKS = {"district_id", "school_id", "organization_id", "contact_id", "parent_id"}  # surrogate keys differ


def contents(db_url: str, *tables: str) -> dict[str, list[tuple]]:
    """Every table's rows without bookkeeping and surrogate keys, in Salesforce Id order."""
    engine = open_engine(db_url)
    out = {}
    with engine.connect() as conn:
        for name in tables:
            tb = t.metadata.tables[name]
            cols = [c for c in tb.c if c.name not in BOOKKEEPING | LINKS]
            key = tb.c["salesforce_id"] if "salesforce_id" in tb.c else tb.c["Id"]
            out[name] = [tuple(r) for r in conn.execute(sa.select(*cols).order_by(key))]
    engine.dispose()
    return out


def stored(db_url: str, sql: str) -> list[tuple]:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def schema_issues(db_url: str) -> list[tuple]:
    """(entity, object, code, field, first run, resolution) of every issue of the org's shape."""
    i = t.sync_issue
    engine = open_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(i.c.entity, i.c.object, i.c.code, i.c.field, i.c.first_run_id, i.c.resolution)
                            .where(i.c.kind == "schema").order_by(i.c.entity, i.c.field))
        out = [tuple(r) for r in rows]
    engine.dispose()
    return out


def queries(sandbox) -> int:
    return sum(n for kind, n in sandbox.control.usage()["requests"].items() if "query" in kind or "bulk" in kind)


@pytest.fixture
def full_sync_into(clean_sandbox):
    def run(db_url: str, *entities: str) -> None:
        settings = load_settings(environ=environ(clean_sandbox, db_url), env_file=None)
        client = connect(settings)
        for entity in entities:
            run_step(entity, StepParams(run_id="reference", mode="full"), settings, client=client)
    return run


SCHOOL_TABLES = ("district", "school", "sf_account")


def test_an_optional_field_gone_is_read_around_kept_and_read_again_when_back(
        clean_sandbox, sync, db_url, second_db_url, full_sync_into):
    sync("schools", "r1")
    names = "SELECT \"Id\", \"Connector_Account_Name__c\" FROM sf_account ORDER BY \"Id\""
    before_raw, before = stored(db_url, names), contents(db_url, "school")
    assert any(v for _, v in before_raw)
    sf = clean_sandbox.client()
    school = sf.query("SELECT Id FROM Account WHERE Type = 'School' AND Connector_Account_Name__c != null "
                      "LIMIT 1")["records"][0]["Id"]
    clean_sandbox.control.change_field("Account", "Connector_Account_Name__c", "remove")
    sf.Account.update(school, {"Name": "Renamed While The Field Was Gone"})

    result = sync("schools", "r2")

    assert result.status == "succeeded"
    assert "Connector_Account_Name__c" not in result.streams[1].soql
    assert stored(db_url, names) == before_raw  # the raw mirror's column left alone
    after = {r[0]: r for r in contents(db_url, "school")["school"]}
    assert after[school][1:] != {r[0]: r for r in before["school"]}[school][1:]  # the change was written ...
    normalized = [c.name for c in t.metadata.tables["school"].c if c.name not in BOOKKEEPING | LINKS]
    at = normalized.index("normalized_name")
    assert [r[at] for r in after.values()] == [r[at] for r in before["school"]]  # ... and no value lost
    assert ("schools", "Account", "FIELD_MISSING", "Connector_Account_Name__c", "r2", None) in schema_issues(db_url)

    clean_sandbox.control.reset()  # the field is back (and the org as it was)
    back = sync("schools", "r3")

    assert back.streams[1].full  # read in full: the field's values may have changed while it was gone
    assert ("schools", "Account", "FIELD_MISSING", "Connector_Account_Name__c", "r2", "fixed") \
        in schema_issues(db_url)
    full_sync_into(second_db_url, "schools")
    assert contents(db_url, *SCHOOL_TABLES) == contents(second_db_url, *SCHOOL_TABLES)


def test_a_renamed_field_is_a_field_gone_and_the_new_name_a_new_field(clean_sandbox, sync, db_url):
    sync("schools", "r1")
    before = stored(db_url, "SELECT \"Id\", \"School_Code_External_ID__c\" FROM sf_account ORDER BY \"Id\"")
    clean_sandbox.control.change_field("Account", "School_Code_External_ID__c", "rename", to="School_Code__c")

    result = sync("schools", "r2", mode="full")

    assert result.status == "succeeded"
    assert stored(db_url, "SELECT \"Id\", \"School_Code_External_ID__c\" FROM sf_account ORDER BY \"Id\"") == before
    issues = schema_issues(db_url)
    assert ("schools", "Account", "FIELD_MISSING", "School_Code_External_ID__c", "r2", None) in issues
    assert ("schools", "Account", "FIELD_NEW", "School_Code__c", "r2", None) in issues


def test_a_field_the_step_cannot_do_without_gone_fails_it_before_reading(clean_sandbox, sync, db_url):
    sync("schools", "r1")
    before = contents(db_url, *SCHOOL_TABLES)
    clean_sandbox.control.change_field("Account", "Type", "remove")
    reads = queries(clean_sandbox)

    with pytest.raises(SyncError) as exc:
        sync("schools", "r2", mode="full")

    assert exc.value.error_class is ErrorClass.VALIDATION
    assert "Account.Type" in str(exc.value) and "restore the field" in str(exc.value)
    assert queries(clean_sandbox) == reads  # nothing read: the describe said enough
    assert contents(db_url, *SCHOOL_TABLES) == before


def test_a_retyped_field_keeps_the_values_that_fit_and_warns_on_the_others(
        clean_sandbox, sync, db_url, second_db_url, full_sync_into):
    sync("schools", "r1")
    sync("classes", "r1")
    sf = clean_sandbox.client()
    fits, misfit = [r["Id"] for r in sf.query("SELECT Id FROM Class__c WHERE Class_Year_Number__c != null "
                                                "ORDER BY Id LIMIT 2")["records"]]
    years = "SELECT salesforce_id, class_year FROM class ORDER BY salesforce_id"
    before = dict(stored(db_url, years))
    clean_sandbox.control.change_field("Class__c", "Class_Year_Number__c", "retype", type="string")
    sf.Class__c.update(fits, {"Class_Year_Number__c": "2031"})
    sf.Class__c.update(misfit, {"Class_Year_Number__c": "next year"})

    result = sync("classes", "r2")

    assert result.status == "succeeded"
    after = dict(stored(db_url, years))
    assert after[fits] == 2031
    assert after[misfit] == before[misfit]  # held back by its mapping, the stored row kept
    assert {k: v for k, v in after.items() if k != fits} == {k: v for k, v in before.items() if k != fits}
    i = t.sync_issue
    warnings = stored(db_url, f"SELECT record_id, code FROM sync_issue WHERE code = 'TYPE_CHANGED' "
                              f"AND {i.c.resolved_at.name} IS NULL")
    assert warnings == [(misfit, "TYPE_CHANGED")]
    assert ("classes", "Class__c", "FIELD_RETYPED", "Class_Year_Number__c", "r2", None) in schema_issues(db_url)

    clean_sandbox.control.reset()
    back = sync("classes", "r3")

    assert back.streams[0].full
    assert ("classes", "Class__c", "FIELD_RETYPED", "Class_Year_Number__c", "r2", "fixed") in schema_issues(db_url)
    full_sync_into(second_db_url, "schools", "classes")
    assert contents(db_url, "class", "sf_class__c") == contents(second_db_url, "class", "sf_class__c")


def test_check_prints_the_drift_without_running_anything(clean_sandbox, sync, db_url):
    sync("schools", "r1")
    clean_sandbox.control.change_field("Account", "Connector_Account_Name__c", "remove")
    clean_sandbox.control.change_field("Account", "Fax_Number__c", "add", type="phone")
    out = io.StringIO()
    options = CheckOptions(connection=clean_sandbox.connection, db_url=db_url, env_file=None)

    assert run_check(options, out) == 0, out.getvalue()
    text = out.getvalue()
    assert "note  org shape: schools: Account.Connector_Account_Name__c is gone: synced without it" in text
    assert "Account has 1 new field(s) vmsync does not sync: Fax_Number__c" in text
    assert schema_issues(db_url) == []  # nothing written

    clean_sandbox.control.change_field("Account", "Type", "remove")
    out = io.StringIO()
    assert run_check(options, out) == 1
    assert "FAIL  org shape: schools: Account.Type is gone and the step cannot do without it" in out.getvalue()


def test_the_summary_and_the_alert_tell_the_change_once(clean_sandbox, sync, db_url, tmp_path, monkeypatch):
    sync("schools", "r1")
    clean_sandbox.control.change_field("Account", "Connector_Account_Name__c", "remove")
    sync("schools", "r2")
    sync("schools", "r3")
    engine = open_engine(db_url)
    try:
        told = {run: alerts.new_shape_changes(engine, run) for run in ("r2", "r3")}
    finally:
        engine.dispose()
    assert len(told["r2"]) == 1 and "Account.Connector_Account_Name__c is gone" in told["r2"][0]
    assert told["r3"] == []  # told once
    alert = alerts.build({"run_id": "r2", "status": "succeeded", "steps": []}, tmp_path, {"schools": 1},
                         shape=told["r2"])
    assert "Org shape: Account.Connector_Account_Name__c is gone" in alert.text

    report = summary.load("r3", tmp_path, db_url)
    [change] = report.org_shape
    assert (change["object"], change["field"], change["code"], change["first_run_id"]) == \
        ("Account", "Connector_Account_Name__c", "FIELD_MISSING", "r2")
    shown = []
    monkeypatch.setattr(present, "display", lambda html: shown.append(html.data))
    present.show_org_shape(report)
    assert "Connector_Account_Name__c" in shown[0] and "gone" in shown[0]


def test_a_spec_that_reads_a_field_it_did_not_read_last_time_reads_in_full(clean_sandbox, sync, db_url, client):
    sync("schools", "r1")
    stream = next(s for s in get("schools").streams if s.name == "schools")
    clean_sandbox.control.change_field("Account", "School_Code_External_ID__c", "rename", to="School_Code__c")

    def renamed(s):  # a spec pointed at the field's new name
        if "School_Code_External_ID__c" not in s.fields:
            return s
        return replace(s, fields={**{k: v for k, v in s.fields.items() if k != "School_Code_External_ID__c"},
                                  "School_Code__c": "text"})

    updated = renamed(stream)
    catalog = Catalog.of(replace(e, streams=tuple(updated if s is stream else renamed(s) for s in e.streams))
                         for e in ENTITIES.values())  # the catalog the updated specs make
    engine = open_engine(db_url)
    try:
        with engine.begin() as conn:
            drift = orgshape.check(conn, client, updated, "schools", catalog, "r2", datetime.now(UTC))
            assert drift.unread == ["School_Code__c"] and drift.missing == []
            orgshape.remember_read(conn, "schools", updated, drift)
            assert orgshape.check(conn, client, updated, "schools", catalog, "r3", datetime.now(UTC)).unread == []
    finally:
        engine.dispose()


def test_a_run_asks_for_an_object_s_describe_once(clean_sandbox, sync, db_url):
    sync("schools", "r1")

    def describes() -> int:
        return clean_sandbox.control.usage()["requests"].get("describe", 0)

    before = describes()
    sync("schools", "r2")  # two streams of Account
    sync("organizations", "r2")  # Account again, in another step of the same run
    assert describes() - before == 1


def test_a_change_one_stream_sees_stays_open_through_the_other_streams_of_its_object(clean_sandbox, sync, db_url):
    sync("schools", "r1")
    clean_sandbox.control.change_field("Account", "Connector_Account_Name__c", "remove")  # read by schools only
    sync("schools", "r2")
    # r3: districts (Account too, without that field) runs first, and fails at its query: schools never runs
    clean_sandbox.control.add_fault({"kind": "query", "contains": "District", "effect": "error", "status": 400,
                                     "error_code": "MALFORMED_QUERY"})
    with pytest.raises(SyncError):
        sync("schools", "r3")
    i = t.sync_issue
    engine = open_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(i.c.resolved_at, i.c.first_run_id).where(i.c.code == "FIELD_MISSING")).one()
    engine.dispose()
    assert tuple(row) == (None, "r2")
