"""Contacts: volunteers (with their NPSP households), teachers and students, with the data-quality warts of
the real org: ALL-CAPS and blank first names, oddly cased or padded emails, country-only addresses."""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime

from ..schema import AGE_GROUPS, EDUCATION, RACES
from . import pools
from .accounts import CURRENT_SCHOOL_YEAR, ROSTER_LOADS
from .common import Weighted, chance, odd_case, person, phone, place, slug, spread, street
from .plan import Plan
from .timeline import DAY, END_MS, HOUR, START_MS, after, between, date_text, datetime_text, modified, ms

FALL_DATA_SYNC = ms(datetime(2026, 9, 15, 5, tzinfo=UTC))   # one job touched every current student at once

_GENDERS = Weighted([("Male", 45), ("Female", 50), ("Non-binary", 2), ("Prefer not to say", 2), ("Other", 1),
                     ("Genderfluid", 0.3), ("Agender", 0.3), ("Transgender", 0.3)])
_STUDENT_GENDERS = Weighted([("Male", 48), ("Female", 48), ("NA", 2), ("Non-binary", 1), ("Prefer not to say", 1)])
_CONTACT_TYPES = Weighted([("Volunteer", 85), (None, 15)])
_SUBSCRIPTIONS = Weighted([("NONE", 85), ("Basic", 3), ("Premium", 1), (None, 11)])
_GRADE_NAMES = ["Kindergarten", "1st Grade", "2nd Grade", "3rd Grade"] + [f"{g}th Grade" for g in range(4, 13)]


def _names(rng: random.Random, caps: float, blank_first: float) -> tuple[str | None, str]:
    first, last = person(rng)
    if chance(rng, caps):
        first, last = first.upper(), last.upper()
    return (None if chance(rng, blank_first) else first), last


def _address(rng: random.Random) -> tuple[str, str, str, str]:
    city, state, postal = place(rng)
    return street(rng), city, state, postal


def _one_line(street_line: str, city: str, state: str, postal: str) -> str:
    return f"{street_line.splitlines()[0]}, {city}, {state} {postal}"


def _age_group(birth_year: int) -> str:
    age = CURRENT_SCHOOL_YEAR - birth_year
    for limit, group in ((18, "Under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")):
        if age < limit:
            return group
    return "65+"


def _connector_fields(rng: random.Random, row: dict, role: str, created: int) -> None:
    subscription = _SUBSCRIPTIONS.pick(rng)
    row["Connector_Active_Subscription__c"] = subscription
    if subscription in ("Basic", "Premium"):
        row["Connector_Active_Subscription_Name__c"] = f"{subscription} {role} Plan"
    if chance(rng, 0.2):
        user = rng.randint(10_000, 99_999)
        joined = between(rng, created, END_MS)
        row.update(
            Connector_User_ID__c=str(user), Connector_Role__c=role, Connector_SignUp_Role__c=role,
            Connector_Joining_Date__c=date_text(joined),
            Connector_Profile_Link__c=f"https://connector.prepkc.org/profile/{user}",
            Connector_Industry__c=rng.choice(pools.INDUSTRIES),
            Connector_Last_Update_Date__c=date_text(between(rng, joined, END_MS)),
        )
        if chance(rng, 0.7):
            row["Connector_Last_Login_Date_Time__c"] = datetime_text(between(rng, joined, END_MS))


def _emails(rng: random.Random, first: str | None, last: str, org: dict | None) -> dict:
    """NPSP's three email fields, the preference, and ``Email`` copied from the preferred one."""
    name = f"{slug(first)}.{slug(last)}" if first else slug(last)
    if chance(rng, 0.5):
        name += str(rng.randint(1, 99))
    fields: dict[str, str | None] = {}
    if chance(rng, 0.93):
        fields["Personal"] = f"{name}@{rng.choice(pools.PERSONAL_EMAIL_DOMAINS)}"
    if org is not None and chance(rng, 0.5):
        fields["Work"] = f"{slug(first or last)[:1]}{slug(last)}@{org['_domain']}"
    if chance(rng, 0.1):
        fields["Alternate"] = f"{slug(last)}{rng.randint(100, 999)}@{rng.choice(pools.PERSONAL_EMAIL_DOMAINS)}"
    for kind, address in fields.items():
        if chance(rng, 0.12):
            fields[kind] = odd_case(rng, address)
    row = {"npe01__HomeEmail__c": fields.get("Personal"), "npe01__WorkEmail__c": fields.get("Work"),
           "npe01__AlternateEmail__c": fields.get("Alternate")}
    if fields:
        preferred = rng.choice(sorted(fields)) if chance(rng, 0.8) else None
        row["npe01__Preferred_Email__c"] = preferred
        row["Email"] = fields[preferred] if preferred else next(iter(fields.values()))
    return row


def _phones(rng: random.Random, has_work: bool) -> dict:
    numbers = {}
    if chance(rng, 0.3):
        numbers["Home"] = ("HomePhone", phone(rng))
    if chance(rng, 0.6):
        numbers["Mobile"] = ("MobilePhone", phone(rng))
    if has_work and chance(rng, 0.35):
        numbers["Work"] = ("npe01__WorkPhone__c", phone(rng))
    row = {name: number for name, number in numbers.values()}
    if numbers:
        preferred = rng.choice(sorted(numbers))
        row["npe01__PreferredPhone__c"] = preferred
        row["Phone"] = numbers[preferred][1]
    elif chance(rng, 0.05):
        row.update(npe01__PreferredPhone__c="Other", Phone=phone(rng))
    return row


def _volunteer_details(rng: random.Random, row: dict, created: int) -> None:
    if chance(rng, 0.45):
        birth = between(rng, ms(datetime(1950, 1, 1, tzinfo=UTC)), ms(datetime(2005, 12, 31, tzinfo=UTC)))
        row["Birthdate"] = date_text(birth)
        if chance(rng, 0.8):
            row["Age_Group__c"] = _age_group(int(row["Birthdate"][:4]))
    elif chance(rng, 0.2):
        row["Age_Group__c"] = rng.choice(AGE_GROUPS)
    if chance(rng, 0.75):
        row["Gender__c"] = _GENDERS.pick(rng)
    if chance(rng, 0.55):
        row["Racial_Ethnic_Background__c"] = rng.choice(RACES)
    if chance(rng, 0.5):
        row["Highest_Level_of_Educational__c"] = rng.choice(EDUCATION)
    if chance(rng, 0.6):
        first = between(rng, created, END_MS)
        row["First_Volunteer_Date__c"] = date_text(first)
        row["Last_Volunteer_Date__c"] = date_text(between(rng, first, END_MS))
        row["Number_of_Attended_Volunteer_Sessions__c"] = float(1 + int(rng.expovariate(1 / 4)))
    elif chance(rng, 0.5):
        row["Number_of_Attended_Volunteer_Sessions__c"] = 0.0
    for name, p in (("Last_Mailchimp_Email_Date__c", 0.5), ("Last_Email_Message__c", 0.4),
                    ("Last_Activity_Date__c", 0.6), ("Last_Non_Internal_Email_Activity__c", 0.3)):
        if chance(rng, p):
            row[name] = date_text(between(rng, created, END_MS))
    row["DoNotCall"] = int(chance(rng, 0.03))
    row["npsp__Do_Not_Contact__c"] = int(chance(rng, 0.02))
    row["HasOptedOutOfEmail"] = int(chance(rng, 0.05))
    if chance(rng, 0.02):
        row["EmailBouncedDate"] = datetime_text(between(rng, created, END_MS))
    if chance(rng, 0.1):
        row["Description"] = rng.choice(pools.DESCRIPTION_SNIPPETS)
    if chance(rng, 0.1):
        row["Volunteer_Recruitment_Notes__c"] = f"Recruited at {rng.choice(pools.SESSION_TOPICS)}."
    if chance(rng, 0.5):
        row["Volunteer_Skills__c"] = ";".join(rng.sample(pools.SKILLS, rng.randint(1, 4)))
    if chance(rng, 0.3):
        pieces = rng.sample(pools.SKILLS, rng.randint(1, 3))
        if chance(rng, 0.15):
            pieces.append(rng.choice(pools.TRUNCATED_SKILLS))
        row["Volunteer_Skills_Text__c"] = "; ".join(pieces)
    if chance(rng, 0.4):
        row["Volunteer_Interests__c"] = ";".join(rng.sample(pools.INTERESTS, rng.randint(1, 3)))
    _connector_fields(rng, row, "Professional", created)


def plan_volunteers(plan: Plan) -> None:
    """Volunteers, each usually in an NPSP household Account created with them (some households hold two)."""
    rng = plan.rng("volunteers")
    orgs = sorted(plan.organizations, key=lambda o: o["CreatedDate"])
    org_created = [o["CreatedDate"] for o in orgs]
    schools = plan.schools
    for _ in range(plan.preset.volunteers):
        created = START_MS + between(rng, 0, 30 * DAY) if chance(rng, 0.35) else between(rng, START_MS, END_MS)
        first, last = _names(rng, caps=0.08, blank_first=0.015)
        known = bisect.bisect_right(org_created, created)
        org = orgs[rng.randrange(known)] if known and chance(rng, 0.75) else None
        row = {"FirstName": first, "LastName": last, "Contact_Type__c": _CONTACT_TYPES.pick(rng),
               "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.3)}
        if chance(rng, 0.1):
            row["MiddleName"] = rng.choice(pools.MIDDLE_NAMES)
        if org is not None:
            row["npsp__Primary_Affiliation__c"] = org
            row["_org"] = org
        elif chance(rng, 0.04) and schools and schools[0]["CreatedDate"] < created:
            row["npsp__Primary_Affiliation__c"] = rng.choice([s for s in schools if s["CreatedDate"] < created])
        if chance(rng, 0.5):
            row["Title"] = rng.choice(pools.TITLES)
        if chance(rng, 0.25):
            row["Department"] = rng.choice(pools.DEPARTMENTS)
        row.update(_emails(rng, first, last, org))
        row.update(_phones(rng, org is not None))
        shape = rng.random()
        if shape < 0.45:
            street_line, city, state, postal = _address(rng)
            row.update(MailingStreet=street_line, MailingCity=city, MailingState=state, MailingPostalCode=postal,
                       MailingCountry="United States" if chance(rng, 0.8) else None,
                       npe01__Primary_Address_Type__c="Home" if chance(rng, 0.7) else None)
            if chance(rng, 0.3):
                row["npe01__Home_Address__c"] = _one_line(street_line, city, state, postal)
        elif shape < 0.8:
            row["MailingCountry"] = rng.choice(pools.COUNTRY_SPELLINGS)   # skeleton: country only
        if org is not None and chance(rng, 0.25):
            row["npe01__Work_Address__c"] = _one_line(*_address(rng))
            row["npe01__Secondary_Address_Type__c"] = "Work"
        _volunteer_details(rng, row, created)
        _household(plan, rng, row)
        plan.volunteers.append(row)


def _household(plan: Plan, rng: random.Random, volunteer: dict) -> None:
    created = volunteer["CreatedDate"]
    recent = plan.households[-30:]
    if recent and chance(rng, 0.08):
        household = rng.choice(recent)
        if household["CreatedDate"] < created:
            volunteer["AccountId"] = household
            volunteer["LastName"] = household["_last"]
            return
    if chance(rng, 0.03):
        organization = volunteer.get("_org")
        volunteer["AccountId"] = organization   # a contact filed under an organization instead
        return
    if chance(rng, 0.07):
        return                                   # a private contact without an Account
    household_created = max(START_MS, created - between(rng, 1, 400))
    household = {
        "Name": f"{volunteer['LastName']} Household", "Type": "Household", "npe01__One2OneContact__c": volunteer,
        "BillingStreet": volunteer.get("MailingStreet"), "BillingCity": volunteer.get("MailingCity"),
        "BillingState": volunteer.get("MailingState"), "BillingPostalCode": volunteer.get("MailingPostalCode"),
        "BillingCountry": volunteer.get("MailingCountry"),
        "CreatedDate": household_created, "LastModifiedDate": max(household_created, volunteer["LastModifiedDate"]),
        "_last": volunteer["LastName"],
    }
    volunteer["AccountId"] = household
    plan.households.append(household)


def _district_domain(school: dict) -> str:
    district = school["_district"]["_district"]
    return f"{slug(district.alias or district.name)[:14]}.org"


def plan_teachers(plan: Plan) -> None:
    rng = plan.rng("teachers")
    schools = Weighted([(s, s["_size"]) for s in plan.schools])
    for _ in range(plan.preset.teachers):
        school = schools.pick(rng)
        created = START_MS + between(rng, 0, 30 * DAY) if chance(rng, 0.5) else between(rng, START_MS, END_MS)
        if created <= school["CreatedDate"]:    # a school that opened later: its staff arrive after it
            created = after(rng, school["CreatedDate"] + HOUR, 20 * DAY)
        first, last = _names(rng, caps=0.05, blank_first=0.005)
        email = f"{slug(first or 'teacher')}.{slug(last)}@{_district_domain(school)}"
        if chance(rng, 0.08):
            email = odd_case(rng, email)
        row = {
            "FirstName": first, "LastName": last, "Contact_Type__c": "Teacher", "AccountId": school,
            "npsp__Primary_Affiliation__c": school, "Email": email, "npe01__WorkEmail__c": email,
            "npe01__Preferred_Email__c": "Work", "Title": rng.choice(pools.TEACHER_TITLES),
            "Department": rng.choice(pools.TEACHER_DEPARTMENTS),
            "Gender__c": _GENDERS.pick(rng) if chance(rng, 0.6) else None,
            "CreatedDate": created, "LastModifiedDate": modified(rng, created, 0.4), "_school": school,
        }
        if chance(rng, 0.6):
            row.update(npe01__WorkPhone__c=phone(rng), npe01__PreferredPhone__c="Work")
            row["Phone"] = row["npe01__WorkPhone__c"]
        if chance(rng, 0.3):
            row["MobilePhone"] = phone(rng)
        if chance(rng, 0.3):
            _connector_fields(rng, row, "Educator", created)
        plan.teachers.append(row)


def _student_created(rng: random.Random, school: dict, graduates: int, klass: dict) -> int:
    """At a roster load that had the cohort in this school, or (transfers) any time after the class existed."""
    if chance(rng, 0.7):
        loads = [load for year, load in ROSTER_LOADS.items()
                 if year >= klass["_load_year"] and school["_lo"] <= 12 - (graduates - year - 1) <= school["_hi"]]
        if loads:
            return rng.choice(loads) + between(rng, 0, 3 * HOUR)
    return after(rng, klass["CreatedDate"], END_MS - klass["CreatedDate"])


def plan_students(plan: Plan) -> None:
    rng = plan.rng("students")
    schools = plan.schools
    sizes = spread(plan.preset.students, [s["_size"] * (s["_hi"] - s["_lo"] + 1) for s in schools])
    local_ids = rng.sample(range(10_000_000, 100_000_000), plan.preset.students)
    for school, size in zip(schools, sizes, strict=True):
        domain = _district_domain(school)
        alumni_classes = [c for y, c in school["_classes"].items() if y <= CURRENT_SCHOOL_YEAR]
        for _ in range(size):
            local_id = str(local_ids.pop())
            if school["_level"] == "High School" and alumni_classes and chance(rng, 0.12):
                klass = rng.choice(alumni_classes)
                graduates, grade = int(klass["Class_Year_Number__c"]), None
            else:
                grade = rng.randint(school["_lo"], school["_hi"])
                graduates = CURRENT_SCHOOL_YEAR + 1 + (12 - grade)
                klass = school["_classes"][graduates]
            created = _student_created(rng, school, graduates, klass)
            if grade is not None and created < FALL_DATA_SYNC and chance(rng, 0.96):
                last_modified = FALL_DATA_SYNC
            else:
                last_modified = modified(rng, created, 0.5)
            first, last = _names(rng, caps=0.1, blank_first=0.005)
            row = {
                "FirstName": first, "LastName": last, "Contact_Type__c": "Student", "AccountId": school,
                "npsp__Primary_Affiliation__c": school, "Class__c": klass if chance(rng, 0.98) else None,
                "Local_Student_ID__c": local_id,
                "Legacy_Grade__c": _GRADE_NAMES[12 if grade is None else grade] if chance(rng, 0.7) else None,
                "Current_Grade__c": float(grade) if grade is not None and chance(rng, 0.95) else None,
                "CreatedDate": created, "LastModifiedDate": last_modified, "_school": school,
            }
            if chance(rng, 0.2):
                row["MiddleName"] = rng.choice(pools.MIDDLE_NAMES)
            if chance(rng, 0.9):
                row["Gender__c"] = _STUDENT_GENDERS.pick(rng)
            if chance(rng, 0.85):
                birth = ms(datetime(graduates - 19, 9, 1, tzinfo=UTC)) + between(rng, 0, 364 * DAY)
                row["Birthdate"] = date_text(birth)
            if chance(rng, 0.7):
                row["Racial_Ethnic_Background__c"] = rng.choice(RACES)
            if chance(rng, 0.3):
                row["Email"] = f"{local_id}@{domain}"
            plan.students.append(row)
