"""Fixtures shared by every test: a running ``tiny`` sandbox org, a way to reset it, and PostgreSQL plumbing.

* ``sandbox``: one ``tiny`` org (seed 1) served in a thread for the whole session.
* ``clean_sandbox``: the same org, reset to its generated state before and after the test (records, clock,
  cursors, jobs, faults, API usage), for tests that write, move the clock or inject faults.
* ``pg_url``: the SQLAlchemy URL of the test PostgreSQL (``VMSYNC_TEST_PG_URL``, default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). An unreachable server skips the test, or fails it
  when ``VMSYNC_REQUIRE_PG=1`` (CI). Tests using it are marked ``postgres``.
* ``db_url``: a fresh, empty VMS database per test: a SQLite file, or a PostgreSQL schema of its own (dropped
  after). Parametrized ``sqlite`` / ``postgresql``; a test picks one with
  ``@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)``.
* ``POSTGRES_IN_SLOW``: ``db_url`` params for a test whose PostgreSQL variant repeats what another PostgreSQL
  test of its area proves: SQLite by default, PostgreSQL with ``--run-slow``.
* ``second_db_url``: another fresh database of the same kind, where a reference run goes.
* ``postgres_schema(base)``: a context manager giving the URL of a new schema of the PostgreSQL at ``base``.
* ``environ(sandbox, db_url, **overrides)``: the SF_* / VMSYNC_* settings that point vmsync at a sandbox org.
* ``process_environ(sandbox, db_url, runs_dir)``: the environment of a ``vmsync`` process (or a kernel) pointed at
  a sandbox org, with nothing this process inherited in SF_* / VMSYNC_*.
* ``copy_database(source, target)``: ``target`` made to hold what ``source`` holds (copying a database some steps
  were synced into is faster than syncing them again).
* ``engine``: an empty VMS database (a SQLite file, its tables made), for tests of what is written to it;
  ``db_engine``: the same on ``db_url``'s database (SQLite or PostgreSQL).
* ``settings``, ``client``, ``sync``: settings for ``clean_sandbox`` and ``db_url``, a client connected with them,
  and ``sync(entity, run_id, **params)`` to run one step the way a notebook does.
* ``--run-slow`` / ``--run-soak`` enable the tests marked ``slow`` / ``soak``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from sfsandbox import Sandbox
from vmsync.config import load_settings
from vmsync.entities import create_schema
from vmsync.runner.environment import sandbox_environment
from vmsync.salesforce import connect
from vmsync.store.database import open_engine
from vmsync.store.tables import metadata
from vmsync.sync.params import StepParams
from vmsync.sync.step import run_step

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OPT_IN_MARKERS = {"slow": "--run-slow", "soak": "--run-soak"}
POSTGRES_IN_SLOW = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow (larger presets)")
    parser.addoption("--run-soak", action="store_true", help="also run tests marked soak (long soak tests)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        for marker, option in OPT_IN_MARKERS.items():
            if marker in item.keywords and not config.getoption(option):
                item.add_marker(pytest.mark.skip(reason=f"{marker} test; run with {option}"))


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    """The session's ``tiny`` sandbox org, served in a thread of the test process."""
    with Sandbox.start(preset="tiny", seed=1, state_dir=tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox: Sandbox):
    """The session's sandbox, reset to its generated state before and after the test."""
    sandbox.control.reset()
    yield sandbox
    sandbox.control.reset()


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The test PostgreSQL URL, once the server has answered; skips (or fails, in CI) when it does not."""
    url = os.environ.get("VMSYNC_TEST_PG_URL", DEFAULT_PG_URL)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL not reachable at {engine.url.render_as_string(hide_password=True)}: {exc.orig}"
        if os.environ.get("VMSYNC_REQUIRE_PG") == "1":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """The URL of a new schema of the PostgreSQL at ``base`` (its ``search_path``); the schema is dropped on
    leaving."""
    schema = f"vt_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def copy_database(source: str, target: str) -> None:
    """Make the VMS database ``target`` hold exactly what ``source`` holds: two SQLite files, or two schemas of
    one PostgreSQL database. For a test that needs a database some steps were synced into, copying one made once
    is faster than syncing again."""
    if source.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(sa.engine.make_url(source).database)) as src, \
                contextlib.closing(sqlite3.connect(sa.engine.make_url(target).database)) as dst:
            src.backup(dst)
        return
    schema = re.search(r"search_path=(\w+)", sa.engine.make_url(source).query["options"]).group(1)
    engine = open_engine(target)
    create_schema(engine)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        for table in metadata.sorted_tables:
            conn.execute(sa.text(f'INSERT INTO "{table.name}" SELECT * FROM "{schema}"."{table.name}"'))
            column = table.autoincrement_column
            if column is not None:  # its sequence goes on after the copied ids
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                                     f'coalesce(max("{column.name}"), 0) + 1, false) FROM "{table.name}"'))
    engine.dispose()


def new_database(request: pytest.FixtureRequest, kind: str, path) -> Iterator[str]:
    """A fresh database of ``kind`` (``sqlite``: the file ``path``; ``postgresql``: a schema of its own)."""
    if kind == "sqlite":
        yield f"sqlite:///{path}"
        return
    with postgres_schema(request.getfixturevalue("pg_url")) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty VMS database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    yield from new_database(request, request.param, tmp_path / "vms.db")


@pytest.fixture
def second_db_url(request: pytest.FixtureRequest, db_url: str, tmp_path) -> Iterator[str]:
    """Another fresh database of the same kind as ``db_url``: where a reference run goes."""
    yield from new_database(request, "sqlite" if db_url.startswith("sqlite") else "postgresql",
                            tmp_path / "second.db")


@pytest.fixture
def engine(tmp_path):
    yield from made_database(f"sqlite:///{tmp_path}/vms.db")


@pytest.fixture
def db_engine(db_url):
    yield from made_database(db_url)


def made_database(url: str):
    """An engine of the database at ``url``, its tables made; disposed of when resumed."""
    engine = open_engine(url)
    create_schema(engine)
    yield engine
    engine.dispose()


def environ(sandbox, db_url: str | None = None, **overrides: str | None) -> dict[str, str]:
    """The SF_* / VMSYNC_* settings that point vmsync at ``sandbox`` (and at ``db_url``, when given), as a
    user sets them; an override of None drops a setting."""
    c = sandbox.connection
    env = {"SF_USERNAME": c["username"], "SF_PASSWORD": c["password"], "SF_SECURITY_TOKEN": c["security_token"],
           "SF_LOGIN_URL": c["login_url"], "SF_CA_BUNDLE": c["ca_bundle"], "VMSYNC_DB_URL": db_url, **overrides}
    return {k: v for k, v in env.items() if v is not None}


def private_key_lines(connection: dict) -> list[str]:
    """The base64 lines of the sandbox's JWT private key: what a leaked key looks like in a file."""
    with open(connection["private_key_file"]) as key:
        return [line.strip() for line in key if line.strip() and not line.startswith("-----")]


def process_environ(sandbox, db_url: str, runs_dir=None) -> dict[str, str]:
    """The environment of a ``vmsync`` process pointed at ``sandbox`` and ``db_url`` (credentials in SF_*, as the
    runner gives them to a kernel), runs in ``runs_dir`` when given; SF_* / VMSYNC_* of this process left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "VMSYNC_"))}
    env |= sandbox_environment(sandbox.connection) | {"VMSYNC_DB_URL": db_url}
    if runs_dir is not None:
        env["VMSYNC_RUNS_DIR"] = str(runs_dir)
    return env


@pytest.fixture
def settings(clean_sandbox, db_url):
    return load_settings(environ=environ(clean_sandbox, db_url), env_file=None)


@pytest.fixture
def client(settings):
    return connect(settings)


@pytest.fixture
def sync(settings, client):
    """``sync(entity, run_id, **params)`` runs one step against the sandbox and returns its StepResult."""

    def run(entity: str, run_id: str, **params):
        return run_step(entity, StepParams(run_id=run_id, **params), settings, client=client)

    return run


def wait_for(condition, what: str, timeout: float = 120.0):
    """What ``condition`` returns once it is truthy; an ``AssertionError`` naming ``what`` if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")
