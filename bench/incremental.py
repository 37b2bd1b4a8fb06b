"""Incremental cost: a run after changing a share of the records, against a full run, in one run.

Against a sandbox org in its own process, every entity in dependency order through ``run_step`` on SQLite:

1. a full run into an empty database;
2. rounds of: change records through the sandbox's Salesforce API (``PATCH /sobjects/<object>/<id>`` via
   simple-salesforce, one call per record: a text field each entity selects gets a new value), then an
   incremental run. Rounds: no change; the same number of changes as the ``tiny`` org's 1%; then 1% of
   the live records of every object the suite reads and 2%, taking turns, three rounds each (one at
   ``vms``; different records every round); 1% once more, read through Bulk 2.0 (``api="bulk"``) for the scale model.
3. the same full run and same-size round on the ``tiny`` org, in its own sandbox.

The rounds follow each other within seconds, so they run with ``lookback_minutes=0``; with the default
10-minute lookback every round would also read the previous round's changes again (a nightly run, a day
after the last one, does not).

Figures: 1% run / full run (aim < 0.1); 2% / 1% (the cost grows with the changes); no-change run / full run
(the fixed cost); at the same number of changes, the demo org's run / the tiny org's run (near 1: the cost
does not grow with the org) beside the full runs' demo / tiny.

    .venv/bin/python -m bench.incremental        (BENCH_PRESET=vms for the real org's volumes)
"""

from __future__ import annotations

import math
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sfsandbox.schema import sobject
from vmsync.salesforce import SalesforceClient
from vmsync.store.tables import raw_table_name

from . import org
from .harness import Figure, preset, ratio, table

ROUNDS = {"tiny": 3, "demo": 3, "vms": 1}  # rounds of 1% and of 2%: at vms a round is thousands of calls
SMALL_ORG = "tiny"


def changed_fields() -> dict[str, str]:
    """Per object the suite reads, the text field a change sets: a long-text field it selects if any, else
    its name or subject (a field every entity reading the object maps, and no value of which is refused)."""
    selected: dict[str, list[str]] = defaultdict(list)
    for entity in org.salesforce_entities():
        for stream in entity.streams:
            selected[stream.object] += [f for f in stream.fields if f not in selected[stream.object]]
    out = {}
    for name, fields in selected.items():
        obj = sobject(name)
        kinds = {f: obj.field(f).type for f in fields if obj.field(f) is not None and obj.field(f).createable}
        pick = next((f for f, kind in kinds.items() if kind == "textarea"), None) \
            or next((f for f in ("Name", "Subject") if kinds.get(f) == "string"), None)
        if pick:
            out[name] = pick
    return out


def live_ids(db: Path, objects: list[str]) -> dict[str, list[str]]:
    """The Ids of the live records of each object, as the raw mirror holds them, in Id order."""
    conn = sqlite3.connect(db)
    try:
        return {o: [r[0] for r in conn.execute(
            f'SELECT "Id" FROM "{raw_table_name(o)}" WHERE NOT "IsDeleted" ORDER BY "Id"')] for o in objects}
    finally:
        conn.close()


class Changer:
    """Changes records through the org's API, never the same record twice in one benchmark."""

    def __init__(self, sf: SalesforceClient, ids: dict[str, list[str]], fields: dict[str, str]):
        self.sf = sf.sf
        self.fields = fields
        self.pending = {o: ids[o][::-1] for o in fields}  # taken from the end: disjoint rounds
        self.live = {o: len(ids[o]) for o in fields}
        self.rounds = 0

    def counts(self, share: float) -> dict[str, int]:
        """How many records of each object make ``share`` of its live records (at least one)."""
        return {o: max(1, math.ceil(n * share)) for o, n in self.live.items() if n}

    def change(self, counts: dict[str, int]) -> int:
        """Give ``counts[object]`` records of each object a new value; returns how many were changed."""
        self.rounds += 1
        changed = 0
        for name, n in counts.items():
            api = getattr(self.sf, name)
            for _ in range(min(n, len(self.pending[name]))):
                api.update(self.pending[name].pop(), {self.fields[name]: f"changed by bench round {self.rounds}"})
                changed += 1
        return changed


def incremental_run(settings, sf: SalesforceClient, run_id: str, **params):
    return org.suite(settings, sf, run_id, "incremental", lookback_minutes=0, **params)


def measure(preset_name: str) -> list[Figure]:
    fields = changed_fields()
    with tempfile.TemporaryDirectory(prefix="vmsync-bench-inc-") as tmp:
        with org.sandbox_org(SMALL_ORG) as sandbox:
            db = Path(tmp) / "small.db"
            settings, sf = org.settings(sandbox, org.sqlite_url(db)), org.client(sandbox)
            small_full = org.seconds(org.suite(settings, sf, "bench-small-full", "full"))
            small = Changer(sf, live_ids(db, list(fields)), fields)
            same = small.counts(0.01)
            small.change(same)
            small_run = org.seconds(incremental_run(settings, sf, "bench-small-same"))

        with org.sandbox_org(preset_name) as sandbox:
            db = Path(tmp) / "big.db"
            settings, sf = org.settings(sandbox, org.sqlite_url(db)), org.client(sandbox)
            full = org.seconds(org.suite(settings, sf, "bench-full", "full"))
            none = incremental_run(settings, sf, "bench-none")
            big = Changer(sf, live_ids(db, list(fields)), fields)
            runs: dict[str, list[float]] = defaultdict(list)
            calls: dict[str, list[int]] = defaultdict(list)
            changes: dict[str, int] = {}
            change_s: list[float] = []
            rounds = [("same", same)] + [(label, big.counts(share)) for _ in range(ROUNDS[preset_name])
                                         for label, share in (("1pct", 0.01), ("2pct", 0.02))]
            for i, (label, counts) in enumerate(rounds):  # 1% and 2% taking turns: a drift in load hits both
                started = time.perf_counter()
                changes[label] = big.change(counts)
                change_s.append(ratio(changes[label], time.perf_counter() - started))
                steps = incremental_run(settings, sf, f"bench-{label}-{i}")
                runs[label].append(org.seconds(steps))
                calls[label].append(org.api_calls(steps))
            changes["bulk"] = big.change(big.counts(0.01))
            steps = incremental_run(settings, sf, "bench-bulk", api="bulk")
            bulk_s, bulk_calls = org.seconds(steps), org.api_calls(steps)
    one, two = statistics.median(runs["1pct"]), statistics.median(runs["2pct"])
    nothing = org.seconds(none)
    return [
        Figure("incremental_full_s", full, "s", f"full run at {preset_name}"),
        Figure("incremental_changes_1pct", changes["1pct"], "records", "records changed: 1%"),
        Figure("incremental_1pct_s", one, "s", f"incremental run after 1% changed (median of {ROUNDS[preset_name]})"),
        Figure("incremental_1pct_vs_full", ratio(one, full), "x", "1% run / full run", ("<", 0.1)),
        Figure("incremental_changes_2pct", changes["2pct"], "records", "records changed: 2%"),
        Figure("incremental_2pct_s", two, "s", f"incremental run after 2% changed (median of {ROUNDS[preset_name]})"),
        Figure("incremental_2pct_vs_1pct", ratio(two, one), "x", "2% run / 1% run (changes doubled)"),
        Figure("incremental_nochange_s", nothing, "s", "incremental run, nothing changed"),
        Figure("incremental_nochange_vs_full", ratio(nothing, full), "x", "no-change run / full run"),
        Figure("incremental_same_changes", changes["same"], "records",
               f"records changed in both orgs (1% of {SMALL_ORG})"),
        Figure("incremental_same_changes_org_growth", ratio(runs["same"][0], small_run), "x",
               f"same changes: {preset_name} run / {SMALL_ORG} run"),
        Figure("incremental_full_org_growth", ratio(full, small_full), "x",
               f"full runs: {preset_name} / {SMALL_ORG}"),
        Figure("incremental_api_changes_per_s", statistics.median(change_s), "records/s",
               "changes made through the API"),
        Figure("incremental_nochange_api_calls", org.api_calls(none), "calls", "no-change run: API calls"),
        Figure("incremental_1pct_api_calls", statistics.median(calls["1pct"]), "calls", "1% run: API calls"),
        Figure("incremental_changes_bulk", changes["bulk"], "records", "records changed before the Bulk 2.0 run"),
        Figure("incremental_1pct_bulk_s", bulk_s, "s", "incremental run after 1% changed, Bulk 2.0"),
        Figure("incremental_1pct_bulk_api_calls", bulk_calls, "calls", "1% run through Bulk 2.0: API calls"),
    ]


def run(preset_name: str | None = None) -> list[Figure]:
    return measure(preset_name or preset())


def main() -> None:
    name = preset()
    print(table(run(name), f"Incremental cost at {name}:"))


if __name__ == "__main__":
    main()
