"""People: contacts of every kind and what they own (emails, phones, addresses, skills)."""

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
