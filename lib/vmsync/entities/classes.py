"""Classes: Class__c records, one per school and graduation year (docs/vms-org.md#classes).

Every class belongs to a school: one whose school is not synced yet waits in ``sync_issue`` as an orphan and
is written when the school arrives (the VMS import stored a dangling school, or failed the whole import under
foreign keys). A class with no school or no usable year is rejected alone.
"""

from __future__ import annotations

from .normalize import number, required, text
from .spec import Entity, Ref, Reject, Stream, Table, fields

FIRST_YEAR, LAST_YEAR = 1900, 2200  # a graduation year outside these is a typing error, not a class


def class_year(value: object) -> int:
    """The graduation year as a whole number (2025.0 from the API is 2025); blank or not a year rejects."""
    if text(value) is None:
        raise Reject("MISSING_REQUIRED_FIELD", "Class_Year_Number__c", "Class_Year_Number__c is blank")
    year = number(value, "Class_Year_Number__c")
    if not (year.is_integer() and FIRST_YEAR <= year <= LAST_YEAR):
        raise Reject("INVALID_CLASS_YEAR", "Class_Year_Number__c",
                     f"Class_Year_Number__c: not a graduation year: {value!r}")
    return int(year)


def map_class(r: dict) -> list[tuple[str, dict]]:
    school = required(r, "School__c")
    return [("class", {
        "salesforce_id": r["Id"],
        "name": required(r, "Name"),
        "school_id": Ref("school", school, "School__c"),
        "salesforce_school_id": school,
        "class_year": class_year(r.get("Class_Year_Number__c")),
    })]


ENTITY = Entity(
    name="classes",
    title="Classes",
    description="Class__c records (a school's students by graduation year) into `class`, each linked to its "
                "school.",
    intro="Classes are the Class__c records: one per school and graduation year, each linked to its school. "
          "A class whose school is not synced yet waits as an orphan and is written when the school arrives.",
    depends_on=("schools",),
    streams=(
        Stream(
            name="classes",
            object="Class__c",
            fields=fields("Name School__c Class_Year_Number__c:number LastModifiedDate:datetime"),
            where=None,
            map=map_class,
            required=("School__c",),
            tables=(Table("class"),),
        ),
    ),
)
