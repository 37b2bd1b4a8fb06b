"""Runs over time, from the database: the last runs as charts (with the problems open after each), and daily /
weekly / monthly charts (the last 30 days, 12 weeks, 12 months) with tables per step.

"Records" are the records a step changed: new + updated + deleted. A step resumed within a run counts once
per run in ``runs`` and once per execution in ``failed``; its times add up. Dry runs are left out (they
wrote nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from ..entities import ordered
from .charts import bars_svg, trend_svg

NOT_DONE = ("failed", "interrupted")
PERIODS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m"}
CHARTED = {"day": 30, "week": 12, "month": 12}  # how many periods a chart spans, up to the current one
SHOWN_PERIODS = 3


def step_frame(rows: list[dict]) -> pd.DataFrame:
    """Step rows as a frame with ``changed`` (new + updated + deleted) and ``failed`` (0/1) columns."""
    columns = ["run_id", "entity", "status", "started_at", "duration_s", "new", "updated", "deleted",
               "extracted"]
    frame = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    frame["changed"] = frame[["new", "updated", "deleted"]].fillna(0).sum(axis=1).astype(int)
    frame["failed"] = frame["status"].isin(NOT_DONE).astype(int)
    frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce")
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return frame


def _entity_order(names) -> list[str]:
    """Entities in run (dependency) order; names vmsync does not know (an old entity) last."""
    known = [entity.name for entity in ordered()]
    return sorted(set(names), key=lambda n: (known.index(n) if n in known else len(known), n))


def run_labels(runs: list[dict]) -> dict[str, str]:
    """A short label per run (its UTC start, ``11-28 22:15``), told apart by its id's end when two share one."""
    labels = {r["run_id"]: r["started_at"].strftime("%m-%d %H:%M") if r.get("started_at") else r["run_id"]
              for r in runs}
    shared = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    return {run: f"{label} ({run[-4:]})" if label in shared else label for run, label in labels.items()}


def per_run(runs: list[dict], rows: list[dict]) -> dict[str, pd.DataFrame]:
    """``changed`` and ``duration_s`` (run x entity) and ``failed`` (per run) for the runs given, oldest
    first."""
    frame = step_frame(rows)
    labels = run_labels(runs)
    order = [r["run_id"] for r in runs]
    entities = _entity_order(frame["entity"])

    def table(value: str) -> pd.DataFrame:
        pivot = frame.pivot_table(index="run_id", columns="entity", values=value, aggfunc="sum", fill_value=0)
        return pivot.reindex(index=order, columns=entities, fill_value=0).rename(index=labels)

    failed = frame.groupby("run_id")["failed"].sum().reindex(order, fill_value=0).rename(index=labels)
    return {"changed": table("changed"), "duration_s": table("duration_s"), "failed": failed.to_frame()}


def chart_svg(runs: list[dict], rows: list[dict]) -> str:
    """Three panels over the last runs: records changed per entity, sync time per step, failed steps."""
    data = per_run(runs, rows)
    return trend_svg(data["changed"], data["duration_s"], data["failed"]["failed"])


def open_problems_svg(runs: list[dict], counts: list[dict]) -> str:
    """The problems (rejected records, orphans) open after each of the runs, oldest first, per kind."""
    labels = run_labels(runs)
    frame = pd.DataFrame(counts, columns=["run_id", "kind", "open"])
    table = frame.pivot_table(index="run_id", columns="kind", values="open", aggfunc="sum", fill_value=0)
    table = table.reindex(index=[r["run_id"] for r in runs], fill_value=0).rename(index=labels)
    return bars_svg(table, "problems open after each run (sync_issue)", "{:,.0f}",
                    colours={"rejected": "#c92a2a", "orphan": "#e67700"})


def period_labels(period: str, now: datetime) -> list[str]:
    """The labels of the last ``CHARTED[period]`` periods up to the one holding ``now``, oldest first."""
    count, fmt = CHARTED[period], PERIODS[period]
    if period == "month":
        months = [(now.year * 12 + now.month - 1) - back for back in range(count)]
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in reversed(months)]
    step = timedelta(days=1 if period == "day" else 7)
    return [(now - back * step).strftime(fmt) for back in reversed(range(count))]


def period_svg(rows: list[dict], period: str, now: datetime) -> str:
    """Records changed per ``period`` and step over the last 30 days, 12 weeks or 12 months (empty periods
    included, so a gap shows as a gap)."""
    long = aggregates(rows, period)
    labels = period_labels(period, now)
    table = long.pivot_table(index="period", columns="step", values="records", aggfunc="sum", fill_value=0) \
        if not long.empty else pd.DataFrame()
    table = table.reindex(index=labels, columns=_entity_order(long["step"]), fill_value=0)
    return bars_svg(table, f"records changed per {period}, the last {CHARTED[period]}", "{:,.0f}")


def aggregates(rows: list[dict], period: str) -> pd.DataFrame:
    """Per ``period`` (day, week, month) and step: runs, failed, records changed and mean sync time (s).

    Long form, newest period first, steps in run order.
    """
    frame = step_frame(rows)
    columns = ["period", "step", "runs", "failed", "records", "mean_s"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["period"] = frame["started_at"].dt.strftime(PERIODS[period])
    grouped = frame.groupby(["period", "entity"]).agg(
        runs=("run_id", "nunique"), failed=("failed", "sum"), records=("changed", "sum"),
        mean_s=("duration_s", "mean")).reset_index().rename(columns={"entity": "step"})
    grouped["mean_s"] = grouped["mean_s"].round(2)
    order = {name: i for i, name in enumerate(_entity_order(grouped["step"]))}
    grouped["_order"] = grouped["step"].map(order)
    grouped = grouped.sort_values(["period", "_order"], ascending=[False, True])
    return grouped.drop(columns="_order").reset_index(drop=True)[columns]


def aggregate_table(rows: list[dict], period: str, shown: int = SHOWN_PERIODS) -> pd.DataFrame:
    """``aggregates`` of the last ``shown`` periods side by side: a row per step, a column group per
    period."""
    long = aggregates(rows, period)
    if long.empty:
        return long
    periods = sorted(long["period"].unique(), reverse=True)[:shown]
    long = long[long["period"].isin(periods)]
    wide = long.pivot(index="step", columns="period", values=["runs", "failed", "records", "mean_s"])
    wide = wide.swaplevel(0, 1, axis=1)
    metrics = ["runs", "failed", "records", "mean_s"]
    wide = wide.reindex(columns=pd.MultiIndex.from_product([periods, metrics]))
    wide = wide.reindex(_entity_order(long["step"]))
    for column in wide.columns:
        if column[1] != "mean_s":
            wide[column] = wide[column].astype("Int64")
    return wide.rename(columns={"mean_s": "mean s"}, level=1)
