"""Loader benchmark: vmsync's upsert against a plain executemany insert of the same rows, side by side.

For SQLite and PostgreSQL: new rows (empty table) and unchanged rows (the same rows loaded again, which the
upsert must skip cheaply). Prints rows/s and the ratios; every figure is the median of a few repeats.
PostgreSQL is ``VMSYNC_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), in a
scratch schema dropped afterwards; a server that does not answer is reported and skipped. Aims: the upsert
at least 0.7 of the plain insert's rate on new rows, and unchanged rows cheaper than new ones.

    .venv/bin/python -m bench.loader        (BENCH_LOADER_ROWS rows, 20,000 unless set)
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Column, Date, DateTime, Float, Integer, MetaData, String, Table, create_engine, text

from vmsync.store.upsert import upsert

from .harness import Figure, ratio, table

ROWS = int(os.environ.get("BENCH_LOADER_ROWS", "20000"))
REPEATS = 3
PG_URL = os.environ.get("VMSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_table(metadata: MetaData) -> Table:
    return Table(
        "bench_contact", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("salesforce_id", String(100), nullable=False, unique=True),
        *(Column(f"text_{i}", String(255)) for i in range(8)),
        Column("score", Float),
        Column("visits", Integer),
        Column("birthdate", Date),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("deleted_at", DateTime(timezone=True)),
        Column("run_id", String(40)),
    )


def make_rows(n: int) -> list[dict]:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        {"salesforce_id": f"003{i:015d}", **{f"text_{k}": f"value {k} of row {i}" for k in range(8)},
         "score": i * 0.5, "visits": i % 40, "birthdate": date(1970, 1, 1) + timedelta(days=i % 15000),
         "created_at": now, "updated_at": now, "deleted_at": None, "run_id": "bench"}
        for i in range(n)
    ]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(url: str, rows: list[dict], schema: str | None = None) -> dict[str, float]:
    engine = create_engine(url)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    metadata = MetaData(schema=schema)
    table = make_table(metadata)
    results: dict[str, list[float]] = {"insert": [], "upsert_new": [], "upsert_unchanged": []}
    for _ in range(REPEATS):
        for name, load in (("insert", lambda c: c.execute(table.insert(), rows)),
                           ("upsert_new", lambda c: upsert(c, table, rows))):
            metadata.drop_all(engine)
            metadata.create_all(engine)
            with engine.begin() as conn:
                results[name].append(timed(lambda load=load, conn=conn: load(conn)))
        with engine.begin() as conn:
            results["upsert_unchanged"].append(timed(lambda conn=conn: upsert(conn, table, rows)))
    metadata.drop_all(engine)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
    return {k: len(rows) / statistics.median(v) for k, v in results.items()}


def run(preset_name: str | None = None) -> list[Figure]:
    """Rows made up here, whatever the preset: this measures the loader."""
    rows = make_rows(ROWS)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db", None), ("postgresql", PG_URL, "vmsync_bench")]
        for label, url, schema in targets:
            try:
                rates = measure(url, rows, schema)
            except Exception as exc:  # a missing PostgreSQL server is reported, not fatal: this is a benchmark
                print(f"loader {label}: skipped ({type(exc).__name__}: {exc})")
                continue
            figures += [
                Figure(f"loader_{label}_insert_rows_per_s", rates["insert"], "rows/s",
                       f"{label}: plain executemany insert"),
                Figure(f"loader_{label}_upsert_new_rows_per_s", rates["upsert_new"], "rows/s",
                       f"{label}: upsert, new rows"),
                Figure(f"loader_{label}_upsert_unchanged_rows_per_s", rates["upsert_unchanged"], "rows/s",
                       f"{label}: upsert, unchanged rows"),
                Figure(f"loader_{label}_upsert_new_vs_insert", ratio(rates["upsert_new"], rates["insert"]), "x",
                       f"{label}: upsert / insert, new rows", (">=", 0.7)),
                Figure(f"loader_{label}_unchanged_vs_new", ratio(rates["upsert_unchanged"], rates["upsert_new"]),
                       "x", f"{label}: unchanged / new rows (rate)", (">=", 1.0)),
            ]
    return figures


def main() -> None:
    print(table(run(), f"Loader, {ROWS:,} rows x 16 columns, median of {REPEATS}:"))


if __name__ == "__main__":
    main()
