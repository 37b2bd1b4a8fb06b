"""Organizations: every Account that is not a household, a school or a district (docs/vms-org.md#organizations).

An Account with no Type is an organization too (about a quarter of the real org's); its type is stored as
'Other'.
"""

from __future__ import annotations

from .normalize import required, text, to_date
from .spec import Entity, Stream, Table, fields


def map_organization(r: dict) -> list[tuple[str, dict]]:
    return [("organization", {
        "salesforce_id": r["Id"],
        "name": required(r, "Name"),
        "type": text(r.get("Type")) or "Other",
        "description": text(r.get("Description")),
        "billing_street": text(r.get("BillingStreet")),
        "billing_city": text(r.get("BillingCity")),
        "billing_state": text(r.get("BillingState")),
        "billing_postal_code": text(r.get("BillingPostalCode")),
        "billing_country": text(r.get("BillingCountry")),
        "last_activity_date": to_date(r.get("LastActivityDate"), "LastActivityDate"),
    })]


ENTITY = Entity(
    name="organizations",
    title="Organizations",
    description="Business, non-profit and other Accounts (not households, schools or districts) into "
                "`organization`.",
    intro="Organizations are the Accounts that are not households, schools or districts: the businesses and "
          "agencies volunteers come from.",
    streams=(
        Stream(
            name="organizations",
            object="Account",
            fields=fields("Name Type Description ParentId BillingStreet BillingCity BillingState "
                          "BillingPostalCode BillingCountry LastActivityDate:date LastModifiedDate:datetime"),
            where="Type NOT IN ('Household', 'School District', 'School')",
            map=map_organization,
            required=("Type",),
            tables=(Table("organization"),),
            supersedes=("school", "district"),
        ),
    ),
)
