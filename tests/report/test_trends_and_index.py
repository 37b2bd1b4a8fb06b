"""Daily / weekly / monthly aggregates and per-run trend frames from step rows; the runs index."""

from __future__ import annotations

from datetime import UTC, datetime

from vmsync.report import trends
from vmsync.report.index import write_index
from vmsync.report.runfolder import RunFolder

from .conftest import Tables


def _step(run: str, entity: str, when: datetime, status="succeeded", new=0, updated=0, deleted=0,
          duration=1.0):
    return {"run_id": run, "entity": entity, "status": status, "started_at": when, "duration_s": duration,
            "new": new, "updated": updated, "deleted": deleted, "extracted": new + updated}


ROWS = [
    _step("r1", "schools", datetime(2026, 1, 30, 2, tzinfo=UTC), new=10, duration=2.0),
    _step("r1", "classes", datetime(2026, 1, 30, 2, 1, tzinfo=UTC), status="failed", duration=1.0),
    _step("r2", "schools", datetime(2026, 2, 1, 2, tzinfo=UTC), updated=3, deleted=1, duration=4.0),
    _step("r2", "classes", datetime(2026, 2, 1, 2, 1, tzinfo=UTC), status="failed", duration=3.0),
    _step("r2", "classes", datetime(2026, 2, 1, 3, tzinfo=UTC), new=5, duration=5.0),  # resumed in the run
    _step("r3", "schools", datetime(2026, 2, 2, 2, tzinfo=UTC), new=1, duration=6.0),
]


def _by(frame, period, step):
    row = frame[(frame["period"] == period) & (frame["step"] == step)]
    assert len(row) == 1, (period, step)
    return tuple(row.iloc[0][["runs", "failed", "records", "mean_s"]])


def test_daily_weekly_monthly_aggregates_per_step():
    day, week, month = (trends.aggregates(ROWS, p) for p in ("day", "week", "month"))
    assert list(day["period"].unique()) == ["2026-02-02", "2026-02-01", "2026-01-30"], "newest first"
    assert _by(day, "2026-02-01", "classes") == (1, 1, 5, 4.0)
    assert list(day[day["period"] == "2026-02-01"]["step"]) == ["schools", "classes"], "steps in run order"
    assert _by(week, "2026-W05", "schools") == (2, 0, 14, 3.0)  # Jan 30 and Feb 1 fall in ISO week 5
    assert _by(week, "2026-W06", "schools") == (1, 0, 1, 6.0)
    assert _by(month, "2026-02", "schools") == (2, 0, 5, 5.0)
    assert _by(month, "2026-01", "classes") == (1, 1, 0, 1.0)
    wide = trends.aggregate_table(ROWS, "month")
    assert list(wide.columns.get_level_values(0).unique()) == ["2026-02", "2026-01"]
    assert wide.loc["classes", ("2026-02", "failed")] == 1


def test_per_run_frames_and_chart():
    runs = [{"run_id": r, "started_at": datetime(2026, 2, i, 2, tzinfo=UTC)}
            for i, r in enumerate(("r1", "r2", "r3"), 1)]
    frames = trends.per_run(runs, ROWS)
    assert list(frames["changed"].columns) == ["schools", "classes"]
    assert tuple(frames["changed"].loc["02-02 02:00"]) == (4, 5)
    assert frames["duration_s"].loc["02-02 02:00", "classes"] == 8.0
    assert list(frames["failed"]["failed"]) == [1, 1, 0]
    svg = trends.chart_svg(runs, ROWS)
    assert svg.startswith("<svg") and len(svg) < 50_000
    assert "<title>02-02 02:00\nschools: 4\nclasses: 5</title>" in svg, "a bar's tooltip gives its figures"
    assert "<title>02-02 02:00\nschools: 4.0\nclasses: 8.0</title>" in svg
    assert trends.aggregates([], "day").empty and trends.chart_svg([], []).startswith("<svg")
    same_minute = [{"run_id": "20260201T020000Z-aaaa", "started_at": datetime(2026, 2, 1, 2, tzinfo=UTC)},
                   {"run_id": "20260201T020030Z-bbbb", "started_at": datetime(2026, 2, 1, 2, tzinfo=UTC)}]
    assert list(trends.per_run(same_minute, [])["failed"].index) == ["02-01 02:00 (aaaa)", "02-01 02:00 (bbbb)"]


def test_index_lists_runs_newest_first_with_links_to_every_notebook_and_error(history):
    page = write_index(history.runs_dir).read_text()
    rows = Tables(page).find("steps")[1:]
    ids = [r.run_id for r in history.runs]
    assert [next(h for h in row[0][1]).split("/")[0] for row in rows] == ids[::-1]
    for result, row in zip(history.runs[::-1], rows, strict=True):
        record = RunFolder(history.runs_dir, result.run_id).read()
        links = row[-1][1]
        for step in record["steps"]:
            if step["status"] == "failed":
                assert f"{result.run_id}/{step['html']}#papermill-error-cell" in links
            elif step.get("html"):
                assert f"{result.run_id}/{step['html']}" in links
        assert f"{result.run_id}/summary.html" in row[-2][1]
        assert row[1][0] == record["status"]
    assert "skipped" in page and "classes" in page


def test_period_charts_span_30_days_12_weeks_12_months_with_gaps_shown():
    now = datetime(2026, 2, 2, 12, tzinfo=UTC)
    assert trends.period_labels("day", now)[0] == "2026-01-04" and trends.period_labels("day", now)[-1] == "2026-02-02"
    assert len(trends.period_labels("day", now)) == 30
    assert trends.period_labels("week", now)[-1] == "2026-W06" and len(trends.period_labels("week", now)) == 12
    assert trends.period_labels("month", now) == [f"2025-{m:02d}" for m in range(3, 13)] + ["2026-01", "2026-02"]
    day = trends.period_svg(ROWS, "day", now)
    assert day.startswith("<svg") and day.count("rotate(-45)") == 30  # a label per day, empty days too
    assert "<title>2026-02-01\nschools: 4\nclasses: 5</title>" in day
    month = trends.period_svg(ROWS, "month", now)
    assert month.count("rotate(-45)") == 12 and "<title>2026-01\nschools: 10</title>" in month
    assert trends.period_svg([], "week", now).count("rotate(-45)") == 12


def test_open_problems_over_the_runs_as_a_chart():
    runs = [{"run_id": r, "started_at": datetime(2026, 2, i, 2, tzinfo=UTC)} for i, r in enumerate(("r1", "r2"), 1)]
    svg = trends.open_problems_svg(runs, [{"run_id": "r1", "kind": "rejected", "open": 3},
                                          {"run_id": "r1", "kind": "orphan", "open": 2},
                                          {"run_id": "r2", "kind": "orphan", "open": 1}])
    assert "<title>02-01 02:00\norphan: 2\nrejected: 3</title>" in svg and "<title>02-02 02:00\norphan: 1</title>" in svg
    assert "#c92a2a" in svg and "problems open after each run" in svg
