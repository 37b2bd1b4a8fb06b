"""The benchmarks' org and database: a sandbox org in its own process, settings for it, steps run in order.

The sandbox is served from a subprocess (as ``vmsync sandbox serve``) so it never shares this process's GIL
with what is measured. Its daily API allocation is set as high as a Salesforce sandbox's, so that no
benchmark runs out of calls.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sfsandbox import Sandbox
from vmsync.config import Settings, load_settings
from vmsync.entities import ordered
from vmsync.entities.spec import Entity
from vmsync.runner import RunOptions, RunResult, run_suite
from vmsync.runner.environment import sandbox_environment
from vmsync.salesforce import SalesforceClient, connect
from vmsync.sync.params import StepParams
from vmsync.sync.step import StepResult, run_step

SANDBOX_DAILY_LIMIT = 5_000_000  # a Salesforce sandbox org's daily API allocation


@contextmanager
def sandbox_org(preset: str) -> Iterator[Sandbox]:
    """A sandbox org of ``preset`` (seed 1; generated once and cached) served from its own process."""
    with tempfile.TemporaryDirectory(prefix="vmsync-bench-sandbox-") as state, \
            Sandbox.start(preset=preset, seed=1, state_dir=state, in_process=False,
                          daily_api_limit=SANDBOX_DAILY_LIMIT) as sandbox:
        yield sandbox


def environment(sandbox: Sandbox, db_url: str) -> dict[str, str]:
    """The environment a kernel (or the runner) needs to sync from ``sandbox`` into ``db_url``."""
    c = sandbox.connection
    return {"SF_USERNAME": c["username"], "SF_PASSWORD": c["password"], "SF_SECURITY_TOKEN": c["security_token"],
            "SF_LOGIN_URL": c["login_url"], "SF_CA_BUNDLE": c["ca_bundle"], "VMSYNC_DB_URL": db_url}


def settings(sandbox: Sandbox, db_url: str) -> Settings:
    return load_settings(environ=environment(sandbox, db_url), env_file=None)


def client(sandbox: Sandbox) -> SalesforceClient:
    """A logged-in vmsync client of ``sandbox`` (the database setting is not used by it)."""
    return connect(settings(sandbox, "sqlite:///unused.db"))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def salesforce_entities() -> list[Entity]:
    """The entities that read Salesforce, in dependency order (not those fed from elsewhere, such as a file)."""
    return [entity for entity in ordered() if entity.streams]


def step(settings_: Settings, sf: SalesforceClient, entity: str, run_id: str, mode: str, **params) -> StepResult:
    """One entity's step, in this process, with an already connected client."""
    return run_step(entity, StepParams(run_id=run_id, mode=mode, **params), settings_, client=sf)


def suite(settings_: Settings, sf: SalesforceClient, run_id: str, mode: str, *, before=None, **params) \
        -> dict[str, tuple[float, StepResult]]:
    """Every entity's step in dependency order, in this process: (wall seconds, result) by entity.

    ``before(entity_name)``, when given, is called before each step (untimed)."""
    out = {}
    for entity in salesforce_entities():
        if before:
            before(entity.name)
        started = time.perf_counter()
        result = step(settings_, sf, entity.name, run_id, mode, **params)
        out[entity.name] = (time.perf_counter() - started, result)
    return out


def seconds(steps: dict[str, tuple[float, StepResult]]) -> float:
    """The wall time of a suite's steps together."""
    return sum(s for s, _ in steps.values())


def api_calls(steps: dict[str, tuple[float, StepResult]]) -> int:
    return sum(r.api_calls for _, r in steps.values())


def copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (its WAL included), through SQLite's backup API."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def vmsync_run(sandbox: Sandbox, work: Path, **options) -> tuple[float, RunResult]:
    """(seconds, result) of ``vmsync run`` (in-process ``run_suite``) against ``sandbox`` into ``work/vms.db``,
    its run folders under ``work/runs``; a run that does not succeed raises."""
    started = time.perf_counter()
    result = run_suite(RunOptions(connection=sandbox.connection, db_url=sqlite_url(work / "vms.db"),
                                  runs_dir=work / "runs", live=False, env_file=None, **options),
                       out=io.StringIO(), report=io.StringIO())
    took = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"vmsync run failed ({result.exit_code}): {result.message or result.folder}")
    return took, result


@dataclass(frozen=True)
class FullRun:
    """What a full ``vmsync run`` into an empty database left: its time, each step kernel's peak memory (as
    ``sync_step.peak_memory_mb`` holds it) and the size of each notebook and HTML file of the run folder."""

    seconds: float
    peaks_mb: dict[str, float]
    sizes: dict[str, int]


FULL_RUNS: dict[str, FullRun] = {}
"""Full runs made in this process, by preset: a benchmark that needs one at a preset another benchmark has
already run (the runner's first run is the footprint's smaller org) reads it here instead of running again."""


def full_vmsync_run(sandbox: Sandbox, work: Path, preset: str, parallel: int = 2) -> FullRun:
    """A full ``vmsync run`` of ``sandbox`` (an org of ``preset``) into an empty ``work/vms.db``; remembered.

    It runs as the command a scheduler starts, in a process of its own, for the kernels' sake: a process
    started from a big one reports that one's resident size as its own peak (``ru_maxrss`` survives fork and
    exec on Linux), and this benchmark process grows big. The kernels' recorded peaks still cannot be below
    the runner's own size when it started them.
    """
    env = {**os.environ, **sandbox_environment(sandbox.connection)}
    command = [sys.executable, "-m", "vmsync.cli", "run", "--full", "--parallel", str(parallel),
               "--db", sqlite_url(work / "vms.db"), "--runs-dir", str(work / "runs")]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=3 * 3600)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"vmsync run exited {done.returncode}: {(done.stdout + done.stderr)[-2000:]}")
    folder = next(p for p in (work / "runs").iterdir() if p.is_dir())
    conn = sqlite3.connect(work / "vms.db")
    try:
        peaks = dict(conn.execute("SELECT entity, peak_memory_mb FROM sync_step WHERE run_id = ? AND "
                                  "peak_memory_mb IS NOT NULL", (folder.name,)).fetchall())
    finally:
        conn.close()
    sizes = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.suffix in (".ipynb", ".html")}
    FULL_RUNS[preset] = FullRun(took, peaks, sizes)
    return FULL_RUNS[preset]


def full_run(preset: str) -> FullRun:
    """The full run at ``preset`` made in this process, or a new one against a sandbox org of its own."""
    if preset not in FULL_RUNS:
        with tempfile.TemporaryDirectory(prefix="vmsync-bench-run-") as tmp, sandbox_org(preset) as sandbox:
            full_vmsync_run(sandbox, Path(tmp), preset)
    return FULL_RUNS[preset]
