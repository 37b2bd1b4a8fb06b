"""The sandbox driven as common Salesforce loaders drive an org: describe every standard object, build the SOQL
from the describe (compound fields left out), read each object with Bulk API 1.0 ``query_all``, and page REST
queries with ``query_more(..., identifier_is_url=True)``; both ways give the same records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

# The objects such a loader reads (users, roles, people, campaigns, the price book, donations, activities).
LOADER_OBJECTS = ("User", "UserRole", "Account", "Contact", "Lead", "Campaign", "CampaignMember", "Product2",
                  "Pricebook2", "PricebookEntry", "Opportunity", "OpportunityLineItem", "OpportunityContactRole",
                  "Task", "Event")


def _fields(sf, name: str) -> list[str]:
    return [f["name"] for f in sf.__getattr__(name).describe()["fields"] if f["type"] != "address"]


def _rest_records(sf, soql: str) -> list[dict]:
    page = sf.query(soql)
    records = list(page["records"])
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        records.extend(page["records"])
    assert len(records) == page["totalSize"]
    return records


def _epoch_ms(text: str, field_type: str) -> int:
    if field_type == "date":
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def test_every_standard_object_a_loader_reads_is_described(sf):
    described = {o["name"] for o in sf.describe()["sobjects"]}
    assert set(LOADER_OBJECTS) <= described
    for name in LOADER_OBJECTS:
        meta = sf.__getattr__(name).describe()
        assert meta["name"] == name and meta["queryable"] and {"Id", "SystemModstamp"} <= set(_fields(sf, name))


@pytest.mark.parametrize("name", LOADER_OBJECTS)
def test_a_loader_reads_each_object_by_bulk1_as_rest_gives_it(sf, name):
    described = {f["name"]: f["type"] for f in sf.__getattr__(name).describe()["fields"]}
    fields = _fields(sf, name)
    soql = f"SELECT {', '.join(fields)} FROM {name} ORDER BY Id"
    rest = _rest_records(sf, soql)
    files = list(sf.bulk.__getattr__(name).query_all(soql, lazy_operation=True, wait=0))
    bulk = [dict(r) for f in files for r in f]
    expected = []
    for record in rest:
        row = dict(record)
        for key, value in record.items():
            if described.get(key) in ("date", "datetime") and value is not None:
                row[key] = _epoch_ms(value, described[key])
        expected.append(row)
    assert bulk == expected
    assert rest, f"the tiny org has no {name} records"  # each is one the VMS org has records of


def test_campaigns_recruit_volunteers_and_donations_come_from_organizations_and_volunteers(sf):
    members = sf.query_all("SELECT Campaign.Type, Contact.Contact_Type__c, LeadId FROM CampaignMember")["records"]
    assert {m["Campaign"]["Type"] for m in members} == {"Volunteer Recruitment"}
    assert {m["Contact"]["Contact_Type__c"] for m in members if m["Contact"]} <= {"Volunteer", None}  # some untyped
    donations = sf.query_all("SELECT Account.Type, npsp__Primary_Contact__c, IsWon, StageName FROM Opportunity")
    kinds = {d["Account"]["Type"] for d in donations["records"]}
    assert "Household" in kinds and kinds - {"Household"}
    assert all(d["IsWon"] == (d["StageName"] == "Closed Won") for d in donations["records"])
    roles = sf.query_all("SELECT Role, Contact.Contact_Type__c, Opportunity.npsp__Primary_Contact__c, ContactId "
                         "FROM OpportunityContactRole")["records"]
    assert roles and all(r["Role"] == "Donor" and r["Opportunity"]["npsp__Primary_Contact__c"] == r["ContactId"]
                         for r in roles)
    items = sf.query_all("SELECT Opportunity.Type, PricebookEntry.Pricebook2.IsStandard, TotalPrice, Quantity, "
                         "UnitPrice FROM OpportunityLineItem")["records"]
    assert items and all(i["Opportunity"]["Type"] == "Sponsorship" and i["PricebookEntry"]["Pricebook2"]["IsStandard"]
                         and i["TotalPrice"] == i["Quantity"] * i["UnitPrice"] for i in items)
    user = sf.query("SELECT UserRole.Name, UserRole.ParentRole.Name FROM User")["records"][0]
    assert (user["UserRole"]["Name"], user["UserRole"]["ParentRole"]["Name"]) == \
           ("Volunteer Coordinator", "Program Director")
