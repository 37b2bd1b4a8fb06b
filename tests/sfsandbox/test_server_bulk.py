"""Bulk API 2.0 query jobs driven by ``sf.bulk2`` and by hand: same rows as REST, paging headers, job states."""

from __future__ import annotations

import csv
import io
import math

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError

SOQL = "SELECT Id, LastName, Birthdate, DoNotCall, Account.Name FROM Contact ORDER BY Id"


def _rows(page: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(page)))


def _as_csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_bulk2_query_returns_the_same_rows_as_rest(sf):
    rest = sf.query_all(SOQL)["records"]
    pages = list(sf.bulk2.Contact.query(SOQL, max_records=1000, wait=0))
    assert len(pages) == math.ceil(len(rest) / 1000)
    assert all(p.startswith('"Id","LastName","Birthdate","DoNotCall","Account.Name"\n') for p in pages)
    bulk = [row for page in pages for row in _rows(page)]
    expected = [
        {"Id": r["Id"], "LastName": r["LastName"], "Birthdate": _as_csv(r["Birthdate"]),
         "DoNotCall": _as_csv(r["DoNotCall"]), "Account.Name": _as_csv(r["Account"] and r["Account"]["Name"])}
        for r in rest
    ]
    assert bulk == expected


def test_bulk2_query_all_includes_deleted_rows(clean_sandbox):
    sf = clean_sandbox.client()
    victim = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(victim)
    soql = "SELECT Id, IsDeleted FROM Contact"
    live = {r["Id"] for page in sf.bulk2.Contact.query(soql, wait=0) for r in _rows(page)}
    everything = {r["Id"]: r["IsDeleted"] for page in sf.bulk2.Contact.query_all(soql, wait=0) for r in _rows(page)}
    assert victim not in live
    assert everything[victim] == "true" and len(everything) == len(live) + 1


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id FROM Contact OFFSET 10", "API_ERROR"),
    ("SELECT COUNT() FROM Contact", "API_ERROR"),
    ("SELECT Id FRM Contact", "MALFORMED_QUERY"),
    ("SELECT Nope__c FROM Contact", "INVALID_FIELD"),
])
def test_bulk2_refuses_bad_soql_when_the_job_is_created(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        list(sf.bulk2.Contact.query(soql, wait=0))
    assert failure.value.content[0]["errorCode"] == code


def _create(raw, soql: str, **extra) -> dict:
    response = raw.request("POST", "jobs/query", json={"operation": "query", "query": soql, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_job_states_and_result_pages_by_hand(raw):
    job = _create(raw, "SELECT Id FROM Account ORDER BY Id")
    assert job["state"] == "UploadComplete" and job["id"].startswith("750") and job["object"] == "Account"
    early = raw.get(f"jobs/query/{job['id']}/results")
    assert early.status_code == 400 and early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
    states = [raw.get(f"jobs/query/{job['id']}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "JobComplete", "JobComplete"]
    total = raw.get(f"jobs/query/{job['id']}").json()["numberRecordsProcessed"]
    assert total > 100

    seen, locator, pages = [], None, 0
    while locator != "null" and pages < 100:
        params = {"maxRecords": 100, **({"locator": locator} if locator else {})}
        page = raw.get(f"jobs/query/{job['id']}/results", params=params)
        assert page.headers["Content-Type"].startswith("text/csv")
        rows = _rows(page.text)
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(rows)
        seen += [r["Id"] for r in rows]
        locator, pages = page.headers["Sforce-Locator"], pages + 1
    assert len(seen) == total == len(set(seen)) and pages == math.ceil(total / 100)
    bad = raw.get(f"jobs/query/{job['id']}/results", params={"locator": "not*base64"})
    assert bad.status_code == 400


def test_jobs_can_be_aborted_listed_and_deleted(raw):
    job = _create(raw, "SELECT Id FROM Account")
    aborted = raw.request("PATCH", f"jobs/query/{job['id']}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    assert raw.request("PATCH", f"jobs/query/{job['id']}", json={"state": "Aborted"}).status_code == 400
    assert job["id"] in {j["id"] for j in raw.get("jobs/query").json()["records"]}
    assert raw.request("DELETE", f"jobs/query/{job['id']}").status_code == 204
    assert raw.get(f"jobs/query/{job['id']}").status_code == 404


def test_other_delimiters_and_line_endings(raw):
    job = _create(raw, "SELECT Id, Name FROM Account ORDER BY Id LIMIT 3", columnDelimiter="TAB", lineEnding="CRLF")
    for _ in range(2):
        raw.get(f"jobs/query/{job['id']}")
    text = raw.get(f"jobs/query/{job['id']}/results").text
    lines = text.split("\r\n")
    assert lines[0] == '"Id"\t"Name"' and len(lines) == 5 and lines[-1] == ""
    refused = raw.request("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account",
                                                      "columnDelimiter": "SPACE"})
    assert refused.status_code == 400


def test_a_failed_job_raises_operation_error(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.add_fault({"kind": "bulk_poll", "effect": "fail_job", "message": "InternalServerError"})
    with pytest.raises(SalesforceOperationError, match="InternalServerError"):
        list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=0))
