"""``vmsync run`` as a user runs it (a process, credentials in the environment), against a sandbox org whose
credentials are distinctive: a step failing on a fault, a kernel or the runner killed outright (SIGKILL) at a
seeded random point, then ``vmsync run --resume``; and afterwards no file, log or table holding a secret.

* Fault: the org refuses the volunteers' query (403, the day's API calls spent): the run exits 1 with that
  step failed RATE_LIMIT and the one before it done; ``--resume`` after the fault is gone exits 0.
* Kill: the kernel of a step, or the runner, is killed while a step reads the org (its query held back by a
  delay) or between two steps. A runner killed leaves no kernel behind; ``--resume`` exits 0.
* After each resume the database equals that of an uninterrupted sync (made step by step in this process).
* Secrets: the password, the security token, the sandbox's admin token and any Salesforce session id appear
  in no file the runs wrote (run folders, databases, the index), in nothing they printed, and in no table.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from sfsandbox import Sandbox
from vmsync import notebook
from vmsync.errors import SyncError

from ..conftest import environ, postgres_schema, process_environ, wait_for
from .conftest import differences, snapshot, steps_for

ENTITIES = ("organizations", "volunteers")  # volunteers depend on organizations
PASSWORD = 'Pa$$w0rd"<Ünï>&' + os.urandom(4).hex()  # quotes, markup and accents: every escaping of it counts
TOKEN = "TOK" + os.urandom(10).hex().upper()
HELD_QUERY = {"organizations": "FROM Account WHERE (Type NOT IN",
              "volunteers": "FROM Contact WHERE ((Contact"}


@pytest.fixture(scope="module")
def distinct_org(tmp_path_factory):
    """A sandbox org of its own, whose password and token are distinctive strings."""
    state = tmp_path_factory.mktemp("distinct-org")
    (state / "credentials.json").write_text(json.dumps({
        "username": "set-by-the-org", "password": PASSWORD, "security_token": TOKEN,
        "consumer_key": "3MVG9" + os.urandom(8).hex(), "consumer_secret": os.urandom(16).hex().upper()}))
    with Sandbox.start(preset="tiny", seed=1, state_dir=state) as sandbox:
        assert sandbox.connection["password"] == PASSWORD
        yield sandbox


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The folder every run of this module works in: run folders, databases and what the runs printed."""
    return tmp_path_factory.mktemp("runs-home")


@pytest.fixture(scope="module")
def reference(distinct_org, workdir) -> dict:
    """The database an uninterrupted sync of ``ENTITIES`` leaves, made step by step in this process."""
    distinct_org.control.reset()
    db_url = f"sqlite:///{workdir}/reference.db"
    steps = steps_for(distinct_org, db_url)
    for entity in ENTITIES:
        steps.run(entity, "reference")
    return snapshot(db_url)


@dataclass
class Runs:
    """``vmsync run`` processes in ``workdir`` against ``org``, into one database."""

    org: Sandbox
    workdir: Path
    name: str

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.workdir}/{self.name}.db"

    def env(self) -> dict[str, str]:
        return process_environ(self.org, self.db_url, self.workdir / "runs")

    def start(self, *args: str) -> subprocess.Popen:
        """``vmsync run ARGS``; what it prints goes to ``<workdir>/<name>-N.out`` (scanned for secrets)."""
        log = self.workdir / f"{self.name}-{len(list(self.workdir.glob(f'{self.name}-*.out')))}.out"
        with open(log, "w") as out:
            process = subprocess.Popen([sys.executable, "-m", "vmsync.cli", "run", *args], env=self.env(),
                                       cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT)
        process.log = log
        return process

    def run(self, *args: str) -> tuple[int, str]:
        process = self.start(*args)
        code = process.wait(timeout=600)
        return code, process.log.read_text()

    def record(self, run_id: str) -> dict:
        return json.loads((self.workdir / "runs" / run_id / "run.json").read_text())

    def latest(self) -> dict:
        """The run.json of this database's latest run (None before one exists)."""
        for path in sorted((self.workdir / "runs").glob("*/run.json"), key=lambda p: p.stat().st_mtime,
                           reverse=True):
            try:
                record = json.loads(path.read_text())
            except ValueError:  # being written
                continue
            if record.get("database", "").endswith(f"{self.name}.db"):
                return record
        return None


def steps_by_entity(record: dict) -> dict[str, dict]:
    return {s["entity"]: s for s in record["steps"]}


def kernels_of(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if "ipykernel" in " ".join(c.cmdline())]


def resume_and_compare(runs: Runs, run_id: str, reference: dict) -> None:
    runs.org.control.clear_faults()
    code, printed = runs.run("--resume", run_id)
    assert code == 0, printed
    assert all(s["status"] == "succeeded" for s in runs.record(run_id)["steps"]), printed
    got = snapshot(runs.db_url)
    assert got == reference, differences(got, reference)


# --- a step that fails, then --resume ----------------------------------------------------------------------

def test_a_step_refused_by_the_org_fails_classified_and_resume_completes_the_run(distinct_org, workdir,
                                                                                 reference):
    org = distinct_org
    org.control.reset()
    runs = Runs(org, workdir, "refused")
    org.control.add_fault({"kind": "query", "contains": HELD_QUERY["volunteers"], "effect": "error",
                           "status": 403})
    code, printed = runs.run("--only", ",".join(ENTITIES))
    assert code == 1, printed
    record = runs.latest()
    steps = steps_by_entity(record)
    assert steps["organizations"]["status"] == "succeeded"
    assert (steps["volunteers"]["status"], steps["volunteers"]["error_class"]) == ("failed", "RATE_LIMIT")
    resume_and_compare(runs, record["run_id"], reference)


# --- killed, then --resume ------------------------------------------------------------------------------

KILLS = ("kernel during extract", "runner during extract", "runner between steps")


def kill_cases(default: int, soak: int) -> list:
    """(seed, kind): the seed picks the step; ``default`` cases run by default, the rest behind --run-soak."""
    cases = []
    for seed in range(soak):
        kind = KILLS[seed % len(KILLS)]
        cases.append(pytest.param(seed, kind, marks=() if seed < default else pytest.mark.soak,
                                  id=f"seed{seed}-{kind.replace(' ', '-')}"))
    return cases


@pytest.mark.parametrize(("seed", "kind"), kill_cases(default=1, soak=9))
def test_killed_mid_run_then_resumed_to_the_database_of_an_uninterrupted_run(distinct_org, workdir, reference,
                                                                              seed, kind):
    org = distinct_org
    rng = random.Random(seed)
    org.control.reset()
    runs = Runs(org, workdir, f"killed-{seed}")
    if "extract" in kind:  # the seed picks the step; its query is held back while something is killed
        step = rng.choice(ENTITIES)
        org.control.add_fault({"kind": "query", "contains": HELD_QUERY[step], "effect": "delay",
                               "seconds": 60, "times": 1})
        process = runs.start("--only", ",".join(ENTITIES), "--parallel", "1")
        wait_for(lambda: org.control.faults()[0]["seen"] >= 1, f"{step} to read the org")
    else:  # the seed picks the moment: up to a second after the first step ended
        step = ENTITIES[1]
        process = runs.start("--only", ",".join(ENTITIES), "--parallel", "1")
        wait_for(lambda: (runs.latest() or {"steps": [{"status": ""}]})["steps"][0]["status"] == "succeeded",
                 "the first step to succeed", timeout=300)
        time.sleep(rng.uniform(0, 1))
    record = wait_for(runs.latest, "run.json")
    kernels = kernels_of(process)

    if kind.startswith("kernel"):
        assert kernels, "no kernel to kill"
        for kernel in kernels:
            kernel.send_signal(signal.SIGKILL)
        code = process.wait(timeout=300)
        assert code == 1, process.log.read_text()
        assert steps_by_entity(runs.latest())[step]["status"] == "failed"
    else:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        psutil.wait_procs(kernels, timeout=15)
        assert not [k for k in kernels if k.is_running() and k.status() != psutil.STATUS_ZOMBIE], \
            "a kernel outlived its runner"
        assert runs.latest()["status"] == "running"
    resume_and_compare(runs, record["run_id"], reference)


# --- secrets --------------------------------------------------------------------------------------------

def secrets_of(org) -> dict[str, bytes]:
    c = org.connection
    found = {"password": PASSWORD, "security token": TOKEN, "admin token": c["admin_token"],
             "session id": c["org_id"][:15] + "!"}
    forms = {}
    for name, value in found.items():
        for i, form in enumerate({value, json.dumps(value)[1:-1]}):
            forms[f"{name} ({i})"] = form.encode()
    return forms


def test_no_secret_in_any_file_printout_or_table_after_failed_killed_and_resumed_runs(distinct_org, workdir,
                                                                                       reference):
    if not list(workdir.glob("runs/*/run.json")):  # run alone: make a failed and a resumed run first
        test_a_step_refused_by_the_org_fails_classified_and_resume_completes_the_run(distinct_org, workdir,
                                                                                     reference)
    secrets = secrets_of(distinct_org)
    leaks = []
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [f"{path.relative_to(workdir)}: {name}" for name, form in secrets.items() if form in data]
    assert leaks == []  # the SQLite databases are files here: every value of every table was read
    redacted = {p.parent.name: json.loads(p.read_text())["secrets_found"]
                for p in workdir.glob("runs/*/run.json")}
    assert not any(redacted.values()), f"the runner had to redact secrets: {redacted}"
    assert list(workdir.glob("runs/*/*.ipynb")) and list(workdir.glob("*.out")), "nothing was scanned"


def test_no_secret_in_any_postgresql_table_after_failed_and_resumed_steps(distinct_org, pg_url, monkeypatch):
    org = distinct_org
    """The same for a PostgreSQL database, whose values are not in a file to read: every table, read back.
    Its steps: a notebook run by hand with a wrong password, a step refused by the org, the same step
    again."""
    org.control.reset()
    with postgres_schema(pg_url) as db_url:
        for name, value in environ(org, db_url, SF_PASSWORD="wrong-" + PASSWORD).items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SyncError, match="INVALID_LOGIN"):
            notebook.sync("organizations", run_id="wrong-password")
        steps = steps_for(org, db_url)
        org.control.add_fault({"kind": "query", "contains": HELD_QUERY["volunteers"], "effect": "error",
                               "status": 403})
        steps.run("organizations", "refused")
        assert isinstance(steps.attempt("volunteers", "refused"), SyncError)
        org.control.clear_faults()
        steps.run("volunteers", "refused")
        assert secrets_in_tables(db_url, secrets_of(org)) == []


def secrets_in_tables(db_url: str, secrets: dict[str, bytes]) -> list[str]:
    """``table.column: secret`` for every value of every table that holds one."""
    engine = sa.create_engine(db_url)
    found = []
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for name in inspector.get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            for row in conn.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    text = json.dumps(value, default=str) if value is not None else ""
                    found += [f"{name}.{column}: {s}" for s, form in secrets.items()
                              if form.decode() in text or form.decode() in str(value)]
    engine.dispose()
    return found
