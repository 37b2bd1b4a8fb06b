"""Virtual sessions from Pathful: what a session has beyond its ``event``, who took part, Pathful users.

A Pathful session is an ``event`` row (type VIRTUAL_SESSION, keyed ``pathful:<session id>`` so it never meets
a Salesforce Id) with a ``virtual_session`` row for what only Pathful knows. Educators and presenters are kept
by the name the report gives, and linked to a synced teacher or volunteer when one matches: a row waiting for
its person holds NULL there, with an ``unmatched`` issue in ``sync_issue``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, String, Table, Text

from ..columns import JSONB_OR_JSON, TS, fk, metadata, model_table

pathful_report_row = Table(
    "pathful_report_row", metadata,
    Column("session_id", String(100), primary_key=True, comment="Session ID, as text"),
    Column("row_key", String(40), primary_key=True, comment="a digest of the row's values"),
    Column("row_number", Integer, nullable=False, comment="its row in the report it last came from"),
    Column("source", Text, nullable=False, comment="that report: its file or URL"),
    Column("values", JSONB_OR_JSON, nullable=False, comment="the row as read: ids as text, dates in UTC"),
    Column("run_id", String(40)),
    Column("synced_at", TS, nullable=False, comment="when an import last read the row"),
    comment="the raw layer of the session report: the rows of every session imported, so a session can be "
            "mapped again (when a teacher it names arrives) without the file",
)

virtual_session = model_table(
    "virtual_session",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, unique=True,
           comment="the session's event (source pathful)"),
    Column("pathful_session_id", String(100), nullable=False, unique=True, comment="Session ID, as text"),
    Column("status_text", String(100), comment="Status as the report writes it (event.status: its code)"),
    Column("career_cluster", String(255), comment="Career Cluster as the report writes it"),
    Column("duration_minutes", Integer, comment="Duration; NULL when the report leaves it blank"),
    Column("registered_student_count", Integer, comment="the largest Registered Student Count of its rows"),
    Column("attended_student_count", Integer, comment="the largest Attended Student Count of its rows (also "
                                                      "event.participant_count)"),
    Column("attended_educator_count", Integer, comment="the largest Attended Educator Count of its rows"),
    Column("links_pending", Boolean, nullable=False, default=False,
           comment="a person, school, district or organization it names is not matched (yet)"),
    Column("content_hash", String(64), nullable=False,
           comment="a digest of what the report says about the session: how an import tells changed sessions "
                   "from unchanged ones"),
    comment="a Pathful virtual session: what the session report says beyond its event",
)

event_teacher = model_table(
    "event_teacher",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True,
           comment="the Pathful session"),
    Column("teacher_id", Integer, fk("teacher"), index=True,
           comment="NULL while no synced teacher matches the name (an unmatched issue says so)"),
    Column("name", String(255), nullable=False, comment="Name as the report writes it"),
    Column("name_key", String(255), nullable=False, comment="the name as names are matched"),
    Column("pathful_user_id", String(100), comment="User Auth Id, as text"),
    Column("status", String(20), nullable=False, comment="registered | attended | no_show"),
    Column("school_name", String(255), comment="School as the report writes it"),
    Column("school_id", Integer, fk("school"), comment="the synced school that name resolves to"),
    Column("district_name", String(255), comment="District or Company as the report writes it"),
    Column("registered_student_count", Integer, comment="the largest Registered Student Count of its rows"),
    Column("attended_student_count", Integer, comment="the largest Attended Student Count of its rows"),
    comment="an educator of a Pathful session, by the name the report gives, linked to the teacher it is",
)

event_presenter = model_table(
    "event_presenter",
    Column("event_id", Integer, fk("event", nullable=False), nullable=False, index=True,
           comment="the Pathful session"),
    Column("volunteer_id", Integer, fk("volunteer"), index=True,
           comment="NULL while no synced volunteer matches the name (an unmatched issue says so)"),
    Column("name", String(255), nullable=False, comment="Name as the report writes it"),
    Column("name_key", String(255), nullable=False, comment="the name as names are matched"),
    Column("pathful_user_id", String(100), comment="User Auth Id, as text"),
    Column("status", String(20), nullable=False, comment="Attended | No Show | Registered"),
    Column("organization_name", String(255), comment="District or Company as the report writes it"),
    Column("organization_id", Integer, fk("organization"), comment="the synced organization of that name"),
    Column("delivery_hours", Float, comment="the session's duration in hours; NULL when not given"),
    comment="a presenter (Professional) of a Pathful session, by the name the report gives, linked to the "
            "volunteer it is and the organization it names",
)

pathful_user = model_table(
    "pathful_user",
    Column("pathful_user_id", String(100), nullable=False, unique=True, comment="UserAuthId, as text"),
    Column("role", String(20), nullable=False, comment="educator | professional"),
    Column("name", String(255), comment="Name as the report writes it"),
    Column("login_email", String(255), comment="trimmed and lower-cased"),
    Column("notification_email", String(255), comment="trimmed and lower-cased"),
    Column("school", String(255), comment="School as the report writes it"),
    Column("district_or_company", String(255), comment="District or Company as the report writes it"),
    Column("job_title", String(255), comment="JobTitle"),
    Column("join_date", Date, comment="JoinDate"),
    Column("last_login_at", TS, comment="LastLoginDate, in UTC"),
    Column("last_session_date", Date, comment="LastSessionDate"),
    Column("login_count", Integer, comment="LoginCount"),
    Column("teacher_id", Integer, fk("teacher"), index=True, comment="educators: by email, else by name"),
    Column("volunteer_id", Integer, fk("volunteer"), index=True, comment="professionals: the same"),
    comment="a Pathful user from the User Report, linked to the synced teacher or volunteer it is",
)
