"""People: contacts of every kind, what they own (emails, phones, addresses, skills) and their affiliations."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Text

from ..tables import TS, fk, model_table

contact = model_table(
    "contact",
    Column("type", String(20), nullable=False, comment="volunteer | teacher | student"),
    Column("salesforce_account_id", String(18)),
    Column("first_name", String(100)),
    Column("middle_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("gender", String(40)),
    Column("race_ethnicity", String(40)),
    Column("age_group", String(20)),
    Column("birthdate", Date),
    Column("description", Text),
    Column("notes", Text),
    Column("do_not_call", Boolean, nullable=False, default=False),
    Column("do_not_contact", Boolean, nullable=False, default=False),
    Column("email_opt_out", Boolean, nullable=False, default=False),
    Column("email_bounced_at", TS),
    Column("last_email_date", Date),
    Index("ix_contact_type", "type"),
)

volunteer = model_table(
    "volunteer",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True),
    Column("primary_affiliation_salesforce_id", String(18)),
    Column("organization_id", Integer, fk("organization")),
    Column("title", String(255)),
    Column("department", String(255)),
    Column("education", String(40)),
    Column("interests", Text),
    Column("times_volunteered", Integer, nullable=False, default=0),
    Column("first_volunteer_date", Date),
    Column("last_volunteer_date", Date),
    Column("last_activity_date", Date),
    Column("last_non_internal_email_date", Date),
    Column("last_mailchimp_activity_date", Date),
)

email = model_table(
    "email",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True),
    Column("email", String(255), nullable=False),
    Column("type", String(20), nullable=False, comment="personal | professional"),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("source_field", String(60), nullable=False),
)

phone = model_table(
    "phone",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True),
    Column("number", String(40), nullable=False),
    Column("type", String(20), nullable=False),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("source_field", String(60), nullable=False),
)

address = model_table(
    "address",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True),
    Column("type", String(20), nullable=False),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("line1", String(255)),
    Column("city", String(100)),
    Column("state", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(100)),
    Column("source_field", String(60), nullable=False),
)

skill = model_table(
    "skill",
    Column("name", String(200), nullable=False, unique=True),
)

volunteer_skill = model_table(
    "volunteer_skill",
    Column("volunteer_id", Integer, fk("volunteer", nullable=False), nullable=False, index=True),
    Column("skill_id", Integer, fk("skill", nullable=False), nullable=False),
    Column("source_field", String(60), nullable=False),
)

teacher = model_table(
    "teacher",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True),
    Column("school_id", Integer, fk("school"), comment="the primary affiliation, when it is a synced school"),
    Column("salesforce_school_id", String(18), comment="npsp__Primary_Affiliation__c as Salesforce gave it"),
    Column("department", String(255)),
    Column("status", String(20), nullable=False,
           comment="ACTIVE | INACTIVE | ON_LEAVE | RETIRED; not in Salesforce, so ACTIVE as the VMS import sets it"),
    Column("last_email_message", Date),
    Column("last_mailchimp_date", Date),
)

student = model_table(
    "student",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True),
    Column("student_id", String(50), index=True, comment="the district's local student id (Local_Student_ID__c)"),
    Column("school_id", Integer, fk("school"), comment="the primary affiliation, when it is a synced school"),
    Column("salesforce_school_id", String(18), comment="npsp__Primary_Affiliation__c as Salesforce gave it"),
    Column("class_id", Integer, fk("class")),
    Column("salesforce_class_id", String(18), comment="Class__c as Salesforce gave it"),
    Column("legacy_grade", String(50), comment="Legacy_Grade__c as written ('5th Grade')"),
    Column("current_grade", Integer, comment="0 (kindergarten) to 12; NULL when blank or out of range"),
    Column("racial_ethnic", String(100), comment="Racial_Ethnic_Background__c as written (contact.race_ethnicity "
                                                 "holds its code)"),
)

affiliation = model_table(
    "affiliation",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment="any kind of contact: volunteer, teacher or student"),
    Column("organization_id", Integer, fk("organization"), index=True),
    Column("school_id", Integer, fk("school"), index=True),
    Column("district_id", Integer, fk("district"), index=True,
           comment="exactly one of organization_id, school_id, district_id is set: the kind of the Account"),
    Column("salesforce_contact_id", String(18), nullable=False, comment="npe5__Contact__c"),
    Column("salesforce_account_id", String(18), nullable=False, comment="npe5__Organization__c"),
    Column("name", String(255)),
    Column("role", String(255)),
    Column("status", String(40), comment="Current | Former as the picklist says; other values kept as written"),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("start_date", Date),
    Column("end_date", Date),
)
