"""What happens: events (sessions) and who took part, pathways, and the history of contacts."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Index, Integer, String, Text

from ..columns import TS, fk, model_table

event = model_table(
    "event",
    Column("source", String(20), nullable=False,
           comment="salesforce (a Session__c) | pathful (a virtual session from the Pathful report)"),
    Column("title", String(255), nullable=False, comment='Name (required)'),
    Column("type", String(40), nullable=False,
           comment="EventType name from Session_Type__c (CAREER_SPEAKER, ...); CLASSROOM_ACTIVITY when unknown"),
    Column("format", String(20), nullable=False, comment="IN_PERSON | VIRTUAL"),
    Column("start_at", TS, comment="Start_Date_and_Time__c in UTC, with its time"),
    Column("end_at", TS, comment="End_Date_and_Time__c in UTC, with its time"),
    Column("status", String(20), nullable=False,
           comment="COMPLETED | CONFIRMED | CANCELLED | REQUESTED | DRAFT | PUBLISHED | NO_SHOW | SIMULCAST | "
                   "COUNT; DRAFT when Salesforce has none"),
    Column("location", Text, comment='Location_Information__c'),
    Column("description", Text, comment='Description__c'),
    Column("cancellation_reason", String(40), comment="WEATHER | PRESENTER_CANCELLED | TEACHER_CANCELLED | OTHER"),
    Column("participant_count", Integer, nullable=False, default=0,
           comment="students not scheduled by name (Non_Scheduled_Students_Count__c)"),
    Column("additional_information", Text, comment='Additional_Information__c'),
    Column("session_host", String(255), comment='Session_Host__c'),
    Column("registration_link", String(1300), comment="the sign-up URL (the href of the HTML anchor)"),
    Column("total_requested_volunteer_jobs", Integer, nullable=False, default=0,
           comment='Total_Requested_Volunteer_Jobs__c (a negative count is 0, with a warning)'),
    Column("available_slots", Integer, nullable=False, default=0,
           comment='Available_Slots__c (a negative count is 0, with a warning)'),
    Column("school_id", Integer, fk("school"), index=True, comment='the school (School__c), when synced'),
    Column("school_salesforce_id", String(18), comment="School__c as Salesforce gave it (set even while the "
                                                        "school is not synced)"),
    Column("district_partner", String(255), index=True,
           comment="the district name the session names: District__c, else Parent_Account__c"),
    comment='Session__c (less drafts and connector sessions), and Pathful virtual sessions (keyed pathful:<id>).',
)

event_district = model_table(
    "event_district",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True, comment='the event'),
    Column("district_id", Integer, fk("district"), index=True,
           comment="NULL while the district is not known: the one named is not synced, or the school not (both "
                   "with a LINK_PENDING issue), or the school has no district"),
    Column("source", String(20), nullable=False,
           comment="district_field | parent_account (the name the session gives), school (its school's "
                   "district), students (its students' schools' districts, for a session with none of these)"),
    Column("district_name", String(255), comment="the name as the session gives it (name sources only)"),
    comment="The districts of an event: the one it names, its school's, or its students' schools'.",
)

event_skill = model_table(
    "event_skill",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True, comment='the event'),
    Column("skill_id", Integer, fk("skill", nullable=False), nullable=False, comment='the skill'),
    Column("source_field", String(60), nullable=False,
           comment='Legacy_Skill_Covered_for_the_Session__c | Legacy_Skills_Needed__c | Requested_Skills__c'),
    comment='The skills an event covers or needs; owned by the event.',
)

event_volunteer = model_table(
    "event_volunteer",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True,
           comment='the event (Session__c)'),
    Column("volunteer_id", Integer, fk("volunteer", nullable=False), nullable=False, index=True,
           comment='the volunteer (Contact__c)'),
    Column("status", String(40), comment="Status__c as written (Attended, No Show, ...)"),
    Column("delivery_hours", Float, comment="hours given; NULL unless positive"),
    Column("age_group", String(100), comment="the students' age group (Middle School, ...)"),
    Column("email", String(255), comment="trimmed and lower-cased"),
    Column("title", String(255), comment='Title__c'),
    comment='Volunteer Session_Participant__c: who volunteered at an event.',
)

event_student = model_table(
    "event_student",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False,
           comment='the event (Session__c)'),
    Column("student_id", Integer, fk("student", nullable=False), nullable=False, index=True,
           comment='the student (Contact__c)'),
    Column("status", String(40), comment="Status__c as written"),
    Column("delivery_hours", Float, comment="hours; NULL unless positive"),
    Column("age_group", String(100), comment='Age_Group__c'),
    Index("ix_event_student_pair", "event_id", "student_id"),
    comment='Student Session_Participant__c: which students took part in an event.',
)

pathway = model_table(
    "pathway",
    Column("name", String(255), nullable=False, comment='Name'),
    comment='Pathway__c (legacy pathways).',
)

pathway_event = model_table(
    "pathway_event",
    Column("pathway_id", Integer, fk("pathway", nullable=False), nullable=False, index=True,
           comment='the pathway'),
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True, comment='the event'),
    comment='Pathway_Session__c: the events of a pathway.',
)

pathway_contact = model_table(
    "pathway_contact",
    Column("pathway_id", Integer, fk("pathway", nullable=False), nullable=False, index=True,
           comment='the pathway'),
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment="any kind of contact: volunteer, teacher or student"),
    comment='Pathway_Participant__c: the contacts of a pathway.',
)

support_case = model_table(
    "support_case",
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment="ContactId: the case's contact"),
    comment="Cases that have a synced contact: how an email filed under a Case finds its contact",
)

history = model_table(
    "history",
    Column("source_object", String(20), nullable=False, comment="Task | EmailMessage"),
    Column("contact_id", Integer, fk("contact", nullable=False), nullable=False, index=True,
           comment='the contact (Task WhoId; for emails the recipient, sender or the record it is filed under)'),
    Column("event_id", Integer, fk("event"), index=True,
           comment='the event (WhatId / RelatedToId), when it is a synced session'),
    Column("related_salesforce_id", String(18),
           comment="WhatId (Task) or RelatedToId (EmailMessage) as Salesforce gave it"),
    Column("history_type", String(20), nullable=False, comment="note | activity | status_change"),
    Column("activity_type", String(100), comment="the Task Type (Call, Meeting, ...); Email for emails"),
    Column("activity_status", String(50), comment="the Task Status; Received | Sent for emails"),
    Column("activity_date", Date, comment="Task ActivityDate, or the UTC day of an email's MessageDate"),
    Column("activity_at", TS, comment="MessageDate in UTC, with its time (emails; a Task has only a date)"),
    Column("summary", Text, comment="the Subject"),
    Column("description", Text, comment="plain text (HTML bodies turned into text); emails: headers, then body"),
    Column("email_message_id", String(18), comment="the EmailMessage Id, or a Task of type Email's Id"),
    Index("ix_history_source", "source_object"),
    comment='Task and EmailMessage: the history of a contact, linked to its event where there is one.',
)
