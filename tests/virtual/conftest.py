"""Fixtures for the virtual-sessions step: the test's VMS database (``db_url``: SQLite, or PostgreSQL in a schema
of its own) synced from the tiny sandbox org, the org's generated Pathful session report, and ``run`` to import a
report."""

from __future__ import annotations

import contextlib
import http.server
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sfsandbox.generate import prepare
from sfsandbox.pathful import build_report
from sfsandbox.tls import ensure_certificates
from vmsync.config import load_settings
from vmsync.salesforce import connect
from vmsync.store import tables as t
from vmsync.sync import StepParams, run_step
from vmsync.virtual import step
from vmsync.virtual.options import VirtualParams

from ..conftest import copy_database, environ, postgres_schema

SALESFORCE_STEPS = ("schools", "organizations", "volunteers", "teachers")
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # the clock imports run with: after every held session


@pytest.fixture
def engine(db_engine):
    """Here ``engine`` is the test's ``db_url`` database (SQLite or PostgreSQL), its tables made."""
    return db_engine


@pytest.fixture(scope="session")
def synced_templates(sandbox, tmp_path_factory):
    """``template(db_url)``: a database of ``db_url``'s kind that the org in its generated state was synced into
    (``SALESFORCE_STEPS``, run ``sf-1``), made the first time a test asks for that kind; ``synced`` copies it."""
    made: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        def template(db_url: str) -> str:
            kind = sa.engine.make_url(db_url).get_backend_name()
            if kind not in made:
                base = sa.engine.make_url(db_url).set(query={}).render_as_string(hide_password=False)
                url = (f"sqlite:///{tmp_path_factory.mktemp('synced-template') / 'vms.db'}" if kind == "sqlite"
                       else stack.enter_context(postgres_schema(base)))
                sandbox.control.reset()
                settings = load_settings(environ=environ(sandbox, url), env_file=None)
                client = connect(settings)
                for entity in SALESFORCE_STEPS:
                    run_step(entity, StepParams(run_id="sf-1"), settings, client=client)
                made[kind] = url
            return made[kind]

        yield template


@pytest.fixture
def synced(clean_sandbox, engine, db_url, synced_templates):
    """The database with the org's schools, organizations, volunteers and teachers synced: a copy of the
    session's template of its kind (syncing them again for every test only repeats the same steps)."""
    copy_database(synced_templates(db_url), db_url)
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
