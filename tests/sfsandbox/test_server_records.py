"""Describe, sObject create / update / delete, getUpdated / getDeleted, limits and error routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sfsandbox import schema

FROZEN = datetime(2026, 3, 2, 12, 30, 45, tzinfo=UTC)


def test_describe_global_lists_every_schema_object(sf):
    described = sf.describe()
    assert described["encoding"] == "UTF-8"
    by_name = {o["name"]: o for o in described["sobjects"]}
    assert set(by_name) == {o.name for o in schema.OBJECTS}
    assert by_name["Contact"]["keyPrefix"] == "003"
    assert by_name["Contact"]["urls"]["describe"] == "/services/data/v59.0/sobjects/Contact/describe"


def test_describe_object_follows_the_schema(sf):
    described = sf.npe5__Affiliation__c.describe()
    fields = {f["name"]: f for f in described["fields"]}
    obj = schema.sobject("npe5__Affiliation__c")
    assert list(fields) == [f.name for f in obj.fields]
    org = fields["npe5__Organization__c"]
    assert (org["type"], org["soapType"], org["referenceTo"], org["relationshipName"]) == \
        ("reference", "tns:ID", ["Account"], "npe5__Organization__r")
    assert org["custom"] is True and org["calculated"] is False and org["createable"] is True
    status = fields["npe5__Status__c"]
    assert [p["value"] for p in status["picklistValues"]] == ["Current", "Former"]
    assert fields["SystemModstamp"]["createable"] is False and fields["SystemModstamp"]["nillable"] is False
    contact = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert contact["Name"]["calculated"] is True and contact["Name"]["updateable"] is False
    assert contact["MailingAddress"]["type"] == "address" and contact["MailingCity"]["compoundFieldName"] == \
        "MailingAddress"
    assert sf.Contact.metadata()["objectDescribe"]["name"] == "Contact"


def test_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as failure:
        sf.Nothing__c.describe()
    assert failure.value.content == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_create_update_delete_move_system_modstamp_under_a_frozen_clock(clean_sandbox):
    sf, control = clean_sandbox.client(), clean_sandbox.control
    control.freeze(FROZEN)
    created = sf.Account.create({"Name": "Kansas City Robotics", "Type": "Business"})
    assert created["success"] is True and created["errors"] == [] and created["id"].startswith("001")
    record = sf.Account.get(created["id"])
    assert record["SystemModstamp"] == record["CreatedDate"] == "2026-03-02T12:30:45.000+0000"

    control.advance(90)
    assert sf.Account.update(created["id"], {"Name": "KC Robotics"}) == 204
    updated = sf.Account.get(created["id"])
    assert updated["Name"] == "KC Robotics"
    assert updated["SystemModstamp"] == updated["LastModifiedDate"] == "2026-03-02T12:32:15.000+0000"
    assert updated["CreatedDate"] == "2026-03-02T12:30:45.000+0000"

    control.advance(60)
    assert sf.Account.delete(created["id"]) == 204
    gone = sf.query_all(f"SELECT Id, IsDeleted, SystemModstamp FROM Account WHERE Id = '{created['id']}'",
                        include_deleted=True)["records"]
    assert gone[0]["IsDeleted"] is True and gone[0]["SystemModstamp"] == "2026-03-02T12:33:15.000+0000"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_get_updated_and_get_deleted_report_the_window(clean_sandbox):
    sf, control = clean_sandbox.client(), clean_sandbox.control
    control.freeze(FROZEN)
    first = sf.Account.create({"Name": "First"})["id"]
    control.advance(120)
    second = sf.Account.create({"Name": "Second"})["id"]
    control.advance(120)
    sf.Account.delete(first)
    control.advance(120)

    updated = sf.Account.updated(FROZEN - timedelta(minutes=1), FROZEN + timedelta(minutes=3))
    assert second in updated["ids"] and first not in updated["ids"]  # getUpdated lists live records only
    assert updated["latestDateCovered"] == "2026-03-02T12:33:00.000+0000"
    deleted = sf.Account.deleted(FROZEN - timedelta(minutes=1), FROZEN + timedelta(minutes=10))
    assert {"id": first, "deletedDate": "2026-03-02T12:34:45.000+0000"} in deleted["deletedRecords"]
    assert second not in {d["id"] for d in deleted["deletedRecords"]}
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Account.updated(FROZEN - timedelta(days=40), FROZEN)
    assert failure.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Account.updated(FROZEN.replace(tzinfo=None), FROZEN.replace(tzinfo=None) + timedelta(hours=1))


def test_write_errors_are_salesforce_shaped(sf, raw):
    bad_json = raw.request("POST", "sobjects/Account/", data="{not json")
    assert bad_json.status_code == 400 and bad_json.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    a_list = raw.request("POST", "sobjects/Account/", json=[{"Name": "x"}])
    assert a_list.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Account.create({"Nope__c": 1})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Contact.create({"FirstName": "No last name"})
    assert failure.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_unknown_routes_and_methods(raw):
    for path in ("nothing/here", "/services/apexrest/x", "sobjects/Account/describe/layouts/extra/deep"):
        response = raw.get(path)
        assert response.status_code == 404
        assert response.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
    wrong_method = raw.request("PUT", "limits/")
    assert wrong_method.status_code == 405 and wrong_method.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_limits_and_the_usage_header(sf, raw, sandbox):
    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    assert daily["Max"] == sandbox.control.usage()["daily_limit"]
    assert 0 <= daily["Remaining"] < daily["Max"]
    assert {"DailyBulkV2QueryJobs", "DailyBulkV2QueryFileStorageMB", "DailyBulkApiBatches"} <= set(limits)
    header = raw.get("limits/").headers["Sforce-Limit-Info"]
    used, total = map(int, header.removeprefix("api-usage=").split("/"))
    assert total == daily["Max"] and used == daily["Max"] - daily["Remaining"] + 1
    versions = raw.get("/services/data/")
    assert "Sforce-Limit-Info" not in versions.headers
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions.json()


def test_running_out_of_api_calls_refuses_every_call(clean_sandbox):
    sf, control = clean_sandbox.client(), clean_sandbox.control
    control.set_limit(daily=50, used=48)
    sf.query("SELECT COUNT() FROM Account")
    sf.limits()
    for call in (lambda: sf.query("SELECT Id FROM Account"), sf.limits, sf.Account.describe):
        with pytest.raises(SalesforceRefusedRequest) as failure:
            call()
        assert failure.value.content == [{"message": "TotalRequests Limit exceeded.",
                                          "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert control.usage()["api_calls_used"] == 50
    control.advance(24 * 3600 + 3600)  # the rolling day has passed: the budget is back
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_a_handler_bug_is_a_logged_500_with_the_error_list(raw, monkeypatch, caplog):
    from sfsandbox import describe

    def broken(version):
        raise RuntimeError("a bug in describe")

    monkeypatch.setattr(describe, "describe_global", broken)  # the session's server runs in this process
    with caplog.at_level("ERROR", logger="sfsandbox.server"):
        response = raw.get("sobjects")
    assert response.status_code == 500
    assert response.json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert "a bug in describe" in caplog.text
    assert raw.get("limits/").status_code == 200  # the connection and the server carry on
