"""End-to-end fixtures: a VMS database (SQLite, and PostgreSQL in a schema of its own), settings pointing at the
sandbox org, a connected client, and ``sync`` to run steps the way a notebook does."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from vmsync.config import load_settings
from vmsync.salesforce import connect
from vmsync.sync.params import StepParams
from vmsync.sync.step import run_step


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty VMS database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/vms.db"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"vt_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def sandbox_environ(sandbox, db_url: str) -> dict[str, str]:
    """The environment a kernel (or the runner) gets to sync from ``sandbox`` into ``db_url``."""
    c = sandbox.connection
    return {"SF_USERNAME": c["username"], "SF_PASSWORD": c["password"], "SF_SECURITY_TOKEN": c["security_token"],
            "SF_LOGIN_URL": c["login_url"], "SF_CA_BUNDLE": c["ca_bundle"], "VMSYNC_DB_URL": db_url}


@pytest.fixture
def settings(clean_sandbox, db_url):
    return load_settings(environ=sandbox_environ(clean_sandbox, db_url), env_file=None)


@pytest.fixture
def client(settings):
    return connect(settings)


@pytest.fixture
def sync(settings, client):
    """``sync(entity, run_id, **params)`` runs one step against the sandbox and returns its StepResult."""

    def run(entity: str, run_id: str, **params):
        return run_step(entity, StepParams(run_id=run_id, **params), settings, client=client)

    return run
