"""Students: Contacts of type Student, with their school, class, grades and personal email and phone
(docs/vms-org.md#students).

About 160,000 in the real org; the step streams them page by page like every other entity. Follows vmsync's
decisions (docs/vms-org.md#decisions): a blank first name is allowed and a blank last name rejects the record
alone (the VMS import lost the whole chunk); a grade outside 0 to 12 is stored as NULL with a warning; school and
class are linked by Salesforce Id and wait for them when not synced yet; a contact that becomes a student keeps
its ``contact`` row.
"""

from __future__ import annotations

from .contacts import CONTACT_FIELDS, contact_row, contact_stream, emails, phones
from .normalize import number, text
from .spec import ISSUE, Entity, Ref, Reject, fields

STUDENT_EMAILS, STUDENT_EMAIL_PREFERENCE = (("Email", "personal"),), {None: ("Email",)}
STUDENT_PHONES, STUDENT_PHONE_PREFERENCE = (("Phone", "personal"),), {None: ("Phone",)}
LOWEST_GRADE, HIGHEST_GRADE = 0, 12  # kindergarten to twelfth grade


def current_grade(value: object) -> tuple[int | None, tuple[str, dict] | None]:
    """The grade as a whole number from 0 to 12; anything else is NULL and a warning, never a lost record."""
    if text(value) is None:
        return None, None
    try:
        grade = number(value, "Current_Grade__c")
    except Reject:
        grade = None
    if grade is None or not (grade.is_integer() and LOWEST_GRADE <= grade <= HIGHEST_GRADE):
        return None, (ISSUE, {"code": "INVALID_GRADE", "field": "Current_Grade__c",
                              "message": f"Current_Grade__c: not a grade from {LOWEST_GRADE} to {HIGHEST_GRADE}: "
                                         f"{value!r}, stored as NULL"})
    return int(grade), None


def map_student(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    contact, rows = contact_row(r, "student")
    rows.append(("contact", contact))
    grade, warning = current_grade(r.get("Current_Grade__c"))
    if warning:
        rows.append(warning)
    school = text(r.get("npsp__Primary_Affiliation__c"))
    klass = text(r.get("Class__c"))
    rows.append(("student", {
        "salesforce_id": sf_id,
        "contact_id": Ref("contact", sf_id),
        "student_id": text(r.get("Local_Student_ID__c")),
        "school_id": Ref("school", school, "npsp__Primary_Affiliation__c", required=False) if school else None,
        "salesforce_school_id": school,
        "class_id": Ref("class", klass, "Class__c", required=False) if klass else None,
        "salesforce_class_id": klass,
        "legacy_grade": text(r.get("Legacy_Grade__c")),
        "current_grade": grade,
        "racial_ethnic": text(r.get("Racial_Ethnic_Background__c")),
    }))
    rows += emails(r, STUDENT_EMAILS, None, STUDENT_EMAIL_PREFERENCE)
    rows += phones(r, STUDENT_PHONES, None, STUDENT_PHONE_PREFERENCE)
    return rows


ENTITY = Entity(
    name="students",
    title="Students",
    description="Contacts of type Student into `contact` + `student` (linked to their school and class), "
                "with their personal `email` and `phone`.",
    intro="Students are the Contacts of type Student, with their school, class, grades and personal email "
          "and phone. There are many (about 160,000 in the real org); they are read and written page by "
          "page.",
    # after volunteers, so a volunteer who became a student has left volunteers (with the addresses and skills
    # only volunteers keep) before arriving here; schools and classes, to link them
    depends_on=("schools", "classes", "volunteers"),
    streams=(
        contact_stream(
            "student",
            fields=fields(CONTACT_FIELDS + "Local_Student_ID__c npsp__Primary_Affiliation__c Class__c "
                                           "Legacy_Grade__c Current_Grade__c:number"),
            where="Contact_Type__c = 'Student'",
            map=map_student,
        ),
    ),
)
