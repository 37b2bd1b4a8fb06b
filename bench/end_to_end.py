"""End to end per entity: a full ``run_step`` beside the floor under it, raw extract plus raw load, in one run.

For every entity, at ``BENCH_PRESET`` (demo unless set), each repeat on a fresh SQLite database:

* ``step``: ``vmsync.sync.step.run_step`` in full mode through REST (``api="rest"``; by default a step
  takes Bulk 2.0 past 200,000 records, which the Bulk suite below measures), every entity in dependency
  order (the wall time of the call: schema check, extract, raw mirror, mapping, links, model upserts,
  issues, Id comparison);
* ``raw``: the same SOQL through the vmsync client's ``query_pages``, each page upserted into the entity's
  raw mirror table only, in a database of its own, extract and load timed apart and one after the other
  (no overlap).

Figures: records/s of each step and its time over raw extract + raw load (aim <= 1.3), the same for the
whole suite, and the share of the step's time that the extract alone takes (near 1 would mean the sandbox
is the bottleneck). A further full suite through Bulk 2.0 gives the figures the scale model needs, and the
first repeat keeps copies of the database for the old way (``bench.old_way``), run last on the same org.

    .venv/bin/python -m bench.end_to_end        (BENCH_PRESET=vms for the real org's volumes)
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from vmsync.entities import CATALOG
from vmsync.entities.spec import Entity
from vmsync.salesforce import SalesforceClient
from vmsync.store import tables as t
from vmsync.store.database import open_engine, register_raw_tables
from vmsync.store.upsert import upsert
from vmsync.sync.params import StepParams
from vmsync.sync.step import BULK_PAGE, build_soql

from . import old_way, org
from .harness import Figure, preset, ratio, table

REPEATS = {"tiny": 3, "demo": 3, "vms": 1}
REST_PAGE = 2000


def raw_pass(sf: SalesforceClient, entity: Entity, db_url: str, params: StepParams) -> tuple[float, float, int]:
    """(extract seconds, load seconds, records) of the entity's full REST extract upserted into raw mirror
    tables."""
    register_raw_tables(CATALOG.raw_fields)
    engine = open_engine(db_url)
    extract = load = 0.0
    records = 0
    now = datetime.now(UTC)
    try:
        for stream in entity.streams:
            raw = t.raw_table(stream.object, stream.fields)
            raw.create(engine, checkfirst=True)
            soql = build_soql(stream, None)
            pages = iter(sf.query_pages(soql, include_deleted=True, page_size=params.page_size))
            while True:
                started = time.perf_counter()
                page = next(pages, None)
                extract += time.perf_counter() - started
                if page is None:
                    break
                started = time.perf_counter()
                with engine.begin() as conn:
                    upsert(conn, raw, [r | {"run_id": "bench-raw", "synced_at": now} for r in page],
                           key=("Id",), keep=())
                load += time.perf_counter() - started
                records += len(page)
    finally:
        engine.dispose()
    return extract, load, records


def rest_pages(result) -> int:
    """REST pages a full step's extract needed: one per 2,000 records of each stream (one at least)."""
    return sum(max(1, math.ceil(s.counts.extracted / REST_PAGE)) for s in result.streams)


def bulk_pages(result) -> int:
    return sum(max(1, math.ceil(s.counts.extracted / BULK_PAGE)) for s in result.streams)


def measure(preset_name: str, repeats: int) -> list[Figure]:
    step_s: dict[str, list[float]] = defaultdict(list)
    extract_s: dict[str, list[float]] = defaultdict(list)
    load_s: dict[str, list[float]] = defaultdict(list)
    records: dict[str, int] = {}
    calls: dict[str, int] = {}
    pages: dict[str, int] = {}
    params = StepParams(run_id="bench-raw", api="rest")
    with org.sandbox_org(preset_name) as sandbox, tempfile.TemporaryDirectory(prefix="vmsync-bench-e2e-") as tmp:
        sf = org.client(sandbox)
        for repeat in range(repeats):
            db = Path(tmp) / f"vms-{repeat}.db"

            def snapshot(name: str, db=db, repeat=repeat) -> None:
                if repeat == 0 and name in old_way.COMMIT_EVERY:
                    org.copy_sqlite(db, Path(tmp) / f"before-{name}.db")

            steps = org.suite(org.settings(sandbox, org.sqlite_url(db)), sf, f"bench-e2e-{repeat}", "full",
                              before=snapshot, api="rest")
            for name, (seconds, result) in steps.items():
                step_s[name].append(seconds)
                records[name], calls[name], pages[name] = result.counts.extracted, result.api_calls, \
                    rest_pages(result)
            for entity in org.salesforce_entities():
                ext, load, _ = raw_pass(sf, entity, org.sqlite_url(Path(tmp) / f"raw-{repeat}.db"), params)
                extract_s[entity.name].append(ext)
                load_s[entity.name].append(load)
            db.unlink()
        bulk_db = Path(tmp) / "vms-bulk.db"
        old_s: dict[str, float] = {}
        old_records: dict[str, int] = {}
        for name in old_way.COMMIT_EVERY:
            started = time.perf_counter()
            old_records[name] = old_way.old_way(sf, name, org.sqlite_url(Path(tmp) / f"before-{name}.db"),
                                                old_way.SAMPLE)
            old_s[name] = time.perf_counter() - started
        bulk = org.suite(org.settings(sandbox, org.sqlite_url(bulk_db)), sf, "bench-e2e-bulk", "full", api="bulk")

    figures = []
    med = {name: statistics.median(v) for name, v in step_s.items()}
    floor = {name: statistics.median(extract_s[name]) + statistics.median(load_s[name]) for name in med}
    for name, seconds in med.items():
        figures += [
            Figure(f"e2e_{name}_records_per_s", ratio(records[name], seconds), "records/s",
                   f"{name}: step, {records[name]:,} records"),
            Figure(f"e2e_{name}_vs_raw", ratio(seconds, floor[name]), "x", f"{name}: step / (raw extract + load)",
                   ("<=", 1.3)),
            Figure(f"e2e_{name}_bulk_records_per_s", ratio(records[name], bulk[name][0]), "records/s",
                   f"{name}: step through Bulk 2.0 (1 run)"),
        ]
    total_records, total_step, total_floor = sum(records.values()), sum(med.values()), sum(floor.values())
    total_extract = sum(statistics.median(v) for v in extract_s.values())
    bulk_s = org.seconds(bulk)
    figures += [
        Figure("e2e_records", total_records, "records", "full run: records extracted"),
        Figure("e2e_full_rest_s", total_step, "s", "full run, every step (REST)"),
        Figure("e2e_total_records_per_s", ratio(total_records, total_step), "records/s", "full run: records/s"),
        Figure("e2e_total_vs_raw", ratio(total_step, total_floor), "x", "full run / (raw extract + load)",
               ("<=", 1.3)),
        Figure("e2e_extract_share", ratio(total_extract, total_step), "", "raw extract / full run (sandbox share)"),
        Figure("e2e_full_rest_api_calls", sum(calls.values()), "calls", "full run: API calls (REST)"),
        Figure("e2e_full_rest_fixed_calls", sum(calls.values()) - sum(pages.values()), "calls",
               "full run: API calls besides pages (REST)"),
        Figure("e2e_full_bulk_s", bulk_s, "s", "full run, every step (Bulk 2.0; 1 run)"),
        Figure("e2e_bulk_vs_rest", ratio(bulk_s, total_step), "x", "full run: Bulk 2.0 / REST"),
        Figure("e2e_full_bulk_api_calls", org.api_calls(bulk), "calls",
               "full run: API calls (Bulk 2.0)"),
        Figure("e2e_full_bulk_fixed_calls",
               sum(r.api_calls - bulk_pages(r) for _, r in bulk.values()), "calls",
               "full run: API calls besides result pages (Bulk 2.0)"),
    ]
    return figures + old_way.figures(med, records, old_s, old_records)


def run(preset_name: str | None = None) -> list[Figure]:
    preset_name = preset_name or preset()
    return measure(preset_name, REPEATS[preset_name])


def main() -> None:
    name = preset()
    print(table(run(name), f"End to end at {name}, full runs, median of {REPEATS[name]}:"))


if __name__ == "__main__":
    main()
