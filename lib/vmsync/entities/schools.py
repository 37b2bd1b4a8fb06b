"""Schools and districts: Accounts of type 'School District' and 'School' (docs/vms-org.md#schools).

Schools are matched by Salesforce Id only (no matching by name), and a school whose district is not synced yet
is kept with its district link pending until the district arrives.
"""

from __future__ import annotations

from .normalize import name_key, required, text
from .spec import Entity, Ref, Reject, Stream, Table, fields


def map_district(r: dict) -> list[tuple[str, dict]]:
    name = required(r, "Name")
    key = name_key(name)
    if key is None:  # name_key is NOT NULL: without this the whole page would fail, not this record alone
        raise Reject("INVALID_NAME", "Name", f"the district name {name!r} has no letter or digit to match on")
    return [("district", {
        "salesforce_id": r["Id"],
        "name": name,
        "name_key": key,
        "district_code": text(r.get("School_Code_External_ID__c")),
    })]


def map_school(r: dict) -> list[tuple[str, dict]]:
    parent = text(r.get("ParentId"))
    return [("school", {
        "salesforce_id": r["Id"],
        "name": required(r, "Name"),
        "district_id": Ref("district", parent, "ParentId", required=False) if parent else None,
        "salesforce_district_id": parent,
        "normalized_name": text(r.get("Connector_Account_Name__c")),
        "school_code": text(r.get("School_Code_External_ID__c")),
    })]


ENTITY = Entity(
    name="schools",
    title="Schools and districts",
    description="School District and School accounts into `district` and `school`, each school linked to "
                "its district.",
    intro="Districts and schools come from Salesforce Accounts of type School District and School; every "
          "school is linked to its district.",
    streams=(
        Stream(
            name="districts",
            object="Account",
            fields=fields("Name School_Code_External_ID__c LastModifiedDate:datetime"),
            where="Type = 'School District'",
            map=map_district,
            required=("Type",),
            tables=(Table("district"),),
            supersedes=("school", "organization"),
        ),
        Stream(
            name="schools",
            object="Account",
            fields=fields("Name ParentId Connector_Account_Name__c School_Code_External_ID__c "
                          "LastModifiedDate:datetime"),
            where="Type = 'School'",
            map=map_school,
            required=("Type",),
            tables=(Table("school"),),
            supersedes=("district", "organization"),
        ),
    ),
)
