"""The summary the runner makes at the end of every run: every step with the database's figures, a failed step
first with a link that lands on its error, problems, API budget, reconciliation, trends and aggregates."""

from __future__ import annotations

import re

import sqlalchemy as sa

from vmsync.report import summary
from vmsync.report.trends import aggregates
from vmsync.store.database import open_engine
from vmsync.store.tables import sync_issue

from .conftest import FIRST, Tables

STEP_HEADER = "watermark before → after (UTC)"


def _page(result) -> str:
    return (result.folder / "summary.html").read_text(encoding="utf-8")


def _db(history, sql: str, **params) -> list[dict]:
    engine = sa.create_engine(history.db_url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]
    engine.dispose()
    return rows


def _number(text: str) -> int:
    return int(text.replace(",", "")) if text not in ("–", "") else 0


def test_every_run_has_a_small_summary_without_code(history):
    for result in history.runs:
        assert result.record["summary"]["status"] == "succeeded", history.printed[result.run_id]
        page = _page(result)
        assert len(page.encode()) < 1_000_000
        assert "present.show_steps" not in page and "summary.load(" not in page, "code cells are hidden"
        assert "Traceback" not in page
        assert f"Report: {result.folder / 'summary.html'}" in history.printed[result.run_id]


def test_step_rows_show_the_figures_the_database_recorded(history):
    result = history.first
    table = Tables(_page(result)).find(STEP_HEADER)
    header = [text for text, _ in table[0]]
    rows = {row[1][0].split()[0]: row for row in table[1:]}
    db = {r["entity"]: r for r in _db(history, "SELECT * FROM sync_step WHERE run_id = :r", r=result.run_id)}
    assert set(rows) == set(db) == {s["entity"] for s in result.record["steps"]}
    for entity, row in rows.items():
        cells = dict(zip(header, (text for text, _ in row), strict=True))
        for column in ("new", "updated", "unchanged", "deleted", "rejected", "orphaned", "healed"):
            assert _number(cells[column]) == db[entity][column], (entity, column)
        assert _number(cells["API calls"]) == db[entity]["api_calls"]
        assert cells["status"] == "succeeded"
        assert row[1][1] == [f"{next(s['html'] for s in result.record['steps'] if s['entity'] == entity)}"]
        before, after = db[entity]["watermark_before"], db[entity]["watermark_after"]
        assert cells[STEP_HEADER] == f"{(before or '–')[:16]} → {after[:16]}", entity


def test_run_facts_api_budget_and_problems_match_the_database(history):
    result = history.first
    page = _page(result)
    report = summary.load(result.run_id, history.runs_dir, history.db_url)
    steps = _db(history, "SELECT * FROM sync_step WHERE run_id = :r", r=result.run_id)
    calls = sum(s["api_calls"] for s in steps)
    last = max(steps, key=lambda s: s["api_used"])
    assert report.api == {"calls": calls, "used": last["api_used"], "max": last["api_max"],
                          "remaining": last["api_max"] - last["api_used"]}
    assert f"This run made <b>{calls:,}</b> Salesforce API call(s)" in page
    assert f"<b>{last['api_max'] - last['api_used']:,}</b> were left" in page
    assert result.record["org_id"] in page and result.run_id in page

    issues = _db(history, "SELECT entity, kind, code, count(*) AS n FROM sync_issue WHERE first_run_id = :r "
                          "GROUP BY entity, kind, code", r=result.run_id)
    assert issues, "the tiny org leaves orphans and rejected records on a first run"
    table = Tables(page).find("new this run")
    shown = {(row[0][0], row[1][0], row[2][0]): _number(row[4][0]) for row in table[1:]}
    for issue in issues:
        assert shown[(issue["entity"], issue["kind"], issue["code"])] == issue["n"]
    assert "What to do next" in page and "could not be synced cleanly for the first time" in page


def test_a_failed_step_shows_first_with_its_class_and_a_link_to_its_error(history):
    result = history.failed
    page = _page(result)
    steps = {s["entity"]: s for s in result.record["steps"]}
    assert steps["schools"]["status"] == "failed" and steps["classes"]["status"] == "skipped"
    table = Tables(page).find(STEP_HEADER)
    first = table[1]
    assert first[1][0].startswith("schools") and first[2][0].startswith("failed VALIDATION")
    link = f"{steps['schools']['html']}#papermill-error-cell"
    assert link in first[1][1]
    assert "classes" in table[-1][1][0] or any("skipped" in row[2][0] for row in table[1:])
    target = (result.folder / steps["schools"]["html"]).read_text(encoding="utf-8")
    assert 'id="papermill-error-cell"' in target, "the link lands on the banner above the failed cell"
    failed_box = page[page.index("Failed steps"):page.index("What to do next")]
    assert "MALFORMED_QUERY" in failed_box and link in failed_box
    assert f"vmsync run --resume {result.run_id}" in page
    assert page.index("Failed steps") < page.index(STEP_HEADER)


def test_a_full_run_compares_the_org_with_the_database_once(history):
    result = history.first
    page = _page(result)
    kept = _db(history, "SELECT value FROM sync_meta WHERE key = :k", k=f"reconcile:{result.run_id}")
    assert kept, "the summary kept the comparison"
    report = summary.load(result.run_id, history.runs_dir, history.db_url)
    streams = report.reconciliation["streams"]
    assert {s["entity"] for s in streams} == set(FIRST)
    assert all(s["in_org"] == s["in_database"] + s["held"] and not s["missing"] and not s["extra"]
               for s in streams)
    table = Tables(page).find("in org")
    assert len(table) == len(streams) + 1
    assert "the database holds every live record of the org" in page
    assert "No Id comparison for this run" in _page(history.failed)


def test_trends_and_aggregates_show_every_run_so_far(history):
    page = _page(history.failed)
    assert "The last 2 run(s) recorded in the database" in page
    chart = re.search(r'<svg [^>]*aria-label="trends over the last runs".*?</svg>', page, re.S)
    assert chart and len(chart.group(0)) < 100_000
    assert chart.group(0).count("<title>") >= len(FIRST) + 2, "a segment per entity and run"
    assert all(f"By {period}" in page for period in ("day", "week", "month"))
    for period, count in (("day", 30), ("week", 12), ("month", 12)):
        assert f'aria-label="records changed per {period}, the last {count}"' in page
    assert 'aria-label="problems open after each run (sync_issue)"' in page
    report = summary.load(history.failed.run_id, history.runs_dir, history.db_url)
    engine = open_engine(history.db_url)
    with engine.connect() as conn:
        open_now = conn.execute(sa.select(sa.func.count()).select_from(sync_issue)
                                .where(sync_issue.c.resolved_at.is_(None))).scalar()
    engine.dispose()
    last = [p["open"] for p in report.open_problems if p["run_id"] == history.failed.run_id]
    assert sum(last) == open_now > 0  # nothing ran after the last run
    assert [r["run_id"] for r in report.history_runs] == [r.run_id for r in history.runs]
    by_month = aggregates(report.period_steps, "month").groupby("step")[["runs", "failed"]].sum()
    assert tuple(by_month.loc["schools"]) == (2, 1)
    assert tuple(by_month.loc["events"]) == (1, 0)
