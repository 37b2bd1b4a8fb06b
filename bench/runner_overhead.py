"""Runner benchmark: a no-change run of the whole suite against plain papermill, side by side in one run.

Against a tiny sandbox org (in its own process) whose data the database already holds (a first run fills it,
untimed), each repeat:

* ``runner``: ``vmsync run`` (in-process ``run_suite``), every entity, ``--parallel 2``: kernels, run.json,
  HTML renderings, the secret scan, the index;
* ``empty``: the same number of empty notebooks (a parameters cell and one ``print``) through
  ``papermill.execute_notebook``, two at a time: the floor any papermill suite pays;
* ``bare``: the same entity notebooks through ``papermill.execute_notebook``, two at a time, in plan order,
  with none of the runner's work: what is left is the runner's own cost.

Figures: the seconds of each (medians) and the ratios runner/empty (aim 1.5) and runner/bare.
``BENCH_RUNNER_PRESET`` (tiny) and ``BENCH_RUNNER_REPEATS`` (1: a repeat takes a minute and a half)
change the setup.

    .venv/bin/python -m bench.runner_overhead
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm

from vmsync.runner.environment import sandbox_environment
from vmsync.runner.plan import build_plan

from . import org
from .harness import Figure, ratio, table

PRESET = os.environ.get("BENCH_RUNNER_PRESET", "tiny")
REPEATS = int(os.environ.get("BENCH_RUNNER_REPEATS", "1"))
PARALLEL = 2


def empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("run_id = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("print(run_id)")]
    nbformat.write(nb, str(path))
    return path


def papermill_all(notebooks: list[Path], out_dir: Path, parameters: dict) -> float:
    """Seconds to execute ``notebooks`` with papermill, ``PARALLEL`` at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)

    def one(i_path: tuple[int, Path]) -> None:
        i, path = i_path
        pm.execute_notebook(str(path), str(out_dir / f"{i:02d}-{path.name}"), parameters=parameters,
                            progress_bar=False, shutdown_kernel="immediate")

    start = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(one, enumerate(notebooks)))
    return time.perf_counter() - start


def runner_run(sandbox, work: Path) -> float:
    return org.vmsync_run(sandbox, work, parallel=PARALLEL)[0]


def run(preset_name: str | None = None) -> list[Figure]:
    """At ``BENCH_RUNNER_PRESET`` whatever the benchmarks' preset: this measures the runner, not the data."""
    saved = dict(os.environ)
    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.ERROR)  # bare runs pass the entity parameters to every notebook: no warnings
    with tempfile.TemporaryDirectory(prefix="vmsync-bench-runner-") as tmp, org.sandbox_org(PRESET) as sandbox:
        work = Path(tmp)
        try:
            plan = build_plan()
            org.full_vmsync_run(sandbox, work, PRESET, PARALLEL)  # fills the database: later runs find no change
            os.environ.update(sandbox_environment(sandbox.connection))  # bare papermill: kernels inherit these
            os.environ["VMSYNC_DB_URL"] = org.sqlite_url(work / "vms.db")
            empties = [empty_notebook(work / f"empty-{i}.ipynb") for i in range(len(plan))]
            runner, empty, bare = [], [], []
            for repeat in range(REPEATS):
                runner.append(runner_run(sandbox, work))
                empty.append(papermill_all(empties, work / f"empty-out-{repeat}", {"run_id": "bench"}))
                bare.append(papermill_all([s.notebook for s in plan], work / f"bare-out-{repeat}",
                                          {"run_id": f"bench-bare-{repeat}", "mode": "incremental"}))
        finally:
            os.environ.clear()
            os.environ.update(saved)
            papermill_log.setLevel(level)
    r, e, b = (statistics.median(v) for v in (runner, empty, bare))
    return [
        Figure("runner_notebooks", len(plan), "notebooks", f"notebooks in the suite ({PARALLEL} at a time)"),
        Figure("runner_run_s", r, "s", f"vmsync run, no changes ({PRESET} org)"),
        Figure("runner_empty_s", e, "s", "papermill, as many empty notebooks"),
        Figure("runner_bare_s", b, "s", "papermill, the same notebooks, no runner"),
        Figure("runner_vs_empty", ratio(r, e), "x", "vmsync run / empty notebooks", ("<=", 1.5)),
        Figure("runner_vs_bare", ratio(r, b), "x", "vmsync run / bare papermill (runner's own cost)"),
    ]


def main() -> None:
    print(table(run(), f"Runner overhead at {PRESET}, median of {REPEATS}:"))


if __name__ == "__main__":
    main()
