"""The metadata of the sandbox's VMS org: every object and field the VMS queries select, and the standard objects
of an Enterprise org with NPSP that other tools read.

This is the one contract the sandbox's parts share: the store makes one SQLite table per object from it, the SOQL
compiler resolves names and relationships against it, describe renders it, and the generator fills it. Field names
and types follow docs/vms-org.md#fields.

Storage conventions (``store`` and ``soql`` both rely on them):

* table name = object API name, column name = field API name (quoted, exact case);
* text-like types are TEXT declared ``COLLATE NOCASE`` (SOQL compares text case-insensitively), except
  ``id`` and ``reference``, which hold exact 18-character Ids; blank text is stored as NULL;
* ``boolean`` is INTEGER 0/1, never NULL; numbers are REAL (``int`` INTEGER);
* ``date`` is TEXT ``YYYY-MM-DD``; ``datetime`` is TEXT ``YYYY-MM-DDTHH:MM:SS.fffZ`` in UTC (fixed width, so
  text order is time order);
* a compound ``address`` field has no column: it is read from its component fields;
* a ``calculated`` field has a column the store fills on every write with ``formula(record)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox"}
)
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "address": "urn:address",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str = ""
    nillable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    length: int = 255
    calculated: bool = False
    formula: Callable[[dict], object] | None = None
    components: tuple[str, ...] = ()  # compound address: the component field names, in Salesforce order
    custom: bool = False

    @property
    def soap_type(self) -> str:
        return SOAP_TYPES.get(self.type, "xsd:string")

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def has_column(self) -> bool:
        return self.type != "address"

    @property
    def createable(self) -> bool:
        return not self.calculated and self.name not in SYSTEM_FIELD_NAMES and self.type != "address"


@dataclass(frozen=True)
class SObject:
    name: str
    key_prefix: str
    label: str
    fields: tuple[Field, ...]
    custom: bool = False
    _by_lower: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)
    _by_relationship: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for f in self.fields:
            self._by_lower[f.name.lower()] = f
            if f.relationship_name:
                self._by_relationship[f.relationship_name.lower()] = f

    def field(self, name: str) -> Field | None:
        """The field called ``name`` (any case), or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship is called ``name`` (any case), e.g. ``Account``."""
        return self._by_relationship.get(name.lower())

    @property
    def columns(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.has_column)


# --- a compact way to write fields -----------------------------------------------------------------------

def _f(name: str, type_: str = "string", **kw) -> Field:
    label = kw.pop("label", None) or name.removesuffix("__c").replace("npe01__", "").replace("npe5__", "") \
        .replace("npsp__", "").replace("_", " ").strip()
    return Field(name, type_, label=label, custom=name.endswith("__c"), **kw)


def _ref(name: str, *targets: str, rel: str | None = None, **kw) -> Field:
    if rel is None:
        rel = name[:-3] + "__r" if name.endswith("__c") else name.removesuffix("Id")
    return _f(name, "reference", reference_to=targets, relationship_name=rel, length=18, **kw)


def _pick(name: str, *values: str, multi: bool = False, **kw) -> Field:
    return _f(name, "multipicklist" if multi else "picklist", picklist=values, **kw)


def _full_name(record: dict) -> str | None:
    parts = [record.get("FirstName"), record.get("LastName")]
    name = " ".join(p for p in parts if p)
    return name or None


SYSTEM_FIELD_NAMES = frozenset(
    {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}
)


def _system() -> tuple[Field, ...]:
    return (
        Field("Id", "id", label="Record ID", nillable=False, length=18),
        Field("IsDeleted", "boolean", label="Deleted", nillable=False),
        Field("CreatedDate", "datetime", label="Created Date", nillable=False),
        Field("CreatedById", "reference", label="Created By ID", nillable=False, reference_to=("User",),
              relationship_name="CreatedBy", length=18),
        Field("LastModifiedDate", "datetime", label="Last Modified Date", nillable=False),
        Field("LastModifiedById", "reference", label="Last Modified By ID", nillable=False,
              reference_to=("User",), relationship_name="LastModifiedBy", length=18),
        Field("SystemModstamp", "datetime", label="System Modstamp", nillable=False),
    )


def _object(name: str, prefix: str, *fields: Field, label: str | None = None) -> SObject:
    custom = name.endswith("__c")
    label = label or name.removesuffix("__c").replace("npe5__", "").replace("_", " ")
    return SObject(name, prefix, label, _system() + fields, custom=custom)


GENDERS = ("Male", "Female", "Non-binary", "Genderfluid", "Agender", "Transgender", "Prefer not to say",
           "Other", "NA")
RACES = ("Hispanic or Latino", "Black or African American", "White", "Asian", "Native Hawaiian",
         "American Indian or Alaska Native", "Bi-racial", "Multi-racial", "Two or More Races", "Other",
         "Other POC", "Prefer not to answer")
EDUCATION = ("High School Diploma or GED", "Some College", "Associates", "Bachelors", "Masters", "Doctorate",
             "Advanced Professional Degree", "Certificate", "Prefer not to answer")
AGE_GROUPS = ("Under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
SESSION_TYPES = (
    "Connector Session", "Career Jumping", "Career Speaker", "Employability Skills", "IGNITE", "Career Fair",
    "Client Connected Project", "Pathway campus visits", "Workplace Visit", "Pathway Workplace Visits",
    "College Options", "DIA - Classroom Speaker", "DIA", "Campus Visit", "Advisory Sessions",
    "Volunteer Orientation", "Volunteer Engagement", "Mentoring", "Financial Literacy", "Math Relays",
    "Classroom Speaker", "Internship", "College Application Fair", "FAFSA", "Classroom Activity",
    "Historical, Not Yet Updated", "DataViz", "P2GD", "SLA", "HealthStart", "P2T", "BFI", "Career Day",
)
SESSION_STATUSES = ("Completed", "Confirmed", "Cancelled", "Requested", "Draft", "Published", "No Show",
                    "Simulcast", "Count")
PARTICIPANT_STATUSES = ("Scheduled", "Attended", "Completed", "Successfully Completed", "No Show", "No-Show",
                        "Cancelled", "Did Not Attend", "Declined", "Withdrawn", "Registered")
ACCOUNT_TYPES = ("Household", "School District", "School", "Business", "Non-Profit", "Government",
                 "Higher Education", "Foundation", "Other")

CONNECTOR_FIELDS = (
    _pick("Connector_Active_Subscription__c", "NONE", "Basic", "Premium"),
    _f("Connector_Active_Subscription_Name__c"),
    _f("Connector_Affiliations__c", "textarea"),
    _f("Connector_Industry__c"),
    _f("Connector_Joining_Date__c", "date"),
    _f("Connector_Last_Login_Date_Time__c", "datetime"),
    _f("Connector_Last_Update_Date__c", "date"),
    _f("Connector_Profile_Link__c", "url"),
    _f("Connector_Role__c"),
    _f("Connector_SignUp_Role__c"),
    _f("Connector_User_ID__c"),
)

OBJECTS: tuple[SObject, ...] = (
    _object(
        "Organization", "00D",
        _f("Name", nillable=False), _f("OrganizationType"), _f("InstanceName"), _f("IsSandbox", "boolean"),
    ),
    _object(
        "User", "005",
        _f("Username", nillable=False), _f("FirstName"), _f("LastName", nillable=False),
        _f("Name", calculated=True, formula=_full_name), _f("Email", "email"), _f("IsActive", "boolean"),
        _ref("UserRoleId", "UserRole", rel="UserRole"),
    ),
    _object(
        "UserRole", "00E",
        _f("Name", nillable=False), _f("DeveloperName"), _ref("ParentRoleId", "UserRole", rel="ParentRole"),
        _f("RollupDescription"), _pick("OpportunityAccessForAccountOwner", "None", "Read", "Edit"),
        label="Role",
    ),
    _object(
        "Account", "001",
        _f("Name", nillable=False),
        _pick("Type", *ACCOUNT_TYPES),
        _f("Description", "textarea", length=32000),
        _ref("ParentId", "Account", rel="Parent"),
        _f("BillingStreet", "textarea"), _f("BillingCity"), _f("BillingState"), _f("BillingPostalCode"),
        _f("BillingCountry"),
        _f("LastActivityDate", "date"),
        _f("School_Code_External_ID__c"),
        _f("Connector_Account_Name__c"),
        _f("Phone", "phone"), _f("Website", "url"),
        _ref("npe01__One2OneContact__c", "Contact"),
    ),
    _object(
        "Contact", "003",
        _ref("AccountId", "Account", rel="Account"),
        _f("FirstName"), _f("LastName", nillable=False), _f("MiddleName"),
        _f("Name", calculated=True, formula=_full_name),
        _f("Email", "email"),
        _f("npe01__AlternateEmail__c", "email"), _f("npe01__HomeEmail__c", "email"),
        _f("npe01__WorkEmail__c", "email"),
        _pick("npe01__Preferred_Email__c", "Personal", "Work", "Alternate"),
        _f("HomePhone", "phone"), _f("MobilePhone", "phone"), _f("npe01__WorkPhone__c", "phone"),
        _f("Phone", "phone"),
        _pick("npe01__PreferredPhone__c", "Home", "Work", "Mobile", "Other"),
        _ref("npsp__Primary_Affiliation__c", "Account"),
        _f("Title"), _f("Department"),
        _pick("Gender__c", *GENDERS),
        _f("Birthdate", "date"),
        _f("Last_Mailchimp_Email_Date__c", "date"), _f("Last_Volunteer_Date__c", "date"),
        _f("Last_Email_Message__c", "date"),
        _f("Volunteer_Recruitment_Notes__c", "textarea", length=32000),
        _f("Volunteer_Skills__c", "multipicklist"),
        _f("Volunteer_Skills_Text__c", "textarea"),
        _f("Volunteer_Interests__c", "multipicklist"),
        _f("Number_of_Attended_Volunteer_Sessions__c", "double"),
        _pick("Racial_Ethnic_Background__c", *RACES),
        _f("Last_Activity_Date__c", "date"), _f("First_Volunteer_Date__c", "date"),
        _f("Last_Non_Internal_Email_Activity__c", "date"),
        _f("Description", "textarea", length=32000),
        _pick("Highest_Level_of_Educational__c", *EDUCATION),
        _pick("Age_Group__c", *AGE_GROUPS),
        _f("DoNotCall", "boolean"), _f("npsp__Do_Not_Contact__c", "boolean"), _f("HasOptedOutOfEmail", "boolean"),
        _f("EmailBouncedDate", "datetime"),
        _f("MailingStreet", "textarea"), _f("MailingCity"), _f("MailingState"), _f("MailingPostalCode"),
        _f("MailingCountry"),
        _f("MailingAddress", "address",
           components=("MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry")),
        _f("npe01__Home_Address__c", "textarea"), _f("npe01__Work_Address__c", "textarea"),
        _f("npe01__Other_Address__c", "textarea"),
        _pick("npe01__Primary_Address_Type__c", "Home", "Work", "Other"),
        _pick("npe01__Secondary_Address_Type__c", "Home", "Work", "Other"),
        *CONNECTOR_FIELDS,
        _pick("Contact_Type__c", "Volunteer", "Teacher", "Student"),
        _f("Local_Student_ID__c"),
        _ref("Class__c", "Class__c"),
        _f("Legacy_Grade__c"),
        _f("Current_Grade__c", "double"),
    ),
    _object(
        "npe5__Affiliation__c", "a02",
        _f("Name", nillable=False),
        _ref("npe5__Organization__c", "Account"),
        _ref("npe5__Contact__c", "Contact"),
        _f("npe5__Role__c"),
        _f("npe5__Primary__c", "boolean"),
        _pick("npe5__Status__c", "Current", "Former"),
        _f("npe5__StartDate__c", "date"), _f("npe5__EndDate__c", "date"),
        label="Affiliation",
    ),
    _object(
        "Class__c", "a0C",
        _f("Name", nillable=False),
        _ref("School__c", "Account"),
        _f("Class_Year_Number__c", "double"),
    ),
    _object(
        "Session__c", "a0S",
        _f("Name", nillable=False),
        _pick("Session_Type__c", *SESSION_TYPES),
        _pick("Format__c", "In-Person", "Virtual"),
        _f("Start_Date_and_Time__c", "datetime"), _f("End_Date_and_Time__c", "datetime"),
        _pick("Session_Status__c", *SESSION_STATUSES),
        _f("Location_Information__c", "textarea"),
        _f("Description__c", "textarea", length=32000),
        _pick("Cancellation_Reason__c", "Inclement Weather Cancellation", "Presenter Cancelled",
              "Teacher Cancelled", "Other"),
        _f("Non_Scheduled_Students_Count__c", "double"),
        _f("District__c"),
        _ref("School__c", "Account"),
        _f("Legacy_Skill_Covered_for_the_Session__c", "textarea"),
        _f("Legacy_Skills_Needed__c", "textarea"),
        _f("Requested_Skills__c", "textarea"),
        _f("Additional_Information__c", "textarea", length=32000),
        _f("Total_Requested_Volunteer_Jobs__c", "double"),
        _f("Available_Slots__c", "double"),
        _f("Parent_Account__c"),
        _f("Session_Host__c"),
        _f("Registration_Link__c", "textarea", length=1300),
        _f("Start_Date__c", "date"),
        _f("Filled_Volunteer_Jobs__c", "double"),
        _f("Date_and_Time_for_Cal__c"),
        _pick("Display_on_Website__c", "Yes", "No"),
        label="Session",
    ),
    _object(
        "Session_Participant__c", "a0P",
        _f("Name", nillable=False),
        _ref("Contact__c", "Contact"),
        _ref("Session__c", "Session__c"),
        _pick("Status__c", *PARTICIPANT_STATUSES),
        _f("Delivery_Hours__c", "double"),
        _f("Age_Group__c"),
        _f("Email__c", "email"),
        _f("Title__c"),
        _pick("Participant_Type__c", "Volunteer", "Student"),
        label="Session Participant",
    ),
    _object(
        "Lead", "00Q",
        _f("FirstName"), _f("LastName", nillable=False), _f("Name", calculated=True, formula=_full_name),
        _f("Email", "email"), _f("Company"),
    ),
    _object(
        "Case", "500",
        _f("Subject"), _ref("ContactId", "Contact", rel="Contact"), _ref("AccountId", "Account", rel="Account"),
        _pick("Status", "New", "Working", "Closed"),
    ),
    _object(
        "Task", "00T",
        _f("Subject"),
        _f("Description", "textarea", length=32000),
        _pick("Type", "Call", "Email", "Meeting", "Other", "status_update"),
        _pick("Status", "Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"),
        _f("ActivityDate", "date"),
        _ref("WhoId", "Contact", "Lead", rel="Who"),
        _ref("WhatId", "Account", "Session__c", "Case", rel="What"),
    ),
    _object(
        "Event", "00U",
        _f("Subject"), _f("StartDateTime", "datetime"), _f("EndDateTime", "datetime"),
        _ref("WhoId", "Contact", "Lead", rel="Who"), _ref("WhatId", "Account", "Session__c", rel="What"),
    ),
    _object(
        "EmailMessage", "02s",
        _f("Subject"),
        _f("TextBody", "textarea", length=131072),
        _f("HtmlBody", "textarea", length=131072),
        _f("MessageDate", "datetime"),
        _f("FromAddress", "email"),
        _f("ToAddress", "textarea", length=4000),
        _f("CcAddress", "textarea", length=4000),
        _f("BccAddress", "textarea", length=4000),
        _ref("RelatedToId", "Account", "Contact", "Case", "Session__c", rel="RelatedTo"),
        _ref("ParentId", "Case", rel="Parent"),
        _f("Incoming", "boolean"),
        _pick("Status", "0", "1", "2", "3", "4", "5"),
        _f("MessageIdentifier"),
        _f("ThreadIdentifier"),
        label="Email Message",
    ),
    _object(
        "Pathway__c", "a0W",
        _f("Name", nillable=False),
    ),
    _object(
        "Pathway_Session__c", "a0X",
        _f("Name", nillable=False), _ref("Session__c", "Session__c"), _ref("Pathway__c", "Pathway__c"),
        label="Pathway Session",
    ),
    _object(
        "Pathway_Participant__c", "a0Y",
        _f("Name", nillable=False), _ref("Contact__c", "Contact"), _ref("Pathway__c", "Pathway__c"),
        label="Pathway Participant",
    ),
)

# The standard objects every Enterprise org with NPSP has, beyond those the VMS queries read: served in describe
# and SOQL so that the tools an analyst already has work against the sandbox (docs/vms-org.md#standard-objects).
STANDARD_OBJECTS: tuple[SObject, ...] = (
    _object(
        "Campaign", "701",
        _f("Name", nillable=False),
        _pick("Type", "Volunteer Recruitment", "Event", "Email", "Fundraising", "Other"),
        _pick("Status", "Planned", "In Progress", "Completed", "Aborted"),
        _f("StartDate", "date"), _f("EndDate", "date"), _f("IsActive", "boolean"),
        _ref("ParentId", "Campaign", rel="Parent"),
        _f("Description", "textarea", length=32000),
        _f("ExpectedRevenue", "currency"), _f("BudgetedCost", "currency"), _f("ActualCost", "currency"),
        _f("NumberSent", "double"),
    ),
    _object(
        "CampaignMember", "00v",
        _ref("CampaignId", "Campaign", rel="Campaign", nillable=False),
        _ref("ContactId", "Contact", rel="Contact"), _ref("LeadId", "Lead", rel="Lead"),
        _pick("Status", "Sent", "Responded", "Registered", "Attended"),
        _f("HasResponded", "boolean"), _f("FirstRespondedDate", "date"),
        label="Campaign Member",
    ),
    _object(
        "Product2", "01t",
        _f("Name", nillable=False), _f("ProductCode"), _f("Description", "textarea", length=4000),
        _f("IsActive", "boolean"), _pick("Family", "Sponsorship", "Program Support", "In-Kind"),
        label="Product",
    ),
    _object(
        "Pricebook2", "01s",
        _f("Name", nillable=False), _f("IsActive", "boolean"), _f("IsStandard", "boolean"),
        _f("Description", "textarea"),
        label="Price Book",
    ),
    _object(
        "PricebookEntry", "01u",
        _f("Name"), _ref("Pricebook2Id", "Pricebook2", rel="Pricebook2", nillable=False),
        _ref("Product2Id", "Product2", rel="Product2", nillable=False), _f("ProductCode"),
        _f("UnitPrice", "currency", nillable=False), _f("IsActive", "boolean"), _f("UseStandardPrice", "boolean"),
        label="Price Book Entry",
    ),
    _object(
        "Opportunity", "006",
        _f("Name", nillable=False), _ref("AccountId", "Account", rel="Account"),
        _pick("StageName", "Prospecting", "Pledged", "Closed Won", "Closed Lost", nillable=False),
        _f("Amount", "currency"), _f("CloseDate", "date", nillable=False),
        _pick("Type", "Donation", "Grant", "In-Kind Gift", "Sponsorship"),
        _f("Probability", "percent"), _f("IsClosed", "boolean"), _f("IsWon", "boolean"),
        _ref("CampaignId", "Campaign", rel="Campaign"), _ref("Pricebook2Id", "Pricebook2", rel="Pricebook2"),
        _pick("LeadSource", "Web", "Event", "Volunteer", "Other"),
        _f("Description", "textarea", length=32000),
        _ref("npsp__Primary_Contact__c", "Contact"),
    ),
    _object(
        "OpportunityLineItem", "00k",
        _ref("OpportunityId", "Opportunity", rel="Opportunity", nillable=False),
        _ref("PricebookEntryId", "PricebookEntry", rel="PricebookEntry"),
        _ref("Product2Id", "Product2", rel="Product2"),
        _f("Quantity", "double"), _f("UnitPrice", "currency"), _f("TotalPrice", "currency"),
        _f("ServiceDate", "date"), _f("Description"),
        label="Opportunity Product",
    ),
    _object(
        "OpportunityContactRole", "00K",
        _ref("OpportunityId", "Opportunity", rel="Opportunity", nillable=False),
        _ref("ContactId", "Contact", rel="Contact", nillable=False),
        _pick("Role", "Donor", "Soft Credit", "Decision Maker", "Influencer", "Other"),
        _f("IsPrimary", "boolean"),
        label="Opportunity Contact Role",
    ),
)
OBJECTS += STANDARD_OBJECTS

_BY_LOWER = {o.name.lower(): o for o in OBJECTS}
_BY_PREFIX = {o.key_prefix: o for o in OBJECTS}


def sobject(name: str) -> SObject | None:
    """The object called ``name`` (any case), or None."""
    return _BY_LOWER.get(name.lower())


def sobject_for_id(record_id: str) -> SObject | None:
    """The object an Id belongs to, by its three-character key prefix."""
    return _BY_PREFIX.get(record_id[:3])
