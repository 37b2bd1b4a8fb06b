"""Data fidelity under change: seeded random edits of the org between incremental runs, and during one.

Each round makes a random batch of creates, updates, deletes, undeletes, purges and type changes (a volunteer
who becomes a teacher, an organization that becomes a school, and back) through the Salesforce API (undelete
and purge through the org's store: Salesforce's REST API has neither), then runs the steps incrementally and
reconciles: every live record of the org must be in the database or held with a reason, and nothing deleted
may be live there. The org's clock is frozen, so every change of a round shares one SystemModstamp, and some
rounds do not move it at all: their changes carry the very stamp the last run's watermark holds (with no
lookback in those runs, the boundary itself must be read). One round edits the org while a step is reading
it; the run after it must catch up. At the end the database's live rows must equal those of a fresh full
sync of the same org.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from simple_salesforce.exceptions import SalesforceError

from vmsync.cli import main as vmsync
from vmsync.config import load_settings
from vmsync.entities import ordered
from vmsync.salesforce import connect
from vmsync.store.database import open_engine
from vmsync.sync.reconcile import reconcile

from .conftest import FAST, Steps, differences, environ, live_snapshot, org_store

ENTITIES = ("schools", "organizations", "volunteers", "teachers")


@dataclass
class Org:
    """The records a round can pick from, read from the org, and the ones it deleted (to undelete)."""

    sf: object
    rng: random.Random
    deleted: list[tuple[str, str]] = field(default_factory=list)
    counter: int = 0

    def ids(self, soql: str) -> list[str]:
        return [r["Id"] for r in self.sf.query_all(soql)["records"]]

    def pick(self, soql: str) -> str | None:
        ids = self.ids(soql + " ORDER BY Id")
        return self.rng.choice(ids) if ids else None

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix} {self.counter} {self.rng.randrange(10**6)}"

    # --- the changes ------------------------------------------------------------------------------------

    def create_volunteer(self) -> str:
        org = self.pick("SELECT Id FROM Account WHERE Type = 'Business'")
        made = self.sf.Contact.create({"LastName": self.name("VOLUNTEER").upper(), "FirstName": "Val",
                                       "Contact_Type__c": "Volunteer",
                                       "Email": f" V{self.counter}@Example.org ",
                                       "npsp__Primary_Affiliation__c": org})
        return f"created volunteer {made['id']}"

    def create_teacher(self) -> str:
        school = self.pick("SELECT Id FROM Account WHERE Type = 'School'")
        made = self.sf.Contact.create({"LastName": self.name("Teacher"), "Contact_Type__c": "Teacher",
                                       "npsp__Primary_Affiliation__c": school, "Phone": "(816) 555-0100"})
        return f"created teacher {made['id']}"

    def create_account(self) -> str:
        kind = self.rng.choice(["Business", "Non-Profit", "School"])
        values = {"Name": self.name(kind), "Type": kind}
        if kind == "School":
            values["ParentId"] = self.pick("SELECT Id FROM Account WHERE Type = 'School District'")
        return f"created {kind} {self.sf.Account.create(values)['id']}"

    def update(self) -> str:
        if self.rng.random() < 0.6:
            contact = self.pick("SELECT Id FROM Contact WHERE Contact_Type__c IN ('Volunteer', 'Teacher')")
            values = self.rng.choice([
                {"Title": self.name("Title")}, {"Email": f"changed{self.counter}@example.org"},
                {"FirstName": self.name("First")}, {"Phone": None}, {"Department": "Science"}])
            self.sf.Contact.update(contact, values)
            return f"updated {contact} {values}"
        else:
            account = self.pick("SELECT Id FROM Account WHERE Type IN ('Business', 'Non-Profit', 'School')")
            self.sf.Account.update(account, {"Name": self.name("Renamed")})
            return f"renamed {account}"

    def delete(self) -> str:
        if self.rng.random() < 0.7:
            obj, soql = "Contact", "SELECT Id FROM Contact WHERE Contact_Type__c IN ('Volunteer', 'Teacher')"
        else:
            obj, soql = "Account", "SELECT Id FROM Account WHERE Type IN ('Business', 'Non-Profit', 'School')"
        record = self.pick(soql)
        getattr(self.sf, obj).delete(record)
        self.deleted.append((obj, record))
        return f"deleted {record}"

    def undelete(self) -> str:
        if self.deleted:
            obj, record = self.deleted.pop(self.rng.randrange(len(self.deleted)))
            self.store.undelete(obj, record)
            return f"undeleted {record}"
        return "nothing to undelete"

    def purge(self) -> str:
        if self.deleted:
            obj, record = self.deleted.pop(self.rng.randrange(len(self.deleted)))
            self.store.purge(obj, record)
            return f"purged {record}"
        return "nothing to purge"

    def change_type(self) -> str:
        if self.rng.random() < 0.6:
            contact = self.pick("SELECT Id FROM Contact WHERE Contact_Type__c IN ('Volunteer', 'Teacher')")
            kind = self.sf.Contact.get(contact)["Contact_Type__c"]
            new = "Teacher" if kind == "Volunteer" else "Volunteer"
            self.sf.Contact.update(contact, {"Contact_Type__c": new})
            return f"made {contact} a {new}"
        else:
            account = self.pick("SELECT Id FROM Account WHERE Type IN ('Business', 'School')")
            kind = self.sf.Account.get(account)["Type"]
            new = "School" if kind == "Business" else "Business"
            self.sf.Account.update(account, {"Type": new})
            return f"made {account} a {new}"

    CHANGES = ("create_volunteer", "create_teacher", "create_account", "update", "update", "delete",
               "undelete", "purge", "change_type")

    def random_changes(self, count: int) -> list[str]:
        made = []
        for _ in range(count):
            change = self.rng.choice(self.CHANGES)
            try:
                made.append(getattr(self, change)())
            except SalesforceError as exc:  # the org refused (a record with children, say): nothing changed
                made.append(f"{change} refused: {exc.status}")
        return made


@pytest.fixture
def fidelity(org, db_url):
    settings = load_settings(environ=environ(org, db_url), env_file=None)
    # the default timeouts: a delay fault is waited out, not retried
    steps = Steps(settings, connect(settings, retry=FAST, bulk_poll_wait=0.02))
    return org, steps


def sync_all(steps: Steps, run_id: str, **params) -> None:
    for entity in ENTITIES:
        steps.run(entity, run_id, **params)


def differing(steps: Steps, pending: set[str] = frozenset(), names: tuple[str, ...] = ENTITIES) -> list[str]:
    """The streams of ``names`` reconcile finds out of step with the org, with samples; the records in
    ``pending`` may still be live in the database."""
    engine = open_engine(steps.settings.db_url.reveal())
    try:
        results = reconcile(engine, steps.client, list(names), sample=1000)
    finally:
        engine.dispose()
    return [f"{r.stream}: missing {r.missing_sample}, extra {sorted(set(r.extra_sample) - pending)}"
            for r in results if r.missing or set(r.extra_sample) - pending]


def lagging(made: list[str]) -> set[str]:
    """The records of a round that only getDeleted can show gone: purged ones (in no query any more), and
    deleted ones that also changed kind (queryAll of their old stream no longer selects them)."""
    ids = {kind: {m.split()[1] for m in made if m.startswith(kind)} for kind in ("purged", "deleted", "made")}
    return ids["purged"] | (ids["deleted"] & ids["made"])


def run_rounds(org, steps: Steps, seed: int, rounds: int) -> None:
    """A purge reaches the database with the first run after the org's clock has left the minute it was made
    in: getDeleted covers whole minutes up to the current one (its latestDateCovered), as in Salesforce, and a
    purged record is in no query (nor is, in its old stream, a deleted record that changed kind). So such a
    record may stay live for one round, and the next round moves the clock on by a minute at least."""
    rng = random.Random(seed)
    world = Org(org.client(), rng)
    world.store = org_store(org)
    sync_all(steps, "initial", mode="full")
    assert differing(steps) == []
    during = rng.randrange(1, rounds)  # the round whose changes come while a step is reading
    pending: set[str] = set()
    for n in range(rounds):
        step = rng.choice([0, 0, 1, 60, 3600])  # 0: the changes share the last watermark's stamp
        org.control.advance(max(step, 60) if pending else step)
        made = world.random_changes(rng.randint(5, 12))
        lookback = rng.choice([0, 10])
        if n == during:
            made += changes_while_reading(org, steps, world, f"round-{n}")
            sync_all(steps, f"round-{n}-after", lookback_minutes=lookback)
        else:
            sync_all(steps, f"round-{n}", lookback_minutes=lookback)
        pending = lagging(made)
        assert differing(steps, pending) == [], f"seed {seed} round {n}: {made}"
    org.control.advance(60)
    sync_all(steps, "last")
    assert differing(steps) == [], f"seed {seed}: purges of the last round did not arrive"


def changes_while_reading(org, steps: Steps, world: Org, run_id: str) -> list[str]:
    """Sync while another thread changes the org: the volunteers' first page is held back a second, and the
    changes land meanwhile."""
    org.control.add_fault({"kind": "query", "contains": "FROM Contact", "effect": "delay", "seconds": 1.0,
                           "times": 1})
    made: list[str] = []
    other = Org(world.sf, random.Random(world.rng.random()), world.deleted, world.counter + 1000)
    other.store = world.store

    def change_midway():
        time.sleep(0.3)
        made.extend(other.random_changes(4))

    thread = threading.Thread(target=change_midway)
    thread.start()
    sync_all(steps, run_id)
    thread.join()
    org.control.clear_faults()
    return [f"{m} (during the run)" for m in made]


def fresh_full_sync(org, db_url: str) -> dict:
    settings = load_settings(environ=environ(org, db_url), env_file=None)
    sync_all(Steps(settings, connect(settings, retry=FAST)), "fresh", mode="full")
    return live_snapshot(db_url)


@pytest.mark.parametrize(("db_url", "seed", "rounds"), [
    pytest.param("sqlite", 1, 4, id="sqlite-seed1"),
    pytest.param("postgresql", 2, 2, marks=pytest.mark.soak, id="postgresql-seed2"),
    pytest.param("sqlite", 3, 25, id="sqlite-soak-seed3", marks=pytest.mark.soak),
    *[pytest.param("sqlite", seed, 25, marks=pytest.mark.soak, id=f"sqlite-soak-seed{seed}")
      for seed in range(4, 6)],
    *[pytest.param("postgresql", seed, 25, marks=pytest.mark.soak,
                   id=f"postgresql-soak-seed{seed}") for seed in range(6, 8)],
], indirect=["db_url"])
def test_random_changes_between_and_during_runs_reconcile(fidelity, second_db_url, seed, rounds):
    org, steps = fidelity
    run_rounds(org, steps, seed, rounds)
    got, fresh = live_snapshot(steps.settings.db_url.reveal()), fresh_full_sync(org, second_db_url)
    assert got == fresh, differences(got, fresh)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_volunteer_whose_organization_becomes_a_school_links_to_the_school(fidelity):
    org, steps = fidelity
    sync_all(steps, "first", mode="full")
    sf = org.client()
    volunteer = sf.query("SELECT Id, npsp__Primary_Affiliation__c FROM Contact "
                         "WHERE Contact_Type__c = 'Volunteer' "
                         "AND npsp__Primary_Affiliation__r.Type = 'Business' "
                         "ORDER BY Id LIMIT 1")["records"][0]
    account = volunteer["npsp__Primary_Affiliation__c"]
    sf.Account.update(account, {"Type": "School"})
    org.control.advance(60)
    sync_all(steps, "second")
    engine = sa.create_engine(steps.settings.db_url.reveal())
    with engine.connect() as conn:
        linked = conn.execute(sa.text(
            "SELECT v.organization_id, s.salesforce_id FROM volunteer v "
            "LEFT JOIN school s ON s.id = v.school_id "
            "WHERE v.salesforce_id = :id"), {"id": volunteer["Id"]}).one()
    engine.dispose()
    assert tuple(linked) == (None, account), "still linked to the organization that became a school"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_more_records_on_one_stamp_than_a_page_holds_are_all_read(fidelity):
    """250 volunteers created at the very instant the last run's watermark holds, read with no lookback in
    pages of 200: the page boundary falls inside the group of equal stamps."""
    org, steps = fidelity
    sync_all(steps, "initial", mode="full")
    sf = org.client()
    created = [sf.Contact.create({"LastName": f"SAMESTAMP {i}", "Contact_Type__c": "Volunteer"})["id"]
               for i in range(250)]
    result = steps.run("volunteers", "same-stamp", lookback_minutes=0, page_size=200)
    assert result.counts.extracted >= 250
    engine = sa.create_engine(steps.settings.db_url.reveal())
    with engine.connect() as conn:
        live = set(conn.execute(sa.text(
            "SELECT salesforce_id FROM contact WHERE deleted_at IS NULL")).scalars())
    engine.dispose()
    assert set(created) <= live
    assert differing(steps) == []


@pytest.mark.parametrize(("db_url", "seed", "rounds"), [
    pytest.param("sqlite", 11, 1, id="sqlite-seed11"),
    pytest.param("postgresql", 12, 3, id="postgresql-soak-seed12",  # deletes a school with classes
                 marks=pytest.mark.soak),
], indirect=["db_url"])
def test_vmsync_check_reconcile_finds_no_difference_after_every_entity_syncs_changes(
        fidelity, monkeypatch, capsys, seed, rounds):
    """The whole suite (every entity that reads Salesforce) synced, the org changed, every entity synced
    again incrementally: ``vmsync check --reconcile``, as a user runs it, finds the database matching."""
    org, steps = fidelity
    everything = [e.name for e in ordered() if e.streams]
    world = Org(org.client(), random.Random(seed))
    world.store = org_store(org)
    for entity in everything:
        steps.run(entity, "initial", mode="full")
    for name, value in environ(org, steps.settings.db_url.reveal()).items():
        monkeypatch.setenv(name, value)
    for n in range(rounds):
        org.control.advance(60)
        made = world.random_changes(10)
        org.control.advance(60)  # past the minute of any purge
        for entity in everything:
            steps.run(entity, f"round-{n}")
        code = vmsync(["check", "--reconcile"])
        printed = capsys.readouterr().out
        assert code == 0 and "reconcile: database matches the org" in printed, f"round {n}: {made}\n{printed}"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_teacher_waiting_for_a_school_who_becomes_a_volunteer_stays_a_volunteer(fidelity):
    org, steps = fidelity
    sf = org.client()
    business = sf.query("SELECT Id FROM Account WHERE Type = 'Business' "
                        "ORDER BY Id LIMIT 1")["records"][0]["Id"]
    teacher = sf.Contact.create({"LastName": "Waiting", "Contact_Type__c": "Teacher",
                                 "npsp__Primary_Affiliation__c": business})["id"]  # no school: link pending
    for entity in ("schools", "organizations", "volunteers", "teachers"):
        steps.run(entity, "first")
    org.control.advance(60)
    sf.Contact.update(teacher, {"Contact_Type__c": "Volunteer"})
    for entity in ("schools", "organizations", "volunteers", "teachers"):
        steps.run(entity, "second")
    engine = sa.create_engine(steps.settings.db_url.reveal())
    with engine.connect() as conn:
        kind = conn.execute(sa.text("SELECT type FROM contact WHERE salesforce_id = :id"),
                            {"id": teacher}).scalar()
        teaching = conn.execute(sa.text("SELECT count(*) FROM teacher WHERE salesforce_id = :id "
                                        "AND deleted_at IS NULL"), {"id": teacher}).scalar()
    engine.dispose()
    assert (kind, teaching) == ("volunteer", 0)
    assert differing(steps) == []


def delete_a_school_with_teachers(org, steps: Steps, entities: tuple[str, ...]) -> str:
    for entity in entities:
        steps.run(entity, "first", mode="full")
    sf = org.client()
    school = sf.query("SELECT npsp__Primary_Affiliation__c FROM Contact WHERE Contact_Type__c = 'Teacher' "
                      "AND npsp__Primary_Affiliation__r.Type = 'School' "
                      "ORDER BY Id LIMIT 1")["records"][0]["npsp__Primary_Affiliation__c"]
    sf.Account.delete(school)  # its classes and teachers stay in Salesforce, pointing at it
    org.control.advance(120)
    for entity in entities:
        steps.run(entity, "deleted")
    return school


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_classes_of_a_deleted_school_are_held_not_missing(fidelity):
    org, steps = fidelity
    entities = ("schools", "classes", "teachers")
    delete_a_school_with_teachers(org, steps, entities)
    assert differing(steps, names=entities) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_school_deleted_then_undeleted_gets_its_classes_and_teachers_back(fidelity, second_db_url):
    org, steps = fidelity
    entities = ("schools", "classes", "teachers")
    school = delete_a_school_with_teachers(org, steps, entities)
    org_store(org).undelete("Account", school)
    org.control.advance(120)
    for entity in entities:
        steps.run(entity, "undeleted")
    fresh = Steps(load_settings(environ=environ(org, second_db_url), env_file=None), steps.client)
    for entity in entities:
        fresh.run(entity, "fresh", mode="full")
    got, expected = live_snapshot(steps.settings.db_url.reveal()), live_snapshot(second_db_url)
    assert got == expected, differences(got, expected)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_tasks_of_a_deleted_contact_are_held_under_tasks(fidelity):
    """Tasks and EmailMessages share the ``history`` table: the Task rows a deleted contact takes with it wait in
    ``sync_issue`` as Tasks, so reconcile counts them held and not missing, and the next run retries them."""
    org, steps = fidelity
    entities = ("volunteers", "history")
    for entity in entities:
        steps.run(entity, "first", mode="full")
    sf = org.client()
    volunteers = {r["Id"] for r in sf.query_all("SELECT Id FROM Contact WHERE Contact_Type__c = 'Volunteer'")["records"]}
    contact = min(r["WhoId"] for r in sf.query_all("SELECT WhoId FROM Task")["records"] if r["WhoId"] in volunteers)
    sf.Contact.delete(contact)
    org.control.advance(120)
    for entity in entities:
        steps.run(entity, "deleted")
    engine = open_engine(steps.settings.db_url.reveal())
    try:
        tasks = next(r for r in reconcile(engine, steps.client, ["history"]) if r.stream == "tasks")
    finally:
        engine.dispose()
    assert tasks.held and not tasks.missing
    assert differing(steps, names=entities) == []
