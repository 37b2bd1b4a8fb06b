"""Runner fixtures: one completed run of the whole suite against the tiny sandbox, and two small runs into one
database, shared by the tests that only read them, and helpers to run ``vmsync`` as a separate process (for kill -9 and lock races)."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa

from vmsync.runner import RunOptions, run_suite
from vmsync.runner.run import RunResult

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CompletedRun:
    result: RunResult
    runs_dir: Path
    db_url: str
    db_path: Path
    report: str


def run_in_process(sandbox, tmp: Path, **options) -> tuple[RunResult, str]:
    """``run_suite`` against ``sandbox``; returns the result and what it printed."""
    out = io.StringIO()
    options.setdefault("db_url", f"sqlite:///{tmp / 'vms.db'}")
    options.setdefault("runs_dir", tmp / "runs")
    options.setdefault("live", False)
    options.setdefault("env_file", None)
    options.setdefault("connection", sandbox.connection)
    result = run_suite(RunOptions(**options), out=out, report=out)
    return result, out.getvalue()


class VmsyncProcess:
    """``vmsync ARGS`` running as a process, its output going to files (a pipe would stay open as long as
    any child of a killed runner lives)."""

    _count = 0

    def __init__(self, args: tuple[str, ...], env: dict[str, str], cwd: Path):
        VmsyncProcess._count += 1
        self._out = cwd / f".vmsync-{VmsyncProcess._count}.out"
        self._err = cwd / f".vmsync-{VmsyncProcess._count}.err"
        with open(self._out, "w") as out, open(self._err, "w") as err:
            self.popen = subprocess.Popen([sys.executable, "-m", "vmsync.cli", *args], env=env, cwd=cwd,
                                          stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def wait(self, timeout: float = 300) -> int:
        return self.popen.wait(timeout=timeout)

    def output(self) -> tuple[str, str]:
        """(stdout, stderr) so far."""
        return self._out.read_text(), self._err.read_text()


def vmsync(*args: str, env: dict[str, str], cwd: Path) -> VmsyncProcess:
    return VmsyncProcess(args, env, cwd)


@pytest.fixture(scope="session")
def completed_run(sandbox, tmp_path_factory) -> CompletedRun:
    """The whole suite, run once into a fresh database (the sandbox must be in its generated state)."""
    tmp = tmp_path_factory.mktemp("complete")
    sandbox.control.reset()
    result, report = run_in_process(sandbox, tmp)
    return CompletedRun(result, tmp / "runs", f"sqlite:///{tmp / 'vms.db'}", tmp / "vms.db", report)


@dataclass
class TwoRuns:
    """``first`` synced organizations into an empty database and told VMSYNC_AFTER_RUN (which wrote its argument
    to ``marker``); ``second`` ran them again, nothing changed in the org, with the virtual sessions step, whose
    source is not configured (a connection without the Pathful report). ``printed``: what each printed."""

    first: RunResult
    second: RunResult
    marker: Path
    printed: dict[str, str]


@pytest.fixture(scope="session")
def two_runs(sandbox, tmp_path_factory) -> TwoRuns:
    tmp = tmp_path_factory.mktemp("two-runs")
    marker = tmp / "after-run.txt"
    sandbox.control.reset()
    first, printed_first = run_in_process(sandbox, tmp, only=["organizations"], after_run=f'echo "$1" > {marker}')
    unconfigured = {k: v for k, v in sandbox.connection.items() if k != "pathful_report"}
    second, printed_second = run_in_process(sandbox, tmp, connection=unconfigured,
                                            only=["organizations", "virtual_sessions"])
    return TwoRuns(first, second, marker, {"first": printed_first, "second": printed_second})


def model_snapshot(db_url: str, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every model table's rows keyed by salesforce_id, bookkeeping left out and foreign keys given as the
    parent's salesforce_id, so databases filled in a different order compare equal when their data does."""
    from vmsync.store.tables import metadata

    engine = sa.create_engine(db_url)
    snapshot = {}
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if "salesforce_id" not in table.c or (tables and table.name not in tables) \
                    or not inspector.has_table(table.name):
                continue
            rows = []
            for row in conn.execute(sa.select(table)).mappings():
                values = []
                for column in table.c:
                    if column.name in ("id", "created_at", "updated_at", "run_id"):
                        continue
                    value = row[column.name]
                    if column.name == "deleted_at":
                        value = value is not None
                    elif column.foreign_keys and value is not None:
                        parent = next(iter(column.foreign_keys)).column.table
                        value = conn.execute(sa.select(parent.c.salesforce_id).where(parent.c.id == value)).scalar()
                    values.append((column.name, value))
                rows.append(tuple(values))
            snapshot[table.name] = sorted(rows, key=repr)
    engine.dispose()
    return snapshot


def make_notebook(path: Path, *sources: str, parameters: str = "run_id = None\nmode = 'incremental'") -> Path:
    """A small notebook: a ``parameters`` cell, then one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    return path
