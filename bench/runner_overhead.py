"""Runner benchmark: a no-change run of the whole suite against plain papermill, side by side in one run.

Against a tiny sandbox org whose data the database already holds (a first run fills it, untimed):

* ``runner``: ``vmsync run`` (in-process ``run_suite``), every entity, ``--parallel 2``: kernels, run.json,
  HTML renderings, the secret scan, the index;
* ``empty``: the same number of empty notebooks (a parameters cell and one ``print``) through
  ``papermill.execute_notebook``, two at a time: the floor any papermill suite pays;
* ``bare``: the same entity notebooks through ``papermill.execute_notebook``, two at a time, in plan order,
  with none of the runner's work: what is left is the runner's own cost.

Prints the seconds of each and the ratios runner/empty (the aim is 1.5) and runner/bare.
Set ``BENCH_RUNNER_PRESET`` (tiny) and ``BENCH_RUNNER_REPEATS`` (1) to change the setup.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm

from vmsync.runner import RunOptions, run_suite
from vmsync.runner.environment import sandbox_environment
from vmsync.runner.plan import build_plan
from vmsync.sandbox import Sandbox

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


def runner_run(sandbox: Sandbox, work: Path) -> float:
    start = time.perf_counter()
    result = run_suite(RunOptions(connection=sandbox.connection, db_url=f"sqlite:///{work / 'vms.db'}",
                                  runs_dir=work / "runs", parallel=PARALLEL, live=False, env_file=None),
                       out=io.StringIO(), report=io.StringIO())
    took = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"the runner failed ({result.exit_code}): see {result.folder}")
    return took


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vmsync-bench-") as tmp, \
            Sandbox.start(preset=PRESET, state_dir=Path(tmp) / "sandbox") as sandbox:
        work = Path(tmp)
        plan = build_plan()
        runner_run(sandbox, work)  # fills the database: every later run finds no change
        os.environ.update(sandbox_environment(sandbox.connection))  # bare papermill: kernels inherit these
        os.environ["VMSYNC_DB_URL"] = f"sqlite:///{work / 'vms.db'}"
        empties = [empty_notebook(work / f"empty-{i}.ipynb") for i in range(len(plan))]
        runner, empty, bare = [], [], []
        for repeat in range(REPEATS):
            runner.append(runner_run(sandbox, work))
            empty.append(papermill_all(empties, work / f"empty-out-{repeat}", {"run_id": "bench"}))
            bare.append(papermill_all([s.notebook for s in plan], work / f"bare-out-{repeat}",
                                      {"run_id": f"bench-bare-{repeat}", "mode": "incremental"}))
    r, e, b = (statistics.median(v) for v in (runner, empty, bare))
    print(f"Runner overhead, {len(plan)} notebooks, {PARALLEL} at a time, {PRESET} sandbox, no changes in the org "
          f"(median of {REPEATS}):")
    print(f"  {'vmsync run, whole suite':48s} {r:8.1f} s")
    print(f"  {'papermill, as many empty notebooks':48s} {e:8.1f} s")
    print(f"  {'papermill, the same notebooks, no runner':48s} {b:8.1f} s")
    print(f"  {'ratio vmsync run / empty notebooks (aim 1.5)':48s} {r / e:8.2f}")
    print(f"  {'ratio vmsync run / bare papermill (runner cost)':48s} {r / b:8.2f}")


if __name__ == "__main__":
    main()
