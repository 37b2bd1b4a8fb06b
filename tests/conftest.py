"""Fixtures shared by every test: a running ``tiny`` sandbox org, a way to reset it, and PostgreSQL plumbing.

* ``sandbox``: one ``tiny`` org (seed 1) served in a thread for the whole session.
* ``clean_sandbox``: the same org, reset to its generated state before and after the test (records, clock,
  cursors, jobs, faults, API usage), for tests that write, move the clock or inject faults.
* ``pg_url``: the SQLAlchemy URL of the test PostgreSQL (``VMSYNC_TEST_PG_URL``, default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). An unreachable server skips the test, or fails it
  when ``VMSYNC_REQUIRE_PG=1`` (CI). Tests using it are marked ``postgres``.
* ``--run-slow`` / ``--run-soak`` enable the tests marked ``slow`` / ``soak``.
"""

from __future__ import annotations

import os

import pytest

from vmsync.sandbox import Sandbox

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OPT_IN_MARKERS = {"slow": "--run-slow", "soak": "--run-soak"}


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
    import sqlalchemy as sa

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
