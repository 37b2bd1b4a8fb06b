"""The scale model: what a full and a nightly run would take at 1x, 10x and 100x the real org.

Built only from figures measured in the same ``make bench`` run (``bench.end_to_end`` and
``bench.incremental``), against the sandbox org on this machine, with SQLite. Every run is a fixed cost plus
a cost per record:

* a changed record costs a nightly run what a record costs a full run (the same extract, mapping and
  upserts); the fixed cost of a run is what the 1% incremental run leaves after its changes, through REST
  and through Bulk 2.0 (job creation, polls and result pages for every stream); the cost per record is
  the full run's (REST, and Bulk 2.0) less that fixed cost;
* a nightly run changes 1% of the records (the VMS playbook's sample daily delta is about 0.4%);
* API calls: the calls of the measured run besides pages, plus one per page: 2,000 records (REST) or 10,000
  (Bulk 2.0 result pages); a nightly run's fixed calls are the no-change run's (it asks getDeleted for every
  stream, which runs minutes apart in the benchmark do not need);
* 1x = the real org (the ``vms`` preset's volumes); the benchmark's org is scaled up by the ratio of the
  ``vms`` preset's students to its own.

What the model leaves out: Salesforce's own latency (a REST page of 2,000 wide records takes Salesforce about
as long as it takes to send them; the sandbox answers at once; add the calls x your org's latency per
call, and a Bulk job's queueing time per stream), and a smaller REST batch for very wide rows (more calls).
The API allocation is 100,000 calls a day plus 1,000 per Salesforce licence (Enterprise edition), shared with
every other integration of the org.

    .venv/bin/python -m bench.scale        (reads bench/results.json; prints the table for bench/README.md)
"""

from __future__ import annotations

import json
import math
import sys

from sfsandbox.generate.presets import PRESETS

from .harness import RESULTS, Figure

SCALES = (1, 10, 100)
DAILY_CHANGE = 0.01
API_ALLOCATION = 100_000
REST_PAGE, BULK_PAGE = 2000, 10_000
NEEDED = ("e2e_records", "e2e_full_rest_s", "e2e_full_bulk_s", "e2e_full_rest_fixed_calls",
          "e2e_full_bulk_fixed_calls", "incremental_1pct_s", "incremental_changes_1pct",
          "incremental_nochange_api_calls", "incremental_1pct_bulk_s", "incremental_changes_bulk",
          "incremental_1pct_bulk_api_calls")


def real_org_factor(preset_name: str) -> float:
    """How many times bigger the real org is than the ``preset_name`` org."""
    return PRESETS["vms"].students / PRESETS[preset_name].students


def costs(r: dict) -> dict[str, float]:
    """Seconds: fixed per REST run and per Bulk run, per record of a full REST / Bulk run, per changed record.

    A changed record costs an incremental run what a record costs a full run (the same extract, mapping and
    upserts); the fixed cost of a run is what is left of the 1% run. Both follow from two figures in seconds
    and tens of seconds, which a noisy machine disturbs less than the difference of two short runs would.
    """
    records, changed = r["e2e_records"], r["incremental_changes_1pct"]
    per_record = max(0.0, (r["e2e_full_rest_s"] - r["incremental_1pct_s"]) / (records - changed))
    rest_fixed = max(0.0, r["incremental_1pct_s"] - changed * per_record)
    bulk_fixed = max(0.0, r["incremental_1pct_bulk_s"] - r["incremental_changes_bulk"] * per_record)
    return {"rest_fixed": rest_fixed, "bulk_fixed": bulk_fixed, "per_change": per_record,
            "per_record_rest": per_record,
            "per_record_bulk": max(0.0, r["e2e_full_bulk_s"] - bulk_fixed) / records}


def model(r: dict, preset_name: str) -> list[dict]:
    """One row per scale: records, and (seconds, API calls) of full and nightly runs through REST and Bulk."""
    c = costs(r)
    base = r["e2e_records"] * real_org_factor(preset_name)
    rows = []
    for scale in SCALES:
        records = base * scale
        changes = records * DAILY_CHANGE
        rows.append({
            "scale": scale, "records": records, "changes": changes,
            "full_rest": (c["rest_fixed"] + records * c["per_record_rest"],
                          r["e2e_full_rest_fixed_calls"] + math.ceil(records / REST_PAGE)),
            "full_bulk": (c["bulk_fixed"] + records * c["per_record_bulk"],
                          r["e2e_full_bulk_fixed_calls"] + math.ceil(records / BULK_PAGE)),
            "nightly_rest": (c["rest_fixed"] + changes * c["per_change"],
                             r["incremental_nochange_api_calls"] + math.ceil(changes / REST_PAGE)),
            "nightly_bulk": (c["bulk_fixed"] + changes * c["per_change"],
                             r["incremental_1pct_bulk_api_calls"] - 1 + math.ceil(changes / BULK_PAGE)),
        })
    return rows


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def markdown(rows: list[dict]) -> str:
    kinds = ("full_rest", "full_bulk", "nightly_rest", "nightly_bulk")
    lines = ["| org | records | full, REST | full, Bulk 2.0 | nightly (1% changed), REST | nightly, Bulk 2.0 |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [f"{_duration(row[k][0])}, {row[k][1]:,.0f} calls" for k in kinds]
        lines.append(f"| {row['scale']}x | {row['records'] / 1000:,.0f}k | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def limit_scale(r: dict, preset_name: str) -> float:
    """The org size (times the real org) at which a full REST run plus a nightly run use the whole 100,000-call
    allocation of a day (the calls grow linearly with the records)."""
    one = model(r, preset_name)[0]
    fixed = r["e2e_full_rest_fixed_calls"] + r["incremental_nochange_api_calls"]
    per_scale = one["records"] / REST_PAGE + one["changes"] / REST_PAGE
    return (API_ALLOCATION - fixed) / per_scale


def figures(r: dict, preset_name: str) -> list[Figure]:
    """The model's figures, when the figures it is built from were measured in this run."""
    if any(r.get(name) is None for name in NEEDED):
        return []
    out = []
    for row in model(r, preset_name):
        for kind in ("full_rest", "full_bulk", "nightly_rest", "nightly_bulk"):
            seconds, calls = row[kind]
            out += [Figure(f"scale_{row['scale']}x_{kind}_s", seconds, "s",
                           f"model, {row['scale']}x org: {kind.replace('_', ', ')}"),
                    Figure(f"scale_{row['scale']}x_{kind}_api_calls", calls, "calls",
                           f"model, {row['scale']}x org: {kind.replace('_', ', ')} API calls")]
    c = costs(r)
    out += [
        Figure("scale_rest_fixed_s", c["rest_fixed"], "s", "model: fixed cost of a REST run"),
        Figure("scale_bulk_fixed_s", c["bulk_fixed"], "s", "model: fixed cost of a Bulk 2.0 run"),
        Figure("scale_per_record_rest_ms", c["per_record_rest"] * 1000, "ms", "model: cost per record (REST)"),
        Figure("scale_per_record_bulk_ms", c["per_record_bulk"] * 1000, "ms", "model: cost per record (Bulk 2.0)"),
        Figure("scale_api_limit_x", limit_scale(r, preset_name), "x real org",
               "org size where full + nightly REST calls reach 100k a day"),
    ]
    return out


def main() -> None:
    if not RESULTS.exists():
        sys.exit(f"{RESULTS} does not exist: run `make bench` first")
    r = json.loads(RESULTS.read_text())
    missing = [name for name in NEEDED if r.get(name) is None]
    if missing:
        sys.exit(f"{RESULTS} lacks {', '.join(missing)}: run the end_to_end and incremental benchmarks")
    print(f"Scale model from {RESULTS.name} of {r['date']} (preset {r['preset']}, {r['cpu_count']} CPUs):\n")
    print(markdown(model(r, r["preset"])))
    print(f"\nA full REST run plus a nightly run use the 100,000 calls of a day at "
          f"{limit_scale(r, r['preset']):,.0f}x the real org.")


if __name__ == "__main__":
    main()
