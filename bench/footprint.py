"""Memory and artifacts: what ``vmsync run`` leaves behind at the preset, beside a smaller org.

A full ``vmsync run`` (in-process ``run_suite``, 2 steps at a time, one kernel per notebook) into an empty
SQLite database, at ``BENCH_PRESET`` and at the next smaller preset (``tiny`` for ``demo``, ``demo`` for
``vms``), each against a sandbox org in its own process (a run another benchmark already made in this
process at that preset is reused: ``bench.runner_overhead``'s first run is one at ``tiny``). Figures:

* the peak resident memory of each step's kernel, as the step records it (``sync_step.peak_memory_mb``),
  and its ratio to the same step's at the smaller org (aim: ``vms`` within 1.3 times ``demo``; pages are
  streamed, so memory should not grow with the org);
* the size of each executed notebook and of its HTML rendering in the run folder (aim: under 1 MB each).

    .venv/bin/python -m bench.footprint        (BENCH_PRESET=vms compares vms with demo)
"""

from __future__ import annotations

import re

from . import org
from .harness import Figure, preset, ratio, table

SMALLER = {"tiny": "tiny", "demo": "tiny", "vms": "demo"}
KB = 1024


def artifact_key(filename: str) -> str:
    """``05-students.ipynb`` -> ``students_ipynb``."""
    stem, _, suffix = filename.rpartition(".")
    return f"{re.sub(r'^[0-9]+-', '', stem)}_{suffix}"


def run(preset_name: str | None = None) -> list[Figure]:
    preset_name = preset_name or preset()
    base_name = SMALLER[preset_name]
    base_peaks = org.full_run(base_name).peaks_mb
    main_run = org.full_run(preset_name)
    peaks, sizes = main_run.peaks_mb, main_run.sizes
    figures = [Figure("footprint_run_s", main_run.seconds, "s", f"vmsync run, full, at {preset_name}")]
    for entity, mb in peaks.items():
        figures += [
            Figure(f"memory_{entity}_mb", mb, "MB", f"{entity}: kernel peak at {preset_name}"),
            Figure(f"memory_{entity}_vs_base", ratio(mb, base_peaks.get(entity, 0)), "x",
                   f"{entity}: peak at {preset_name} / at {base_name}", ("<=", 1.3)),
        ]
    if peaks and base_peaks:
        figures += [
            Figure("memory_max_mb", max(peaks.values()), "MB", f"largest kernel peak at {preset_name}"),
            Figure("memory_max_base_mb", max(base_peaks.values()), "MB", f"largest kernel peak at {base_name}"),
            Figure("memory_max_vs_base", ratio(max(peaks.values()), max(base_peaks.values())), "x",
                   f"largest peak: {preset_name} / {base_name}", ("<=", 1.3)),
        ]
    for name, size in sizes.items():
        figures.append(Figure(f"artifact_{artifact_key(name)}_kb", size / KB, "KB", f"{name} at {preset_name}",
                              ("<", 1024)))
    if sizes:
        figures.append(Figure("artifact_max_kb", max(sizes.values()) / KB, "KB", "largest notebook or HTML",
                              ("<", 1024)))
    return figures


def main() -> None:
    name = preset()
    print(table(run(name), f"Memory and artifacts, vmsync run at {name} and {SMALLER[name]}:"))


if __name__ == "__main__":
    main()
