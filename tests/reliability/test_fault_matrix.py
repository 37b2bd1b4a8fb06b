"""The fault matrix: every fault the org or the network can throw, at every point of a step.

Each case starts from the same database (organizations and volunteers synced once), changes the org the same
way (a volunteer created, one edited, one deleted, one turned into a teacher), injects one fault at one point
and runs the volunteers step: it must end succeeded, or failed with the error class that fault deserves and
the watermark where it was. Then the fault is removed and the step run again; the database must then equal,
table by table, that of a run that never saw a fault.

``once``: the fault fires on one request (the client retries, logs in again, or gives up if retrying cannot
help). ``always``: it fires on every request it matches, so the step must give up, classified.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re

import pytest
import sqlalchemy as sa

from vmsync.errors import SyncError
from vmsync.store import tables as t

from ..conftest import copy_database, postgres_schema
from .conftest import FROZEN_AT, Steps, differences, snapshot, steps_for

VOLUNTEERS = "volunteers:volunteers"

FAULTS = {
    "expired-session": {"effect": "error", "status": 401},
    "quota-exhausted": {"effect": "error", "status": 403},
    "query-timeout": {"effect": "error", "status": 400, "error_code": "QUERY_TIMEOUT"},
    "server-error": {"effect": "error", "status": 500},
    "unavailable": {"effect": "error", "status": 503, "retry_after": 1},
    "dropped": {"effect": "drop", "fraction": 0.5},
    "slow": {"effect": "delay", "seconds": 1.0},
    "truncated": {"effect": "truncate", "fraction": 0.5},
}
# point -> (the rule's match, the step's mode, its API)
POINTS = {
    "login": ({"kind": "login"}, "incremental", "rest"),
    "first-page": ({"kind": "query", "contains": "FROM Contact"}, "incremental", "rest"),
    "later-page": ({"kind": "next_page"}, "full", "rest"),  # a full read: more than one page of records
    "bulk-poll": ({"kind": "bulk_poll"}, "incremental", "bulk"),
    "bulk-results": ({"kind": "bulk_results"}, "incremental", "bulk"),
    "get-deleted": ({"kind": "get_deleted"}, "incremental", "rest"),
}
GIVE_UP = {  # the class of a step that met the fault on every try
    "expired-session": "AUTH", "quota-exhausted": "RATE_LIMIT", "query-timeout": "TIMEOUT",
    "server-error": "NETWORK", "unavailable": "NETWORK", "dropped": "NETWORK", "slow": "TIMEOUT",
    "truncated": "NETWORK",
}
NOT_RETRIED = {("quota-exhausted", p) for p in POINTS} | {("expired-session", "login"),
                                                           ("query-timeout", "login")}


def expected_outcome(fault: str, point: str, persistence: str) -> str:
    """'succeeded', or the error class the step must fail with."""
    if point == "login" and fault in ("expired-session", "query-timeout"):
        return "AUTH"  # the login itself was refused: new credentials, not another try, can help
    if persistence == "once" and (fault, point) not in NOT_RETRIED:
        return "succeeded"
    return GIVE_UP[fault]


def change_org(sf) -> None:
    """The same changes in every case (the clock is frozen, so Ids and stamps repeat after a reset)."""
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Contact WHERE Contact_Type__c = 'Volunteer' "
                                     "ORDER BY Id LIMIT 3")["records"]]
    sf.Contact.create({"LastName": "FAULTLESS", "FirstName": "Fay", "Contact_Type__c": "Volunteer",
                       "Email": "fay@example.org"})
    sf.Contact.update(ids[0], {"Title": "Edited before the faulty run"})
    sf.Contact.delete(ids[1])
    sf.Contact.update(ids[2], {"Contact_Type__c": "Teacher"})


def recorded(db_url: str, run_id: str) -> tuple:
    """The volunteers watermark, and the status and error class ``sync_step`` holds for ``run_id``."""
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        mark = conn.execute(sa.select(t.sync_watermark.c.watermark)
                            .where(t.sync_watermark.c.stream == VOLUNTEERS)).scalar()
        step = conn.execute(sa.select(t.sync_step.c.status, t.sync_step.c.error_class)
                            .where(t.sync_step.c.run_id == run_id)).first()
    engine.dispose()
    return mark, tuple(step) if step else None


class Scenario:
    """Databases with organizations and volunteers synced once, and the reference per mode: such a database
    after the org's changes and one fault-free volunteers step."""

    def __init__(self, sandbox, new_url):
        self.sandbox = sandbox
        self.new_url = new_url  # () -> the URL of a new, empty database
        self.template: str | None = None  # the base, synced once; every case starts from a copy of it
        self.references: dict[str, dict] = {}
        for mode in ("full", "incremental"):
            db_url, steps = self.base()
            change_org(sandbox.client())
            steps.run("volunteers", "reference", mode=mode)
            self.references[mode] = snapshot(db_url)

    def base(self) -> tuple[str, Steps]:
        """A database with the base synced, and the org reset with its clock frozen."""
        self.sandbox.control.reset()
        self.sandbox.control.freeze(FROZEN_AT)
        if self.template is None:
            self.template = self.new_url()
            steps = self.steps(self.template)
            steps.run("organizations", "base", mode="full")
            steps.run("volunteers", "base", mode="full")
        db_url = self.new_url()
        copy_database(self.template, db_url)
        return db_url, self.steps(db_url)

    def steps(self, db_url: str) -> Steps:
        return steps_for(self.sandbox, db_url)

    def case(self, point: str, fault: str, persistence: str, caplog) -> None:
        db_url, steps = self.base()
        match, mode, api = POINTS[point]
        rule = {**match, **FAULTS[fault]}
        if persistence == "once":
            rule["times"] = 1
        elif fault == "unavailable":
            rule["retry_after"] = 0  # waiting out Retry-After is shown by the "once" cases
        before, _ = recorded(db_url, "faulty")
        change_org(self.sandbox.client())
        self.sandbox.control.add_fault(rule)
        if point == "login":
            self.sandbox.control.sessions(expire_all=True)  # the step's first call must log in again

        with caplog.at_level(logging.WARNING, logger="vmsync.salesforce"):
            outcome = steps.attempt("volunteers", "faulty", mode=mode, api=api, page_size=200)
        fired = self.sandbox.control.faults()[0]["fired"]
        self.sandbox.control.clear_faults()

        assert fired >= 1, f"the {fault} fault never fired at {point}"
        expected = expected_outcome(fault, point, persistence)
        if expected == "succeeded":
            assert not isinstance(outcome, SyncError), f"{fault} once at {point} was not got past: {outcome}"
            assert recorded(db_url, "faulty")[1] == ("succeeded", None)
            if fault == "unavailable":
                assert re.search(r"retrying in [1-9]\.", caplog.text), "retried sooner than Retry-After said"
        else:
            assert isinstance(outcome, SyncError), f"{fault} {persistence} at {point} went unnoticed"
            assert str(outcome.error_class) == expected, outcome
            assert recorded(db_url, "faulty") == (before, ("failed", expected)), \
                "the watermark moved, or the step was not recorded as failed"
            again = steps.run("volunteers", "after-fault", mode=mode, api=api, page_size=200)
            assert again.status == "succeeded"
        got, reference = snapshot(db_url), self.references[mode]
        assert got == reference, differences(got, reference)


@pytest.fixture(scope="module")
def on_sqlite(sandbox, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fault-matrix")
    names = (f"sqlite:///{folder / f'vms-{n}.db'}" for n in itertools.count())
    yield Scenario(sandbox, lambda: next(names))
    sandbox.control.reset()


@pytest.fixture(scope="module")
def on_postgres(sandbox, pg_url):
    with contextlib.ExitStack() as schemas:  # each dropped on leaving
        yield Scenario(sandbox, lambda: schemas.enter_context(postgres_schema(pg_url)))
        sandbox.control.reset()


def matrix(default: set[tuple[str, str, str]] | None) -> list:
    """Every (point, fault, persistence); those not in ``default`` are soak. By default half the points meet
    each fault (a checkerboard), and each point and each fault meets both variants."""
    cases = []
    for i, point in enumerate(POINTS):
        for j, fault in enumerate(FAULTS):
            for k, persistence in enumerate(("once", "always")):
                if default is None:
                    chosen = (i + j) % 2 == 0 and k == (i + j) // 2 % 2
                else:
                    chosen = (point, fault, persistence) in default
                cases.append(pytest.param(point, fault, persistence, marks=() if chosen else pytest.mark.soak,
                                          id=f"{point}-{fault}-{persistence}"))
    return cases


# on PostgreSQL by default: a few cases where the database's part matters most (a page committed before the
# fault, a new login under Bulk, the deletes read last)
POSTGRES_DEFAULT = {
    ("later-page", "dropped", "always"), ("bulk-poll", "expired-session", "once"),
    ("get-deleted", "server-error", "always"),
}


@pytest.mark.parametrize(("point", "fault", "persistence"), matrix(None))
def test_fault_on_sqlite(on_sqlite, clean_sandbox, point, fault, persistence, caplog):
    on_sqlite.case(point, fault, persistence, caplog)


@pytest.mark.parametrize(("point", "fault", "persistence"), matrix(POSTGRES_DEFAULT))
def test_fault_on_postgresql(on_postgres, clean_sandbox, point, fault, persistence, caplog):
    on_postgres.case(point, fault, persistence, caplog)
