"""The history around people: Leads, Cases, Tasks, EmailMessages and calendar Events.

Emails carry the addresses stored on contacts in another case (what the history matcher must see through),
and some addresses match nobody.
"""

from __future__ import annotations

import random

from ..ids import make_id
from . import pools
from .common import Weighted, chance, html_paragraphs, other_case, person, slug
from .plan import Plan
from .timeline import DAY, END_MS, HOUR, MINUTE, START_MS, after, between, date_text, datetime_text, modified

_GHOST_BASE = 36**11 + 10**6        # Contact Ids no generated record reaches (beyond the participants' ghosts)
_TASK_TYPES = Weighted([("Email", 35), ("Call", 25), ("Meeting", 15), ("Other", 5), ("status_update", 2), (None, 18)])
_TASK_STATUSES = Weighted([("Completed", 85), ("Not Started", 5), ("In Progress", 4),
                           ("Waiting on someone else", 3), ("Deferred", 3)])
_CASE_STATUSES = Weighted([("Closed", 80), ("New", 10), ("Working", 10)])
_READ_STATES = Weighted([("0", 30), ("1", 60), ("2", 10)])
_STAFF = [(name, f"{name.lower().replace(' ', '.')}@{pools.STAFF_DOMAIN}") for name in pools.STAFF]


def _since(rng: random.Random, *parents: dict | None) -> int:
    """A moment after every given parent existed, spread over the rest of generated time."""
    base = max([START_MS] + [p["CreatedDate"] for p in parents if p is not None])
    return after(rng, base, END_MS - base)


def build_leads(plan: Plan) -> None:
    rng = plan.rng("leads")
    for _ in range(plan.preset.leads):
        first, last = person(rng)
        created = between(rng, START_MS, END_MS)
        company = rng.choice(plan.organizations)["Name"] if chance(rng, 0.6) else None
        plan.leads.append({
            "FirstName": first if chance(rng, 0.95) else None, "LastName": last,
            "Email": f"{slug(first)}.{slug(last)}@{rng.choice(pools.PERSONAL_EMAIL_DOMAINS)}" if chance(rng, 0.8)
            else None,
            "Company": company, "CreatedDate": created, "LastModifiedDate": modified(rng, created),
        })


def build_cases(plan: Plan) -> None:
    rng = plan.rng("cases")
    for _ in range(plan.preset.cases):
        contact = rng.choice(plan.teachers if plan.teachers and chance(rng, 0.2) else plan.volunteers)
        created = _since(rng, contact)
        account = contact.get("AccountId")
        plan.cases.append({
            "ContactId": contact, "AccountId": account, "Subject": rng.choice(pools.CASE_SUBJECTS),
            "Status": _CASE_STATUSES.pick(rng), "CreatedDate": created, "LastModifiedDate": modified(rng, created),
            "_contact": contact,
        })


def build_tasks(plan: Plan) -> list[dict]:
    rng = plan.rng("tasks")
    who_kinds = Weighted([(plan.volunteers, 75), (plan.teachers, 10), (plan.leads, 5), ("ghost", 1), (None, 9)])
    what_kinds = Weighted([(plan.sessions, 35), (plan.organizations, 10), (plan.cases, 2), (None, 53)])
    rows = []
    for n in range(plan.preset.tasks):
        whos, whats = who_kinds.pick(rng), what_kinds.pick(rng)
        who = rng.choice(whos) if isinstance(whos, list) and whos else None
        what = rng.choice(whats) if whats else None
        created = _since(rng, who, what)
        kind = _TASK_TYPES.pick(rng)
        subject = rng.choice(pools.TASK_SUBJECTS[kind])
        if what is not None and whats is plan.sessions:
            subject = f"{subject} - {what['Name']}"
        row = {
            "Subject": subject, "Type": kind, "Status": _TASK_STATUSES.pick(rng), "WhoId": who, "WhatId": what,
            "ActivityDate": date_text(created + between(rng, -3 * DAY, 14 * DAY)),
            "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.7),
        }
        if whos == "ghost":
            row["WhoId"] = make_id("003", _GHOST_BASE + n)
        shape = rng.random()
        name = (who or {}).get("FirstName") or "there"
        if shape < 0.25:
            row["Description"] = html_paragraphs(f"Spoke with <b>{name}</b>.", "Next step: send session details.")
        elif shape < 0.5:
            row["Description"] = f"Spoke with {name}. Will follow up next week."
        rows.append(row)
    return rows


def _address_of(rng: random.Random, contact: dict | None) -> str:
    """The contact's stored email as a mail header might carry it, or an address that matches nobody."""
    email = (contact or {}).get("Email")
    if email is None or chance(rng, 0.1):
        return f"{rng.choice(pools.LAST_NAMES).lower().replace(' ', '')}{rng.randint(1, 999)}@unknown-mail.com"
    return other_case(rng, email)


def build_email_messages(plan: Plan) -> list[dict]:
    rng = plan.rng("email_messages")
    related_kinds = Weighted([(plan.volunteers, 50), (plan.teachers, 10), (plan.organizations, 10),
                              (plan.schools, 5), (plan.cases, 10), (plan.sessions, 5), (None, 10)])
    rows = []
    for _ in range(plan.preset.email_messages):
        kinds = related_kinds.pick(rng)
        related = rng.choice(kinds) if kinds else None
        if related is not None and (kinds is plan.volunteers or kinds is plan.teachers):
            contact = related
        elif related is not None and kinds is plan.cases:
            contact = related["_contact"]
        else:
            contact = rng.choice(plan.volunteers)
        created = _since(rng, related, contact)
        staff_name, staff_email = rng.choice(_STAFF)
        incoming = chance(rng, 0.3)
        their_address = _address_of(rng, contact)
        first = contact.get("FirstName") or "there"
        text = rng.choice(pools.EMAIL_BODIES).format(first=first, staff=staff_name)
        row = {
            "Subject": rng.choice(pools.EMAIL_SUBJECTS), "TextBody": text,
            "HtmlBody": f"<html><body>{html_paragraphs(*text.splitlines())}</body></html>" if chance(rng, 0.7)
            else None,
            "MessageDate": datetime_text(max(START_MS, created - between(rng, 0, 5000))),
            "FromAddress": their_address if incoming else staff_email,
            "ToAddress": staff_email if incoming else their_address,
            "Incoming": int(incoming), "Status": _READ_STATES.pick(rng) if incoming else "3",
            "RelatedToId": related, "ParentId": related if kinds is plan.cases else None,
            "MessageIdentifier": f"<{rng.getrandbits(64):016x}@{pools.STAFF_DOMAIN}>",
            "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.8),
        }
        if chance(rng, 0.6):
            row["ThreadIdentifier"] = f"<{rng.getrandbits(48):012x}@{pools.STAFF_DOMAIN}>"
        if not incoming and chance(rng, 0.1):
            row["ToAddress"] += f", {_address_of(rng, rng.choice(plan.volunteers))}"
        if chance(rng, 0.1):
            row["CcAddress"] = rng.choice(_STAFF)[1]
        if chance(rng, 0.03):
            row["BccAddress"] = rng.choice(_STAFF)[1]
        rows.append(row)
    return rows


def build_events(plan: Plan) -> list[dict]:
    rng = plan.rng("events")
    rows = []
    for _ in range(plan.preset.events):
        who = rng.choice(plan.volunteers)
        what = rng.choice(plan.sessions) if plan.sessions and chance(rng, 0.5) else None
        created = _since(rng, who, what)
        start = created + between(rng, HOUR, 30 * DAY)
        start -= start % (15 * MINUTE)
        rows.append({
            "Subject": f"Meeting with {who.get('FirstName') or who['LastName']}", "WhoId": who, "WhatId": what,
            "StartDateTime": datetime_text(start), "EndDateTime": datetime_text(start + HOUR),
            "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.7),
        })
    return rows
