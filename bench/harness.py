"""What every benchmark shares: medians of repeats, figures with their aims, the table, ``bench/results.json``.

A figure is one named number, usually a ratio of two things measured in the same run (these machines are
shared and noisy, so a bare time means little). Its aim, when it has one, is a comparison such as
``("<=", 1.3)``; the table marks whether the figure meets it, and nothing ever fails because of it.
"""

from __future__ import annotations

import json
import operator
import os
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PRESETS = ("tiny", "demo", "vms")
RESULTS = Path(__file__).with_name("results.json")
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def preset() -> str:
    """The org size the benchmarks run at: ``BENCH_PRESET`` (``demo`` unless set)."""
    name = os.environ.get("BENCH_PRESET", "demo")
    if name not in PRESETS:
        raise SystemExit(f"BENCH_PRESET must be one of {', '.join(PRESETS)}, not {name!r}")
    return name


@dataclass(frozen=True)
class Figure:
    """One named number: ``name`` is its key in results.json, ``label`` says what it is in words."""

    name: str
    value: float
    unit: str = ""
    label: str = ""
    aim: tuple[str, float] | None = None

    def meets(self) -> bool | None:
        """Whether the figure meets its aim (None when it has none)."""
        if self.aim is None:
            return None
        op, target = self.aim
        return _COMPARE[op](self.value, target)

    @property
    def aim_text(self) -> str:
        return f"{self.aim[0]} {self.aim[1]:g}" if self.aim else ""


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn``."""
    return statistics.median(timed(fn)[0] for _ in range(repeats))


def ratio(a: float, b: float) -> float:
    """a / b, or NaN when b is zero (a figure that could not be measured, shown as such)."""
    return a / b if b else float("nan")


def _value_text(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(figures: Iterable[Figure], title: str = "") -> str:
    """The figures as an aligned text table: label, value, unit, aim and whether it is met."""
    figures = list(figures)
    width = max([len(f.label or f.name) for f in figures] + [10])
    lines = [title] if title else []
    for f in figures:
        met = f.meets()
        mark = "" if met is None else ("ok" if met else "MISSED")
        aim = f"aim {f.aim_text}" if f.aim else ""
        lines.append(f"  {f.label or f.name:<{width}}  {_value_text(f.value):>12} {f.unit:<10} {aim:<10} {mark}")
    return "\n".join(lines)


def results(figures: Iterable[Figure], preset_name: str) -> dict:
    """The flat object results.json holds: every figure by name, the CPU count, the date and the preset."""
    out: dict = {f.name: (None if f.value != f.value else round(f.value, 4)) for f in figures}
    out |= {"cpu_count": os.cpu_count(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "preset": preset_name}
    return out


def write_results(figures: Iterable[Figure], preset_name: str, path: Path = RESULTS) -> Path:
    path.write_text(json.dumps(results(figures, preset_name), indent=2) + "\n")
    return path
