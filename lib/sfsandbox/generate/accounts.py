"""Accounts that are not households: districts, their schools, each school's classes, and organizations."""

from __future__ import annotations

from . import pools
from .common import Weighted, chance, html_paragraphs, phone, place, slug, spread, street
from .plan import Plan
from .timeline import DAY, END_MS, HOUR, MINUTE, START_MS, between, date_text, modified

# Student rosters arrive once a year, in August; school year S starts with load S.
ROSTER_LOADS = {
    2023: START_MS + 15 * HOUR,
    2024: START_MS + 377 * DAY + 14 * HOUR,
    2025: START_MS + 741 * DAY + 14 * HOUR,
    2026: START_MS + 1105 * DAY + 14 * HOUR,
}
CURRENT_SCHOOL_YEAR = 2026   # the generated org ends in the autumn of school year 2026-27

_LEVELS = Weighted([((name, lo, hi), w) for name, lo, hi, w in pools.SCHOOL_LEVELS])
_ORG_TYPES = Weighted([("Business", 50), ("Non-Profit", 13), ("Government", 5), ("Higher Education", 3),
                       ("Foundation", 2), ("Other", 1), (None, 26)])


def graduation_year(school_year: int, grade: int) -> int:
    return school_year + 1 + (12 - grade)


def plan_districts(plan: Plan) -> None:
    rng = plan.rng("districts")
    for district in pools.DISTRICTS[: plan.preset.districts]:
        created = START_MS + between(rng, 0, HOUR)
        code = (f"D0{rng.randint(100, 999)}" if district.state == "KS" else f"0{rng.randint(10, 99)}{rng.randint(0, 999):03d}")
        plan.districts.append({
            "Name": district.name, "Type": "School District", "School_Code_External_ID__c": code,
            "BillingCity": district.city, "BillingState": district.state, "BillingCountry": "United States",
            "Phone": phone(rng) if chance(rng, 0.5) else None,
            "Website": f"https://www.{slug(district.name)}.org" if chance(rng, 0.4) else None,
            "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.6),
            "_district": district,
        })


def _postal_code(rng, city: str, state: str) -> str | None:
    for known_city, known_state, zips in pools.CITIES:
        if (known_city, known_state) == (city, state):
            return rng.choice(zips)
    return None


def plan_schools(plan: Plan) -> None:
    rng = plan.rng("schools")
    counts = spread(plan.preset.schools, [d["_district"].weight for d in plan.districts])
    for district, count in zip(plan.districts, counts, strict=True):
        taken: set[str] = set()
        for _ in range(count):
            (level, lo, hi), name = _LEVELS.pick(rng), ""
            for _attempt in range(20):
                name = f"{rng.choice(pools.SCHOOL_BASES)} {level}"
                if name not in taken:
                    break
            else:
                name = f"{name} {len(taken) + 1}"
            taken.add(name)
            # A few schools open after the first roster load; their classes and students start later.
            if chance(rng, 0.06):
                created = ROSTER_LOADS[rng.choice((2024, 2025, 2026))] - between(rng, 2 * DAY, 20 * DAY)
            else:
                created = START_MS + between(rng, HOUR, 3 * HOUR)
            stored_name = name.upper() if chance(rng, 0.15) else name
            city, state = district["BillingCity"], district["BillingState"]
            size = rng.uniform(0.5, 1.5) * (2.0 if level == "High School" else 1.0)
            plan.schools.append({
                "Name": stored_name, "Type": "School", "ParentId": district,
                "Connector_Account_Name__c": " ".join(w.capitalize() for w in name.split()),
                "School_Code_External_ID__c": f"{district['School_Code_External_ID__c']}-{rng.randint(1000, 9999)}",
                "BillingStreet": street(rng), "BillingCity": city, "BillingState": state,
                "BillingPostalCode": _postal_code(rng, city, state), "BillingCountry": "United States",
                "Phone": phone(rng) if chance(rng, 0.7) else None,
                "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.5),
                "_district": district, "_level": level, "_lo": lo, "_hi": hi, "_size": size,
                "_classes": {}, "_name": name,
            })


def plan_classes(plan: Plan) -> None:
    """One Class__c per school and graduation year, created at the roster load that first brings the cohort."""
    rng = plan.rng("classes")
    for school in plan.schools:
        for year, load in ROSTER_LOADS.items():
            if load < school["CreatedDate"]:
                continue
            for grade in range(school["_lo"], school["_hi"] + 1):
                graduates = graduation_year(year, grade)
                if graduates in school["_classes"]:
                    continue
                created = load - between(rng, 10 * MINUTE, 60 * MINUTE)
                row = {
                    "Name": f"Class of {graduates}", "School__c": school, "Class_Year_Number__c": float(graduates),
                    "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.7),
                    "_load_year": year,
                }
                school["_classes"][graduates] = row
                plan.classes.append(row)


def _organization_name(rng, well_known: list[str]) -> str:
    if well_known and chance(rng, 0.1):
        return well_known.pop()
    shape = rng.random()
    if shape < 0.35:
        name = f"{rng.choice(pools.ORG_WORDS)} {rng.choice(pools.ORG_NOUNS)}"
    elif shape < 0.6:
        name = f"{rng.choice(pools.LAST_NAMES)} {rng.choice(pools.ORG_NOUNS)}"
    elif shape < 0.8:
        name = f"{rng.choice(pools.CITIES)[0]} {rng.choice(pools.ORG_NOUNS)}"
    else:
        name = f"{rng.choice(pools.LAST_NAMES)} & {rng.choice(pools.LAST_NAMES)}"
    suffix = rng.choice(pools.ORG_SUFFIXES)
    return f"{name} {suffix}" if suffix else name


def plan_organizations(plan: Plan) -> None:
    rng = plan.rng("organizations")
    well_known = list(pools.WELL_KNOWN_ORGS)
    rng.shuffle(well_known)
    for _ in range(plan.preset.organizations):
        created = START_MS + between(rng, 0, 10 * DAY) if chance(rng, 0.55) else between(rng, START_MS, END_MS)
        name = _organization_name(rng, well_known)
        kind = _ORG_TYPES.pick(rng)
        description = None
        if chance(rng, 0.6):
            text = rng.choice(pools.DESCRIPTION_SNIPPETS)
            description = html_paragraphs(text, f"Industry: {rng.choice(pools.INDUSTRIES)}") if chance(rng, 0.4) else text
        row = {
            "Name": name, "Type": kind, "Description": description,
            "Phone": phone(rng) if chance(rng, 0.6) else None,
            "Website": f"https://www.{slug(name)}.com" if chance(rng, 0.5) else None,
            "CreatedDate": created, "LastModifiedDate": modified(rng, created),
            "_domain": f"{slug(name)[:20] or 'org'}.com",
        }
        if chance(rng, 0.7):
            city, state, postal = place(rng)
            row.update(BillingStreet=street(rng), BillingCity=city, BillingState=state, BillingPostalCode=postal,
                       BillingCountry="United States" if chance(rng, 0.8) else None)
        if chance(rng, 0.5):
            row["LastActivityDate"] = date_text(between(rng, created, END_MS))
        earlier = [o for o in plan.organizations[-50:] if o["CreatedDate"] < created]
        if earlier and chance(rng, 0.03):
            row["ParentId"] = rng.choice(earlier)
        plan.organizations.append(row)

