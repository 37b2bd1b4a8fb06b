"""What every kind of contact shares: the ``contact`` row, its emails and its phones.

Volunteers, teachers and students are one ``contact`` row each (unique by Salesforce Id, whatever the kind) plus
a part of their kind; a contact whose type changes keeps its row, so everything linked to it stays linked.
"""

from __future__ import annotations

from .normalize import boolean, email, phone, required, smart_title, text, to_date, to_utc
from .spec import ISSUE, Ref, Reject, Stream, Table

# The Contact fields every kind of contact selects (contact_row reads them).
CONTACT_FIELDS = (
    "AccountId FirstName LastName MiddleName Email Phone Gender__c Birthdate:date Racial_Ethnic_Background__c "
    "Description DoNotCall:bool npsp__Do_Not_Contact__c:bool HasOptedOutOfEmail:bool "
    "EmailBouncedDate:datetime Last_Email_Message__c:date Age_Group__c Contact_Type__c LastModifiedDate:datetime "
)

KINDS = ("volunteer", "teacher", "student")


def contact_stream(kind: str, *, fields: dict, where: str, map, more_tables: tuple[Table, ...] = ()) -> Stream:
    """The stream of the Contacts of one ``kind``: its ``contact`` rows (scoped to the kind, since the three
    share the table), its part, its emails and phones, and ``more_tables``; a contact arriving here leaves the
    other kinds."""
    return Stream(
        name=f"{kind}s",
        object="Contact",
        fields=fields,
        where=where,
        map=map,
        tables=(
            Table("contact", scope={"type": kind}),
            Table(kind),
            Table("email", kind="owned", parent_column="contact_id", parent_table="contact"),
            Table("phone", kind="owned", parent_column="contact_id", parent_table="contact"),
            *more_tables,
        ),
        supersedes=tuple(k for k in KINDS if k != kind),
        required=("Contact_Type__c",),  # the filter that tells the kinds apart
    )


GENDER = {
    "male": "male", "female": "female", "non-binary": "non_binary", "nonbinary": "non_binary",
    "non binary": "non_binary", "genderfluid": "genderfluid", "agender": "agender", "transgender": "transgender",
    "prefer not to say": "prefer_not_to_say", "na": "prefer_not_to_say", "other": "other",
}

RACE = {
    "hispanic or latino": "hispanic", "hispanic american/latino": "hispanic", "hispanic": "hispanic",
    "latino": "hispanic", "latina": "hispanic",
    "black": "black", "black/african american": "black", "african american": "black",
    "black or african american": "black",
    "white": "white", "white/caucasian/european american": "white", "caucasian": "white",
    "european american": "white",
    "asian": "asian", "asian american": "asian", "asian american/pacific islander": "asian",
    "pacific islander": "native_hawaiian", "native hawaiian": "native_hawaiian",
    "native hawaiian or other pacific islander": "native_hawaiian",
    "american indian or alaska native": "american_indian", "native american": "american_indian",
    "alaska native": "american_indian", "native american/alaska native/first nation": "american_indian",
    "first nation": "american_indian",
    "bi-racial": "bi_racial", "multi-racial": "multi_racial", "bi-racial/multi-racial/multicultural": "multi_racial",
    "two or more races": "two_or_more", "two or more": "two_or_more",
    "other": "other", "other poc": "other_poc",
    "prefer not to answer": "prefer_not_to_say", "prefer not to say": "prefer_not_to_say",
}

AGE_GROUP = {"under 18": "UNDER_18", "18-24": "AGE_18_24", "25-34": "AGE_25_34", "35-44": "AGE_35_44",
             "45-54": "AGE_45_54", "55-64": "AGE_55_64", "65+": "AGE_65_PLUS"}


def coded(value: object, codes: dict[str, str], field: str) -> tuple[str | None, tuple[str, dict] | None]:
    """A picklist value through ``codes``; an unknown value gives NULL and a warning, never a lost record."""
    s = text(value)
    if s is None:
        return None, None
    code = codes.get(s.lower())
    if code is None:
        return None, (ISSUE, {"code": "UNKNOWN_PICKLIST", "field": field,
                              "message": f"{field}: unknown value {s!r}, stored as NULL"})
    return code, None


def contact_row(r: dict, kind: str) -> tuple[dict, list[tuple[str, dict]]]:
    """The ``contact`` row of any kind of contact, and the warnings it raised."""
    warnings = []
    gender, w1 = coded(r.get("Gender__c"), GENDER, "Gender__c")
    race, w2 = coded(r.get("Racial_Ethnic_Background__c"), RACE, "Racial_Ethnic_Background__c")
    age, w3 = coded(r.get("Age_Group__c"), AGE_GROUP, "Age_Group__c")
    warnings += [w for w in (w1, w2, w3) if w]
    row = {
        "salesforce_id": r["Id"],
        "type": kind,
        "salesforce_account_id": text(r.get("AccountId")),
        "first_name": smart_title(text(r.get("FirstName"))),
        "middle_name": smart_title(text(r.get("MiddleName"))),
        "last_name": smart_title(required(r, "LastName")),
        "gender": gender,
        "race_ethnicity": race,
        "age_group": age,
        "birthdate": to_date(r.get("Birthdate"), "Birthdate"),
        "description": text(r.get("Description")),
        "notes": None,
        "do_not_call": boolean(r.get("DoNotCall")),
        "do_not_contact": boolean(r.get("npsp__Do_Not_Contact__c")),
        "email_opt_out": boolean(r.get("HasOptedOutOfEmail")),
        "email_bounced_at": to_utc(r.get("EmailBouncedDate"), "EmailBouncedDate"),
        "last_email_date": to_date(r.get("Last_Email_Message__c"), "Last_Email_Message__c"),
    }
    return row, warnings


def _channel(r: dict, table: str, sources, preference_field: str | None, preferences: dict, clean,
             value_column: str) -> list[tuple[str, dict]]:
    """Rows of one contact channel (emails or phones): one per distinct value, exactly one primary."""
    rows: list[tuple[str, dict]] = []
    by_value: dict[str, dict] = {}
    for source, kind in sources:
        try:
            value = clean(r.get(source))
        except Reject as exc:
            rows.append((ISSUE, {"code": exc.code, "field": source, "message": f"{source}: {exc.message}"}))
            continue
        if value is not None and value not in by_value:
            by_value[value] = {"salesforce_id": f"{r['Id']}:{table}:{value}", "contact_id": Ref("contact", r["Id"]),
                               value_column: value, "type": kind, "source_field": source, "is_primary": False}
    if not by_value:
        return rows
    wanted = (text(r.get(preference_field)) or "").lower() if preference_field else ""
    order = preferences.get(wanted or None, preferences[None])
    primary = next((row for f in order for row in by_value.values() if row["source_field"] == f), None)
    (primary or next(iter(by_value.values())))["is_primary"] = True
    return rows + [(table, row) for row in by_value.values()]


def emails(r: dict, sources, preference_field: str | None, preferences: dict) -> list[tuple[str, dict]]:
    return _channel(r, "email", sources, preference_field, preferences, email, "email")


def phones(r: dict, sources, preference_field: str | None, preferences: dict) -> list[tuple[str, dict]]:
    return _channel(r, "phone", sources, preference_field, preferences, phone, "number")
