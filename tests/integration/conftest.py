"""End-to-end fixtures and helpers: steps run against the sandbox org into ``db_url``, or the org synced twice
into one database per kind, read by the tests that only read it (``synced_twice``) and copied by those that
change it (``synced_databases``); what the database holds, and how Salesforce's values should have landed."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from vmsync.config import load_settings
from vmsync.entities import ordered
from vmsync.salesforce import connect
from vmsync.store import open_engine
from vmsync.store import tables as t
from vmsync.sync import StepParams, StepResult, run_step

from ..conftest import environ, postgres_schema

SYNCED = ("schools", "organizations", "volunteers", "classes", "teachers", "students", "affiliations", "events",
          "student_participation", "pathways", "history")
MODEL_TABLES = tuple(name for name, table in t.metadata.tables.items() if "salesforce_id" in table.c)


@dataclass
class Synced:
    """The org synced twice into one database: ``first`` into the empty database, ``second`` with nothing changed
    in the org, and every model table's rows after each (``before`` and ``after`` the second)."""

    db_url: str
    first: dict[str, StepResult]
    second: dict[str, StepResult]
    before: dict[str, set]
    after: dict[str, set]

    def changed(self, tables: tuple[str, ...]) -> list[str]:
        """Those of ``tables`` whose rows the second sync changed."""
        return [name for name in tables if self.after[name] != self.before[name]]


@pytest.fixture(scope="session")
def synced_databases(sandbox, tmp_path_factory):
    """``synced(kind, pg_url=None)``: the org in its generated state synced twice, every entity in ``SYNCED`` in
    dependency order, the way a notebook runs each step, into a fresh SQLite file (``kind`` "sqlite") or a schema
    of the PostgreSQL at ``pg_url``. Made the first time a kind is asked for, once per session (the full and the
    no-change syncs are the same whichever entities a test checks); tests only read it, or copy it."""
    made: dict[str, Synced] = {}
    with contextlib.ExitStack() as stack:
        def synced(kind: str, pg_url: str | None = None) -> Synced:
            if kind not in made:
                db_url = (f"sqlite:///{tmp_path_factory.mktemp('synced-twice') / 'vms.db'}" if kind == "sqlite"
                          else stack.enter_context(postgres_schema(pg_url)))
                sandbox.control.reset()
                settings = load_settings(environ=environ(sandbox, db_url), env_file=None)
                client = connect(settings)
                engine = open_engine(db_url)
                stack.callback(engine.dispose)

                def sync_all(run_id: str) -> dict[str, StepResult]:
                    return {e.name: run_step(e.name, StepParams(run_id=run_id), settings, client=client)
                            for e in ordered(list(SYNCED))}

                first = sync_all("e2e-1")
                before = snapshot(engine, MODEL_TABLES)
                second = sync_all("e2e-2")
                made[kind] = Synced(db_url, first, second, before, snapshot(engine, MODEL_TABLES))
            return made[kind]

        yield synced


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def synced_twice(request, synced_databases) -> Synced:
    """``synced_databases``' of each kind."""
    pg_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return synced_databases(request.param, pg_url)


def connect_to(sandbox, db_url: str):
    """A client of ``sandbox``, with the settings of a sync into ``db_url``."""
    return connect(load_settings(environ=environ(sandbox, db_url), env_file=None))


def open_issues(conn, entity: str) -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
    """Open issues of ``entity`` by record: (code, field) -> (kind, message)."""
    i = t.sync_issue
    out: dict[str, dict] = defaultdict(dict)
    q = select(i.c.record_id, i.c.code, i.c.field, i.c.kind, i.c.message).where(
        i.c.entity == entity, i.c.resolved_at.is_(None))
    for record_id, code, field, kind, message in conn.execute(q):
        out[record_id][(code, field)] = (kind, message)
    return out


def clean(value):
    """A text value as the sync stores it: stripped, and None when blank."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def snapshot(engine, tables: tuple[str, ...]) -> dict[str, set]:
    """Every row of ``tables``, all columns: what a run that changes nothing must leave exactly as it was."""
    with engine.connect() as conn:
        return {name: {tuple(r) for r in conn.execute(select(t.metadata.tables[name]))} for name in tables}
