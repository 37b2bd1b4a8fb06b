"""Volunteers: Contacts of type Volunteer or with no type, with their emails, phones, addresses and skills.

Follows the VMS import (docs/vms-org.md#volunteers) with vmsync's decisions (docs/vms-org.md#decisions): emails
trimmed and lower-cased and phones normalised, one primary of each kind; the skills multi-select split on ';'; the
primary affiliation linked to its organization (not stored as a name); a contact that changes type moves to its
new kind (its teacher or student part retired).
"""

from __future__ import annotations

from .contacts import CONTACT_FIELDS, contact_row, contact_stream, emails, phones
from .normalize import count, skill_name, split_multi, text, to_date
from .spec import ISSUE, Entity, OneOf, Ref, Table, fields

EDUCATION = {
    "high school diploma or ged": "HIGH_SCHOOL", "high school": "HIGH_SCHOOL", "ged": "HIGH_SCHOOL",
    "some college": "SOME_COLLEGE",
    "associate": "ASSOCIATES", "associates": "ASSOCIATES", "associate's": "ASSOCIATES",
    "associate's degree": "ASSOCIATES",
    "bachelors": "BACHELORS_DEGREE", "bachelor": "BACHELORS_DEGREE", "bachelor's": "BACHELORS_DEGREE",
    "bachelors degree": "BACHELORS_DEGREE", "bachelor's degree": "BACHELORS_DEGREE",
    "masters": "MASTERS", "master": "MASTERS", "master's": "MASTERS", "masters degree": "MASTERS",
    "master's degree": "MASTERS",
    "doctorate": "DOCTORATE", "phd": "DOCTORATE", "ph.d": "DOCTORATE", "ph.d.": "DOCTORATE", "doctoral": "DOCTORATE",
    "advanced professional degree": "PROFESSIONAL", "professional": "PROFESSIONAL",
    "professional degree": "PROFESSIONAL",
    "certificate": "OTHER", "certification": "OTHER", "other": "OTHER",
    "prefer not to answer": "UNKNOWN",
}


def education(value: object) -> tuple[str, dict | None]:
    """The education level, and a warning when the picklist value is one we do not know."""
    s = text(value)
    if s is None:
        return "UNKNOWN", None
    level = EDUCATION.get(s.lower())
    if level is None:
        return "UNKNOWN", {"code": "UNKNOWN_PICKLIST", "field": "Highest_Level_of_Educational__c",
                           "message": f"unknown education level {s!r}, stored as UNKNOWN"}
    return level, None


def addresses(r: dict) -> list[dict]:
    """The mailing address (when it says more than a country) and the work address text."""
    out = []
    mailing = {k: text(r.get(f"Mailing{k}")) for k in ("Street", "City", "State", "PostalCode", "Country")}
    if any(mailing[k] for k in ("Street", "City", "State", "PostalCode")):
        out.append({"type": "personal", "source_field": "MailingAddress", "line1": mailing["Street"],
                    "city": mailing["City"], "state": mailing["State"], "postal_code": mailing["PostalCode"],
                    "country": mailing["Country"]})
    work = text(r.get("npe01__Work_Address__c"))
    if work:
        parts = [p.strip() for p in work.split(",")]
        state_zip = parts[2].split() if len(parts) > 2 else []
        out.append({"type": "professional", "source_field": "npe01__Work_Address__c", "line1": parts[0] or None,
                    "city": parts[1] if len(parts) > 1 and parts[1] else None,
                    "state": state_zip[0] if state_zip else None,
                    "postal_code": state_zip[1] if len(state_zip) > 1 else None, "country": None})
    preferred = {"home": "personal", "work": "professional"}.get((text(r.get("npe01__Primary_Address_Type__c"))
                                                                  or "").lower())
    primary = next((a for a in out if a["type"] == preferred), out[0] if out else None)
    for a in out:
        a["is_primary"] = a is primary
    return out


def skills(r: dict) -> list[tuple[str, str]]:
    """(name, source field) per distinct skill, from the multi-select and the text list, both ';'-separated."""
    seen: dict[str, tuple[str, str]] = {}
    for source in ("Volunteer_Skills__c", "Volunteer_Skills_Text__c"):
        for piece in split_multi(r.get(source)):
            name = skill_name(piece)
            seen.setdefault(name.lower(), (name, source))
    return list(seen.values())


def map_volunteer(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    contact, rows = contact_row(r, "volunteer")
    rows.append(("contact", contact | {"notes": text(r.get("Volunteer_Recruitment_Notes__c"))}))
    level, warning = education(r.get("Highest_Level_of_Educational__c"))
    if warning:
        rows.append((ISSUE, warning))
    affiliation = text(r.get("npsp__Primary_Affiliation__c"))
    rows.append(("volunteer", {
        "salesforce_id": sf_id,
        "contact_id": Ref("contact", sf_id),
        "primary_affiliation_salesforce_id": affiliation,
        "organization_id": OneOf({"organization_id": Ref("organization", affiliation),
                                  "school_id": Ref("school", affiliation)},
                                 "npsp__Primary_Affiliation__c", required=False) if affiliation else None,
        "school_id": None,
        "title": text(r.get("Title")),
        "department": text(r.get("Department")),
        "education": level,
        "interests": ";".join(split_multi(r.get("Volunteer_Interests__c"))) or None,
        "times_volunteered": count(r.get("Number_of_Attended_Volunteer_Sessions__c"),
                                   "Number_of_Attended_Volunteer_Sessions__c"),
        "first_volunteer_date": to_date(r.get("First_Volunteer_Date__c"), "First_Volunteer_Date__c"),
        "last_volunteer_date": to_date(r.get("Last_Volunteer_Date__c"), "Last_Volunteer_Date__c"),
        "last_activity_date": to_date(r.get("Last_Activity_Date__c"), "Last_Activity_Date__c"),
        "last_non_internal_email_date": to_date(r.get("Last_Non_Internal_Email_Activity__c"),
                                                "Last_Non_Internal_Email_Activity__c"),
        "last_mailchimp_activity_date": to_date(r.get("Last_Mailchimp_Email_Date__c"),
                                                "Last_Mailchimp_Email_Date__c"),
    }))
    rows += emails(r, VOLUNTEER_EMAILS, "npe01__Preferred_Email__c", VOLUNTEER_EMAIL_PREFERENCE)
    rows += phones(r, VOLUNTEER_PHONES, "npe01__PreferredPhone__c", VOLUNTEER_PHONE_PREFERENCE)
    for a in addresses(r):
        rows.append(("address", a | {"salesforce_id": f"{sf_id}:address:{a['source_field']}",
                                     "contact_id": Ref("contact", sf_id)}))
    for name, source in skills(r):
        key = f"skill:{name.lower()}"
        rows.append(("skill", {"salesforce_id": key, "name": name}))
        rows.append(("volunteer_skill", {"salesforce_id": f"{sf_id}:{key}", "volunteer_id": Ref("volunteer", sf_id),
                                         "skill_id": Ref("skill", key), "source_field": source}))
    return rows


# (field, type) in the order the VMS import reads them; the preference picklist picks the primary.
VOLUNTEER_EMAILS = (("npe01__WorkEmail__c", "professional"), ("Email", "personal"),
                    ("npe01__HomeEmail__c", "personal"), ("npe01__AlternateEmail__c", "personal"))
VOLUNTEER_EMAIL_PREFERENCE = {"work": ("npe01__WorkEmail__c",), "personal": ("Email", "npe01__HomeEmail__c"),
                              "alternate": ("npe01__AlternateEmail__c",), None: ("Email",)}
VOLUNTEER_PHONES = (("npe01__WorkPhone__c", "professional"), ("Phone", "professional"),
                    ("HomePhone", "personal"), ("MobilePhone", "personal"))
VOLUNTEER_PHONE_PREFERENCE = {"work": ("npe01__WorkPhone__c", "Phone"), "home": ("HomePhone",),
                              "mobile": ("MobilePhone",), None: ("Phone",)}

ENTITY = Entity(
    name="volunteers",
    title="Volunteers",
    description="Contacts of type Volunteer (or no type) into `contact` + `volunteer`, with `email`, `phone`, "
                "`address`, `skill` and `volunteer_skill`.",
    intro="Volunteers are the Contacts of type Volunteer (or with no type), with their emails, phones, "
          "addresses and skills.",
    depends_on=("organizations",),
    streams=(
        contact_stream(
            "volunteer",
            fields=fields(
                CONTACT_FIELDS
                + "npe01__AlternateEmail__c npe01__HomeEmail__c npe01__WorkEmail__c npe01__Preferred_Email__c "
                "HomePhone MobilePhone npe01__WorkPhone__c npe01__PreferredPhone__c npsp__Primary_Affiliation__c "
                "Title Department Last_Mailchimp_Email_Date__c:date Last_Volunteer_Date__c:date "
                "Volunteer_Recruitment_Notes__c Volunteer_Skills__c Volunteer_Skills_Text__c Volunteer_Interests__c "
                "Number_of_Attended_Volunteer_Sessions__c:number Last_Activity_Date__c:date "
                "First_Volunteer_Date__c:date Last_Non_Internal_Email_Activity__c:date "
                "Highest_Level_of_Educational__c MailingStreet MailingCity MailingState MailingPostalCode "
                "MailingCountry npe01__Work_Address__c npe01__Primary_Address_Type__c "
                "npe01__Secondary_Address_Type__c"
            ),
            where="(Contact_Type__c = 'Volunteer' OR Contact_Type__c = '')",
            map=map_volunteer,
            more_tables=(
                Table("address", kind="owned", parent_column="contact_id", parent_table="contact"),
                Table("skill", kind="lookup"),
                Table("volunteer_skill", kind="owned", parent_column="volunteer_id", parent_table="volunteer"),
            ),
        ),
    ),
)
