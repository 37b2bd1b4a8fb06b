"""Fixtures for the virtual-sessions step: a VMS database (SQLite, or PostgreSQL in a schema of its own)
synced from the tiny sandbox org, the org's generated Pathful session report, and ``run`` to import a
report."""

from __future__ import annotations

import http.server
import threading
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from vmsync.config import load_settings
from vmsync.salesforce import connect
from vmsync.sandbox.generate import prepare
from vmsync.sandbox.pathful import build_report
from vmsync.sandbox.tls import ensure_certificates
from vmsync.store import tables as t
from vmsync.store.database import create_schema, open_engine
from vmsync.sync.params import StepParams
from vmsync.sync.step import run_step
from vmsync.virtual import step
from vmsync.virtual.options import VirtualParams

SALESFORCE_STEPS = ("schools", "organizations", "volunteers", "teachers")
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # the clock imports run with: after every held session


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty VMS database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/vms.db"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"vv_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(clean_sandbox, db_url):
    c = clean_sandbox.connection
    return load_settings(environ={
        "SF_USERNAME": c["username"], "SF_PASSWORD": c["password"], "SF_SECURITY_TOKEN": c["security_token"],
        "SF_LOGIN_URL": c["login_url"], "SF_CA_BUNDLE": c["ca_bundle"], "VMSYNC_DB_URL": db_url},
        env_file=None)


@pytest.fixture
def sync(settings):
    """``sync(entity, run_id)``: one Salesforce step against the sandbox, as a notebook runs it."""
    client = connect(settings)
    return lambda entity, run_id, **kw: run_step(entity, StepParams(run_id=run_id, **kw), settings,
                                                 client=client)


@pytest.fixture
def synced(sync, engine, db_url):
    """The database with the org's schools, organizations, volunteers and teachers synced."""
    for entity in SALESFORCE_STEPS:
        sync(entity, "sf-1")
    return db_url


@pytest.fixture(scope="session")
def generated():
    """The Pathful session report of the tiny org (seed 1), with what an import should make of it."""
    return build_report(prepare("tiny", 1), seed=1)


@pytest.fixture(params=["xlsx", "csv"])
def report_file(request, generated, tmp_path):
    """The report as a workbook, and as a CSV."""
    return generated.write(tmp_path / f"Session Report_reports_0001.{request.param}")


@pytest.fixture
def report_xlsx(generated, tmp_path):
    return generated.write(tmp_path / "Session Report_reports_0002.xlsx")


@pytest.fixture
def run(db_url):
    """``run(source, run_id, **params)``: one import into the test database, at ``NOW`` unless told."""

    def run_import(source, run_id: str = "v-1", now: datetime = NOW, **params):
        params.setdefault("mode", "full")
        return step.run(VirtualParams(run_id=run_id, source=str(source) if source else None, db_url=db_url,
                                      **params), now=now)

    return run_import


def snapshot(engine, *tables: str) -> dict[str, list[tuple]]:
    """Every row of ``tables`` (all columns), ordered: what a no-op import must leave exactly as it was."""
    out = {}
    with engine.connect() as conn:
        for name in tables:
            table = t.metadata.tables[name]
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            out[name] = [tuple(r) for r in rows]
    return out


@pytest.fixture
def https(tmp_path):
    """A local HTTPS server (127.0.0.1) of this test's own: ``(base URL, CA bundle, routes)``."""
    certificates = ensure_certificates(tmp_path / "tls")
    routes: dict[str, tuple[int, str, bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, kind, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = certificates.server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(certificates.ca_cert), routes
    server.shutdown()
    server.server_close()
