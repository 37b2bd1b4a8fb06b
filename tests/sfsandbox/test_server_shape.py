"""The org's shape changes through the control API, and describe, REST and Bulk queries follow."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sfsandbox import SandboxError


def _describe(sandbox, since: str | None = None):
    session = sandbox.http_session()
    sf = sandbox.client()
    headers = {"Authorization": f"Bearer {sf.session_id}"} | ({"If-Modified-Since": since} if since else {})
    return session.get(f"{sf.base_url}sobjects/Contact/describe", headers=headers)


def _fields(sf, name="Contact") -> dict:
    return {f["name"]: f["type"] for f in sf.restful(f"sobjects/{name}/describe")["fields"]}


def test_describe_is_not_sent_again_until_the_fields_change(clean_sandbox):
    first = _describe(clean_sandbox)
    assert first.status_code == 200
    assert _describe(clean_sandbox, first.headers["Last-Modified"]).status_code == 304
    clean_sandbox.control.advance(60)
    clean_sandbox.control.change_field("Contact", "Title", "remove")
    again = _describe(clean_sandbox, first.headers["Last-Modified"])
    assert again.status_code == 200
    assert "Title" not in {f["name"] for f in again.json()["fields"]}


def test_a_removed_field_is_an_invalid_field_in_rest_and_bulk(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.change_field("Contact", "Title", "remove")
    assert "Title" not in _fields(sf)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id, Title FROM Contact")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        list(sf.bulk2.Contact.query("SELECT Id, Title FROM Contact"))
    assert "INVALID_FIELD" in str(exc.value.content)
    clean_sandbox.control.reset()
    assert "Title" in _fields(sf)
    assert sf.query("SELECT Id, Title FROM Contact LIMIT 1")["records"]


def test_a_renamed_field_keeps_its_values_under_its_new_name(clean_sandbox):
    sf = clean_sandbox.client()
    before = sf.query("SELECT Id, Title FROM Contact WHERE Title != null ORDER BY Id LIMIT 5")["records"]
    clean_sandbox.control.change_field("Contact", "Title", "rename", to="Job_Title__c")
    after = sf.query("SELECT Id, Job_Title__c FROM Contact WHERE Job_Title__c != null ORDER BY Id LIMIT 5")["records"]
    assert [(r["Id"], r["Job_Title__c"]) for r in after] == [(r["Id"], r["Title"]) for r in before]
    assert "Title" not in _fields(sf) and _fields(sf)["Job_Title__c"] == "string"


def test_a_retyped_field_converts_its_values_and_takes_values_of_its_new_type(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.change_field("Class__c", "Class_Year_Number__c", "retype", type="string")
    assert _fields(sf, "Class__c")["Class_Year_Number__c"] == "string"
    record = sf.query("SELECT Id, Class_Year_Number__c FROM Class__c WHERE Class_Year_Number__c != null "
                      "LIMIT 1")["records"][0]
    assert isinstance(record["Class_Year_Number__c"], str)
    sf.Class__c.update(record["Id"], {"Class_Year_Number__c": "next year"})
    assert sf.Class__c.get(record["Id"])["Class_Year_Number__c"] == "next year"


def test_an_added_field_is_described_and_queried_empty(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.change_field("Contact", "Shoe_Size__c", "add", type="double")
    assert _fields(sf)["Shoe_Size__c"] == "double"
    assert sf.query("SELECT Id, Shoe_Size__c FROM Contact LIMIT 1")["records"][0]["Shoe_Size__c"] is None


@pytest.mark.parametrize("payload", [
    {"change": "explode"},
    {"change": "remove", "field": "NoSuchField__c"},
    {"change": "remove", "field": "SystemModstamp"},
    {"change": "rename", "field": "Title"},
    {"change": "rename", "field": "Title", "to": "LastName"},
    {"change": "retype", "field": "Title", "type": "spaceship"},
])
def test_a_change_that_cannot_be_made_is_refused(clean_sandbox, payload):
    with pytest.raises(SandboxError, match="400"):
        clean_sandbox.control._call("POST", "fields", {"object": "Contact", **payload})
    assert _fields(clean_sandbox.client())["Title"] == "string"


def test_bulk_results_follow_a_retyped_field(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.change_field("Class__c", "Class_Year_Number__c", "retype", type="string")
    rows = [line for page in sf.bulk2.Class__c.query("SELECT Id, Class_Year_Number__c FROM Class__c")
            for line in page.splitlines()[1:]]
    years = [line.split(",")[1].strip('"') for line in rows]
    assert years and all(y.isdigit() or y == "" for y in years)  # "2035", not "2035.0"
