"""The report's database reads on PostgreSQL: steps synced into a schema of their own, read back by the
summary (no run folder: the database alone), the Id comparison kept and read back, the alert's new problems."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from vmsync.config import load_settings
from vmsync.report import alerts, reconciliation, summary, trends
from vmsync.salesforce import connect
from vmsync.store.database import open_engine
from vmsync.sync.params import StepParams
from vmsync.sync.reconcile import reconcile
from vmsync.sync.step import run_step

RUN_ID = "20260105T020000Z-abcd"


@pytest.fixture
def pg_schema_url(pg_url):
    schema = f"vr_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_summary_reads_the_run_records_on_postgresql(sandbox, pg_schema_url, tmp_path):
    c = sandbox.connection
    settings = load_settings({"SF_USERNAME": c["username"], "SF_PASSWORD": c["password"],
                              "SF_SECURITY_TOKEN": c["security_token"], "SF_LOGIN_URL": c["login_url"],
                              "SF_CA_BUNDLE": c["ca_bundle"], "VMSYNC_DB_URL": pg_schema_url}, env_file=None)
    client = connect(settings)
    for entity in ("schools", "events"):
        run_step(entity, StepParams(run_id=RUN_ID), settings, client=client)
    engine = open_engine(pg_schema_url)
    with engine.begin() as conn:
        reconciliation.save(conn, RUN_ID, reconcile(engine, client, ["schools"]), source="a test")
    with engine.connect() as conn:
        rows = {r.entity: r for r in conn.execute(sa.text("SELECT * FROM sync_step"))}
        new = dict(conn.execute(sa.text("SELECT entity, count(*) FROM sync_issue WHERE resolved_at IS NULL "
                                        "GROUP BY entity")).all())

    report = summary.load(RUN_ID, tmp_path / "runs", pg_schema_url)
    assert any("no run folder" in note for note in report.notes)
    assert {s.entity for s in report.steps} == {"schools", "events"}
    for step in report.steps:
        assert step.source == "database" and step.status == "succeeded"
        row = rows[step.entity]
        assert (step.count("new"), step.count("rejected")) == (row.new, row.rejected)
    assert report.api["calls"] == sum(r.api_calls for r in rows.values())
    assert sum(i["new"] for i in report.issues) == sum(new.values()) > 0
    assert report.samples and {s["entity"] for s in report.samples} <= {"events"}
    assert [s["stream"] for s in report.reconciliation["streams"]] == ["districts", "schools"]
    assert [r["run_id"] for r in report.history_runs] == [RUN_ID]
    day = trends.aggregates(report.period_steps, "day")
    assert set(day["step"]) == {"schools", "events"} and set(day["runs"]) == {1}
    assert trends.chart_svg(report.history_runs, report.history_steps).startswith("<svg")
    assert alerts.new_problems(engine, RUN_ID) == new
    engine.dispose()
