"""npe5__Affiliation__c: students and teachers to their schools, volunteers to organizations, schools and
districts. Mostly Current, some Former with an end date, nearly all without a role (as in the real org)."""

from __future__ import annotations

import random

from .common import Weighted, chance
from .plan import Plan
from .timeline import DAY, END_MS, after, between, date_text, modified

_ROLES = Weighted([(None, 987), ("Employee", 5), ("Volunteer", 3), ("Board Member", 2), ("Mentor", 2),
                   ("Former Employee", 1)])


def _affiliation(rng: random.Random, contact: dict, account: dict, *, current: bool, primary: bool,
                 role: str | None = None) -> dict:
    created = after(rng, max(contact["CreatedDate"], account["CreatedDate"]), 60 * DAY)
    row = {
        "npe5__Contact__c": contact, "npe5__Organization__c": account, "npe5__Role__c": role,
        "npe5__Primary__c": int(primary), "npe5__Status__c": "Current" if current else "Former",
        "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.6),
    }
    if chance(rng, 0.7):
        start = created - between(rng, 0, 700 * DAY)
        row["npe5__StartDate__c"] = date_text(start)
        if not current and chance(rng, 0.7):
            row["npe5__EndDate__c"] = date_text(between(rng, start, END_MS))
    elif not current and chance(rng, 0.5):
        row["npe5__EndDate__c"] = date_text(between(rng, created, END_MS))
    return row


def _school_people(rng: random.Random, people: list[dict], schools: list[dict], former: float, rows: list) -> None:
    for person in people:
        school = person["_school"]
        rows.append(_affiliation(rng, person, school, current=True, primary=True,
                                 role="Student" if person["Contact_Type__c"] == "Student" and chance(rng, 0.03)
                                 else None))
        if chance(rng, former):
            previous = rng.choice(schools)
            if previous is not school:
                rows.append(_affiliation(rng, person, previous, current=False, primary=False))


def build_affiliations(plan: Plan) -> list[dict]:
    rng = plan.rng("affiliations")
    rows: list[dict] = []
    _school_people(rng, plan.students, plan.schools, 0.1, rows)
    _school_people(rng, plan.teachers, plan.schools, 0.2, rows)
    volunteers = plan.volunteers
    mean = (plan.preset.affiliations - len(rows)) / max(1, len(volunteers))
    kinds = Weighted([(plan.organizations, 85), (plan.schools, 10), (plan.districts, 5)])
    for volunteer in volunteers:
        if mean > 1:
            wanted = 1 + int(rng.expovariate(1 / (mean - 0.5)))
        else:
            wanted = int(chance(rng, max(mean, 0)))
        chosen: set[int] = set()
        primary = volunteer.get("npsp__Primary_Affiliation__c")
        if primary is not None and wanted:
            chosen.add(id(primary))
            rows.append(_affiliation(rng, volunteer, primary, current=True, primary=True, role=_ROLES.pick(rng)))
        for _attempt in range(3 * wanted):
            if len(chosen) >= wanted:
                break
            account = rng.choice(kinds.pick(rng))
            if id(account) in chosen:
                continue
            chosen.add(id(account))
            rows.append(_affiliation(rng, volunteer, account, current=chance(rng, 0.7), primary=False,
                                     role=_ROLES.pick(rng)))
    return rows
