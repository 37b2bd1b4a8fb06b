"""The report's database reads on PostgreSQL: steps synced into a schema of their own, read back by the
summary (no run folder: the database alone), the Id comparison kept and read back, the alert's new problems."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from vmsync.report import alerts, reconciliation, summary, trends
from vmsync.store.database import open_engine
from vmsync.sync.reconcile import reconcile

RUN_ID = "20260105T020000Z-abcd"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_summary_reads_the_run_records_on_postgresql(db_url, sync, client, tmp_path):
    for entity in ("schools", "events"):
        sync(entity, RUN_ID)
    engine = open_engine(db_url)
    with engine.begin() as conn:
        reconciliation.save(conn, RUN_ID, reconcile(engine, client, ["schools"]), source="a test")
    with engine.connect() as conn:
        rows = {r.entity: r for r in conn.execute(sa.text("SELECT * FROM sync_step"))}
        new = dict(conn.execute(sa.text("SELECT entity, count(*) FROM sync_issue WHERE resolved_at IS NULL "
                                        "GROUP BY entity")).all())

    report = summary.load(RUN_ID, tmp_path / "runs", db_url)
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
    assert sum(p["open"] for p in report.open_problems) == sum(new.values())  # the run is still open: now
    assert alerts.new_problems(engine, RUN_ID) == new
    engine.dispose()
