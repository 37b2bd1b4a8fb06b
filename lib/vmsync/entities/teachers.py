"""Teachers: Contacts of type Teacher, with their school, work email and work phone (docs/vms-org.md#teachers).

Follows vmsync's decisions (docs/vms-org.md#decisions): a blank first name is allowed (the VMS import rejected
it), a blank last name rejects the record alone; the email is trimmed and lower-cased and the phone normalised,
each the one primary of the contact; the school is linked by its Salesforce Id and waits for it when not synced
yet; a contact that becomes a teacher keeps its ``contact`` row and leaves its volunteer or student part.
"""

from __future__ import annotations

from .contacts import CONTACT_FIELDS, contact_row, contact_stream, emails, phones
from .normalize import text, to_date
from .spec import Entity, Ref, fields

# A teacher has one email and one phone, as in the VMS import: Email and Phone, professional and primary.
TEACHER_EMAILS, TEACHER_EMAIL_PREFERENCE = (("Email", "professional"),), {None: ("Email",)}
TEACHER_PHONES, TEACHER_PHONE_PREFERENCE = (("Phone", "professional"),), {None: ("Phone",)}


def map_teacher(r: dict) -> list[tuple[str, dict]]:
    sf_id = r["Id"]
    contact, rows = contact_row(r, "teacher")
    rows.append(("contact", contact))
    school = text(r.get("npsp__Primary_Affiliation__c"))
    rows.append(("teacher", {
        "salesforce_id": sf_id,
        "contact_id": Ref("contact", sf_id),
        "school_id": Ref("school", school, "npsp__Primary_Affiliation__c", required=False) if school else None,
        "salesforce_school_id": school,
        "department": text(r.get("Department")),
        "status": "ACTIVE",
        "last_email_message": to_date(r.get("Last_Email_Message__c"), "Last_Email_Message__c"),
        "last_mailchimp_date": to_date(r.get("Last_Mailchimp_Email_Date__c"), "Last_Mailchimp_Email_Date__c"),
    }))
    rows += emails(r, TEACHER_EMAILS, None, TEACHER_EMAIL_PREFERENCE)
    rows += phones(r, TEACHER_PHONES, None, TEACHER_PHONE_PREFERENCE)
    return rows


ENTITY = Entity(
    name="teachers",
    title="Teachers",
    description="Contacts of type Teacher into `contact` + `teacher` (linked to their school), with their "
                "work `email` and `phone`.",
    intro="Teachers are the Contacts of type Teacher, with their school, work email and work phone. A "
          "contact that becomes a teacher keeps its contact row (and its history), leaving its volunteer or "
          "student part.",
    # after volunteers, so a volunteer who became a teacher has left volunteers (with the addresses and skills
    # only volunteers keep) before arriving here; schools, to link them
    depends_on=("schools", "volunteers"),
    streams=(
        contact_stream(
            "teacher",
            fields=fields(CONTACT_FIELDS + "npsp__Primary_Affiliation__c Department "
                                           "Last_Mailchimp_Email_Date__c:date"),
            where="Contact_Type__c = 'Teacher'",
            map=map_teacher,
        ),
    ),
)
