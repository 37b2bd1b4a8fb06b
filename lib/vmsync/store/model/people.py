"""People: contacts of every kind, what they own (emails, phones, addresses, skills) and their affiliations."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Text

from ..columns import TS, fk, model_table

contact = model_table(
    "contact",
    Column("type", String(20), nullable=False, comment="volunteer | teacher | student"),
    Column("salesforce_account_id", String(18),
           comment='AccountId: the household (volunteers) or school account'),
    Column("first_name", String(100), comment='FirstName; ALL-CAPS names title-cased; NULL when blank'),
    Column("middle_name", String(100), comment='MiddleName'),
    Column("last_name", String(100), nullable=False,
           comment="LastName (required); ALL-CAPS names title-cased (O'BRIEN -> O'Brien)"),
    Column("gender", String(40),
           comment='Gender__c: male | female | non_binary | genderfluid | agender | transgender | prefer_not_to_say | other'),
    Column("race_ethnicity", String(40),
           comment='Racial_Ethnic_Background__c as a code: hispanic | black | white | asian | native_hawaiian | american_indian | bi_racial | multi_racial | two_or_more | other | other_poc | prefer_not_to_say'),
    Column("age_group", String(20), comment='Age_Group__c: UNDER_18 | AGE_18_24 | ... | AGE_65_PLUS'),
    Column("birthdate", Date, comment='Birthdate'),
    Column("description", Text, comment='Description'),
    Column("notes", Text, comment='Volunteer_Recruitment_Notes__c (volunteers)'),
    Column("do_not_call", Boolean, nullable=False, default=False, comment='DoNotCall'),
    Column("do_not_contact", Boolean, nullable=False, default=False, comment='npsp__Do_Not_Contact__c'),
    Column("email_opt_out", Boolean, nullable=False, default=False, comment='HasOptedOutOfEmail'),
    Column("email_bounced_at", TS, comment='EmailBouncedDate, with its time'),
    Column("last_email_date", Date, comment='Last_Email_Message__c'),
    Index("ix_contact_type", "type"),
    comment='One row per Salesforce Contact of any kind; a contact whose type changes keeps its row (and everything linked to it) and moves to its new kind.',
)

volunteer = model_table(
    "volunteer",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True,
           comment='the contact'),
    Column("primary_affiliation_salesforce_id", String(18),
           comment='npsp__Primary_Affiliation__c as Salesforce gave it (an Account Id)'),
    Column("organization_id", Integer, fk("organization"), comment='that Account as a synced organization'),
    Column("school_id", Integer, fk("school"), comment="that Account as a synced school (a volunteer from a school)"),
    Column("title", String(255), comment='Title'),
    Column("department", String(255), comment='Department'),
    Column("education", String(40),
           comment='Highest_Level_of_Educational__c: HIGH_SCHOOL | SOME_COLLEGE | ASSOCIATES | BACHELORS_DEGREE | MASTERS | DOCTORATE | PROFESSIONAL | OTHER | UNKNOWN'),
    Column("interests", Text, comment="Volunteer_Interests__c values, ';'-separated"),
    Column("times_volunteered", Integer, nullable=False, default=0,
           comment='Number_of_Attended_Volunteer_Sessions__c (a negative count rejects the record)'),
    Column("first_volunteer_date", Date, comment='First_Volunteer_Date__c'),
    Column("last_volunteer_date", Date, comment='Last_Volunteer_Date__c'),
    Column("last_activity_date", Date, comment='Last_Activity_Date__c'),
    Column("last_non_internal_email_date", Date, comment='Last_Non_Internal_Email_Activity__c'),
    Column("last_mailchimp_activity_date", Date, comment='Last_Mailchimp_Email_Date__c'),
    comment='The volunteer part of a contact (Contact_Type__c Volunteer, or none).',
)

email = model_table(
    "email",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment='the contact'),
    Column("email", String(255), nullable=False, comment='the address, trimmed and lower-cased'),
    Column("type", String(20), nullable=False, comment="personal | professional"),
    Column("is_primary", Boolean, nullable=False, default=False,
           comment='exactly one live primary per contact: the preferred field (npe01__Preferred_Email__c), else Email, else the first'),
    Column("source_field", String(60), nullable=False,
           comment='the Salesforce field it came from (the first, when two hold the same address)'),
    comment="A contact's email addresses, one row per distinct address; owned by the contact (an address removed in Salesforce gets deleted_at).",
)

phone = model_table(
    "phone",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment='the contact'),
    Column("number", String(40), nullable=False,
           comment="+ and digits (North American numbers +1NXXNXXXXXX), extension as ' xNNN'"),
    Column("type", String(20), nullable=False, comment='personal | professional'),
    Column("is_primary", Boolean, nullable=False, default=False,
           comment='exactly one live primary per contact: the preferred field (npe01__PreferredPhone__c), else Phone, else the first'),
    Column("source_field", String(60), nullable=False, comment='the Salesforce field it came from'),
    comment="A contact's phone numbers, one row per distinct number; owned by the contact.",
)

address = model_table(
    "address",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment='the contact'),
    Column("type", String(20), nullable=False,
           comment='personal (mailing address) | professional (work address text)'),
    Column("is_primary", Boolean, nullable=False, default=False,
           comment='from npe01__Primary_Address_Type__c, else the mailing address'),
    Column("line1", String(255), comment='street'),
    Column("city", String(100), comment='city'),
    Column("state", String(100), comment='state'),
    Column("postal_code", String(20), comment='postal code'),
    Column("country", String(100), comment='country'),
    Column("source_field", String(60), nullable=False, comment='MailingAddress | npe01__Work_Address__c'),
    comment="A contact's mailing address (when it says more than a country) and work address.",
)

skill = model_table(
    "skill",
    Column("name", String(200), nullable=False, unique=True,
           comment='the skill, one spelling per name (white space collapsed, first letter capitalised)'),
    comment='Skills, one row per name; only ever added.',
)

volunteer_skill = model_table(
    "volunteer_skill",
    Column("volunteer_id", Integer, fk("volunteer", nullable=False), nullable=False, index=True,
           comment='the volunteer'),
    Column("skill_id", Integer, fk("skill", nullable=False), nullable=False, comment='the skill'),
    Column("source_field", String(60), nullable=False,
           comment='Volunteer_Skills__c (multi-select) | Volunteer_Skills_Text__c'),
    comment="A volunteer's skills; owned by the volunteer.",
)

teacher = model_table(
    "teacher",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True,
           comment='the contact'),
    Column("school_id", Integer, fk("school"), comment="the primary affiliation, when it is a synced school"),
    Column("salesforce_school_id", String(18), comment="npsp__Primary_Affiliation__c as Salesforce gave it"),
    Column("department", String(255), comment='Department'),
    Column("status", String(20), nullable=False,
           comment="ACTIVE | INACTIVE | ON_LEAVE | RETIRED; not in Salesforce, so ACTIVE as the VMS import sets it"),
    Column("last_email_message", Date, comment='Last_Email_Message__c'),
    Column("last_mailchimp_date", Date, comment='Last_Mailchimp_Email_Date__c'),
    comment='The teacher part of a contact (Contact_Type__c Teacher).',
)

student = model_table(
    "student",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, unique=True,
           comment='the contact'),
    Column("student_id", String(50), index=True, comment="the district's local student id (Local_Student_ID__c)"),
    Column("school_id", Integer, fk("school"), comment="the primary affiliation, when it is a synced school"),
    Column("salesforce_school_id", String(18), comment="npsp__Primary_Affiliation__c as Salesforce gave it"),
    Column("class_id", Integer, fk("class"), comment='the class (Class__c), when synced'),
    Column("salesforce_class_id", String(18), comment="Class__c as Salesforce gave it"),
    Column("legacy_grade", String(50), comment="Legacy_Grade__c as written ('5th Grade')"),
    Column("current_grade", Integer, comment="0 (kindergarten) to 12; NULL when blank or out of range"),
    Column("racial_ethnic", String(100), comment="Racial_Ethnic_Background__c as written (contact.race_ethnicity "
                                                 "holds its code)"),
    comment='The student part of a contact (Contact_Type__c Student).',
)

affiliation = model_table(
    "affiliation",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment="any kind of contact: volunteer, teacher or student"),
    Column("organization_id", Integer, fk("organization"), index=True,
           comment='the Account as an organization'),
    Column("school_id", Integer, fk("school"), index=True, comment='the Account as a school'),
    Column("district_id", Integer, fk("district"), index=True,
           comment="exactly one of organization_id, school_id, district_id is set: the kind of the Account"),
    Column("salesforce_contact_id", String(18), nullable=False, comment="npe5__Contact__c"),
    Column("salesforce_account_id", String(18), nullable=False, comment="npe5__Organization__c"),
    Column("name", String(255), comment='Name'),
    Column("role", String(255), comment='npe5__Role__c'),
    Column("status", String(40), comment="Current | Former as the picklist says; other values kept as written"),
    Column("is_primary", Boolean, nullable=False, default=False,
           comment='npe5__Primary__c, read as a boolean'),
    Column("start_date", Date, comment='npe5__StartDate__c (never invented)'),
    Column("end_date", Date, comment='npe5__EndDate__c (never invented)'),
    comment='npe5__Affiliation__c: any contact linked to any kind of Account.',
)
