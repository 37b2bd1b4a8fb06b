"""Affiliations: npe5__Affiliation__c records, a contact's tie to an Account (docs/vms-org.md#affiliations).

Follows vmsync's decisions (docs/vms-org.md#decisions): any kind of contact (volunteer, teacher or student) is
linked to any kind of Account (organization, school or district), each in its own column; ``npe5__Primary__c`` is
read as the boolean it is (the VMS import compared it with the string "true"); the dates are Salesforce's and
never invented (the VMS model filled blank ones with the import time). An affiliation whose contact or Account is
not synced yet waits in ``sync_issue`` and is linked when it arrives (the VMS import dropped it silently).
"""

from __future__ import annotations

from .normalize import boolean, required, text, to_date
from .spec import ISSUE, Entity, OneOf, Ref, Stream, Table, fields

STATUSES = ("Current", "Former")  # the picklist's values
_STATUS = {v.lower(): v for v in STATUSES}


def status(value: object) -> tuple[str | None, tuple[str, dict] | None]:
    """The status as the picklist spells it; a value it does not have is kept as written, with a warning."""
    s = text(value)
    if s is None:
        return None, None
    known = _STATUS.get(s.lower())
    if known:
        return known, None
    return s, (ISSUE, {"code": "UNKNOWN_PICKLIST", "field": "npe5__Status__c",
                       "message": f"npe5__Status__c: unknown value {s!r}, kept as written"})


def account_link(account: str) -> OneOf:
    """The affiliation's Account, in the column of the kind it was synced as."""
    field = "npe5__Organization__c"
    return OneOf({"organization_id": Ref("organization", account, field),
                  "school_id": Ref("school", account, field),
                  "district_id": Ref("district", account, field)}, field)


def map_affiliation(r: dict) -> list[tuple[str, dict]]:
    contact = required(r, "npe5__Contact__c")
    account = required(r, "npe5__Organization__c")
    state, warning = status(r.get("npe5__Status__c"))
    return ([warning] if warning else []) + [("affiliation", {
        "salesforce_id": r["Id"],
        "contact_id": Ref("contact", contact, "npe5__Contact__c"),
        "organization_id": account_link(account),
        "school_id": None,
        "district_id": None,
        "salesforce_contact_id": contact,
        "salesforce_account_id": account,
        "name": text(r.get("Name")),
        "role": text(r.get("npe5__Role__c")),
        "status": state,
        "is_primary": boolean(r.get("npe5__Primary__c")),
        "start_date": to_date(r.get("npe5__StartDate__c"), "npe5__StartDate__c"),
        "end_date": to_date(r.get("npe5__EndDate__c"), "npe5__EndDate__c"),
    })]


ENTITY = Entity(
    name="affiliations",
    title="Affiliations",
    description="npe5__Affiliation__c records into `affiliation`: every kind of contact tied to an "
                "organization, a school or a district, with role, status, primary flag and dates.",
    intro="Affiliations tie a contact of any kind (volunteer, teacher or student) to an Account of any kind "
          "(organization, school or district), with role, status, primary flag and dates. One whose contact "
          "or Account is not synced yet waits as an orphan and is linked when it arrives.",
    depends_on=("volunteers", "teachers", "students", "organizations", "schools"),
    streams=(
        Stream(
            name="affiliations",
            object="npe5__Affiliation__c",
            fields=fields("Name npe5__Organization__c npe5__Contact__c npe5__Role__c npe5__Primary__c:bool "
                          "npe5__Status__c npe5__StartDate__c:date npe5__EndDate__c:date "
                          "LastModifiedDate:datetime"),
            where=None,
            map=map_affiliation,
            required=("npe5__Contact__c", "npe5__Organization__c"),
            tables=(Table("affiliation"),),
        ),
    ),
)
