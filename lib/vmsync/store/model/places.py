"""Where things happen: districts, schools, organizations (and classes)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String, Text

from ..columns import fk, model_table

district = model_table(
    "district",
    Column("name", String(255), nullable=False, comment='Name'),
    Column("name_key", String(255), nullable=False, index=True,
           comment="the name lower-cased, punctuation and repeated spaces dropped: what district names match on"),
    Column("district_code", String(40), comment='School_Code_External_ID__c'),
    comment='Accounts of type School District.',
)

school = model_table(
    "school",
    Column("name", String(255), nullable=False, comment='Name'),
    Column("district_id", Integer, fk("district"),
           comment='the district (ParentId); NULL with an open LINK_PENDING issue until it is synced'),
    Column("salesforce_district_id", String(18),
           comment='ParentId as Salesforce gave it, kept while not linked'),
    Column("normalized_name", String(255), comment='Connector_Account_Name__c'),
    Column("school_code", String(40), comment='School_Code_External_ID__c'),
    Column("level", String(50),
           comment='Elementary / Middle / High, from the school-level sheet (not Salesforce)'),
    comment='Accounts of type School, matched by Salesforce Id only.',
)

organization = model_table(
    "organization",
    Column("name", String(255), nullable=False, comment='Name'),
    Column("type", String(255), nullable=False, comment='Type; an Account with no Type is Other'),
    Column("description", Text, comment='Description'),
    Column("billing_street", String(255), comment='BillingStreet'),
    Column("billing_city", String(255), comment='BillingCity'),
    Column("billing_state", String(255), comment='BillingState'),
    Column("billing_postal_code", String(40), comment='BillingPostalCode'),
    Column("billing_country", String(255), comment='BillingCountry'),
    Column("last_activity_date", Date, comment='LastActivityDate'),
    comment='Every other Account that is not a Household: businesses, agencies, non-profits.',
)

class_ = model_table(
    "class",
    Column("name", String(255), nullable=False, comment='Name (Grade 9 - 2025)'),
    Column("school_id", Integer, fk("school", nullable=False), nullable=False, index=True,
           comment='the school (School__c); a class waits in sync_issue until its school is synced'),
    Column("salesforce_school_id", String(18), nullable=False, comment="School__c as Salesforce gave it"),
    Column("class_year", Integer, nullable=False, comment="the graduation year (Class_Year_Number__c)"),
    comment='Class__c: a cohort of a school by graduation year.',
)
