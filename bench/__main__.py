"""``make bench``: every benchmark in turn, one table of every figure, and ``bench/results.json``.

    .venv/bin/python -m bench [benchmark ...]      (all when none is named; BENCH_PRESET=vms for the big org)

A benchmark that breaks is reported and skipped; the others still run, and the exit code stays 0:
benchmarks print, they never fail. Only a run of every benchmark writes ``bench/results.json``, so that its
figures always come from one run.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

from . import scale
from .harness import Figure, preset, table, write_results

BENCHMARKS = ("sandbox_throughput", "loader", "end_to_end", "incremental", "runner_overhead", "footprint")


def main(argv: list[str] | None = None) -> None:
    names = list(argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    preset_name = preset()
    print(f"vmsync benchmarks at preset {preset_name}: {', '.join(names)}", flush=True)
    figures: list[Figure] = []
    started = time.perf_counter()
    for name in names:
        print(f"\n== {name}", flush=True)
        begun = time.perf_counter()
        try:
            got = importlib.import_module(f"bench.{name}").run(preset_name)
        except Exception as exc:  # one broken benchmark costs only its own figures
            traceback.print_exc()
            print(f"{name}: skipped after an error ({type(exc).__name__}: {exc})", flush=True)
            continue
        print(table(got, f"{name} ({time.perf_counter() - begun:.0f} s):"), flush=True)
        figures += got
    by_name = {f.name: f.value for f in figures}
    model = scale.figures(by_name, preset_name)
    figures += model
    print(f"\n== every figure, preset {preset_name}, {time.perf_counter() - started:.0f} s in all")
    print(table(figures))
    missed = [f for f in figures if f.meets() is False]
    if missed:
        print(f"\n{len(missed)} figure(s) missed their aim: {', '.join(f.name for f in missed)}")
    if model:
        print("\nScale model (see bench/README.md):\n")
        print(scale.markdown(scale.model(by_name, preset_name)))
    if names == list(BENCHMARKS):
        print(f"\nwrote {write_results(figures, preset_name)}")
    else:
        print("\nbench/results.json left as it was: it holds the figures of a whole run")


if __name__ == "__main__":
    main()
