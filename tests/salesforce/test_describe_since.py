"""The describe is asked for again only when the object's fields changed (If-Modified-Since, 304)."""

from __future__ import annotations

from .test_client_sandbox import client_for


def test_a_describe_kept_is_given_back_until_the_fields_change(clean_sandbox):
    client = client_for(clean_sandbox)
    first = client.describe_since("Account", None)
    assert first["lastModified"] and "Type" in {f["name"] for f in first["fields"]}

    assert client.describe_since("Account", first) is first  # 304: nothing sent but the question

    clean_sandbox.control.advance(60)
    clean_sandbox.control.change_field("Account", "Type", "remove")
    changed = client.describe_since("Account", first)
    assert changed is not first and "Type" not in {f["name"] for f in changed["fields"]}
    assert changed["lastModified"] != first["lastModified"]


def test_records_are_typed_by_the_describe_asked_for(clean_sandbox):
    client = client_for(clean_sandbox)
    clean_sandbox.control.change_field("Class__c", "Class_Year_Number__c", "retype", type="string")
    client.describe_since("Class__c", None)
    page = next(client.query_pages("SELECT Id, Class_Year_Number__c FROM Class__c WHERE "
                                   "Class_Year_Number__c != null"))
    assert all(isinstance(r["Class_Year_Number__c"], str) for r in page)


def test_a_describe_not_to_be_asked_for_is_taken_as_kept(clean_sandbox):
    client = client_for(clean_sandbox)
    first = client.describe_since("Account", None)
    calls = client.api_calls
    assert client.describe_since("Account", first, ask=False) is first
    assert client.api_calls == calls
