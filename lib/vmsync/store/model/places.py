"""Where things happen: districts, schools, organizations (and classes)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String, Text

from ..tables import fk, model_table

district = model_table(
    "district",
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False, index=True,
           comment="the name lower-cased, punctuation and repeated spaces dropped: what district names match on"),
    Column("district_code", String(40)),
)

school = model_table(
    "school",
    Column("name", String(255), nullable=False),
    Column("district_id", Integer, fk("district")),
    Column("salesforce_district_id", String(18)),
    Column("normalized_name", String(255)),
    Column("school_code", String(40)),
    Column("level", String(50)),
)

organization = model_table(
    "organization",
    Column("name", String(255), nullable=False),
    Column("type", String(255), nullable=False),
    Column("description", Text),
    Column("billing_street", String(255)),
    Column("billing_city", String(255)),
    Column("billing_state", String(255)),
    Column("billing_postal_code", String(40)),
    Column("billing_country", String(255)),
    Column("last_activity_date", Date),
)

class_ = model_table(
    "class",
    Column("name", String(255), nullable=False),
    Column("school_id", Integer, fk("school", nullable=False), nullable=False, index=True),
    Column("salesforce_school_id", String(18), nullable=False, comment="School__c as Salesforce gave it"),
    Column("class_year", Integer, nullable=False, comment="the graduation year (Class_Year_Number__c)"),
)
