"""Writes a whole generated org into a fresh SQLite file, as fast as SQLite allows.

No journal and no fsync while loading (a half-written file is thrown away, never used), one transaction,
secondary indexes built after the rows are in, statistics gathered for the query planner at the end.
"""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

from ..store import create_indexes, create_org, create_tables
from .accounts import plan_classes, plan_districts, plan_organizations, plan_schools
from .activity import build_cases, build_email_messages, build_events, build_leads, build_tasks
from .affiliations import build_affiliations
from .contacts import plan_students, plan_teachers, plan_volunteers
from .donations import (
    build_campaign_members,
    build_campaigns,
    build_opportunities,
    build_price_book,
    build_roles,
)
from .plan import Plan, assign_ids, write
from .presets import PRESETS
from .sessions import build_participants, build_pathways, plan_sessions
from .timeline import START_MS, datetime_text

GENERATOR_VERSION = 4


def _load(conn: sqlite3.Connection, plan: Plan, user_id: str) -> None:
    def store(object_name: str, rows: list[dict], autonumber: str | None = None) -> None:
        assign_ids(conn, object_name, rows, autonumber)
        write(conn, object_name, rows, user_id)

    plan_districts(plan)
    plan_schools(plan)
    plan_organizations(plan)
    plan_classes(plan)
    plan_volunteers(plan)
    plan_teachers(plan)
    plan_students(plan)
    # Accounts and Contacts point at each other (households <-> their contact), so both get Ids first.
    accounts = plan.districts + plan.schools + plan.organizations + plan.households
    contacts = plan.volunteers + plan.teachers + plan.students
    assign_ids(conn, "Account", accounts)
    assign_ids(conn, "Class__c", plan.classes)
    assign_ids(conn, "Contact", contacts)
    write(conn, "Account", accounts, user_id)
    write(conn, "Class__c", plan.classes, user_id)
    write(conn, "Contact", contacts, user_id)
    del accounts, contacts

    store("npe5__Affiliation__c", build_affiliations(plan), "AF-{:07d}")
    plan_sessions(plan)
    store("Session__c", plan.sessions)
    store("Session_Participant__c", build_participants(plan), "SP-{:07d}")
    pathways, pathway_sessions, pathway_participants = build_pathways(plan)
    store("Pathway__c", pathways)
    store("Pathway_Session__c", pathway_sessions, "PS-{:05d}")
    store("Pathway_Participant__c", pathway_participants, "PP-{:05d}")
    build_leads(plan)
    store("Lead", plan.leads)
    build_cases(plan)
    store("Case", plan.cases)
    store("Task", build_tasks(plan))
    store("EmailMessage", build_email_messages(plan))
    store("Event", build_events(plan))

    roles = build_roles(plan)
    store("UserRole", roles)
    conn.execute('UPDATE "User" SET "UserRoleId" = ? WHERE "Id" = ?', (roles[-1]["Id"], user_id))
    campaigns = build_campaigns(plan)
    store("Campaign", campaigns)
    store("CampaignMember", build_campaign_members(plan, campaigns))
    products, books, entries = build_price_book(plan)
    store("Product2", products)
    store("Pricebook2", books)
    store("PricebookEntry", entries)
    opportunities, items, contact_roles = build_opportunities(plan, campaigns, books[0], entries)
    store("Opportunity", opportunities)
    store("OpportunityLineItem", items)
    store("OpportunityContactRole", contact_roles)


def generate(path: str | Path, preset: str, seed: int) -> None:
    """Write the org of ``preset`` and ``seed`` to a new SQLite file at ``path`` (replacing any file there)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    path = Path(path)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    gc_was_enabled = gc.isenabled()
    gc.disable()    # millions of small dicts and no cycles: collection passes would only cost time
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        create_tables(conn)
        _org_id, user_id = create_org(conn, datetime_text(START_MS))
        _load(conn, Plan(PRESETS[preset], seed), user_id)
        conn.executemany('INSERT INTO "_meta" ("key", "value") VALUES (?, ?)',
                         [("preset", preset), ("seed", str(seed)), ("generator_version", str(GENERATOR_VERSION))])
        create_indexes(conn)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
        if gc_was_enabled:
            gc.enable()
