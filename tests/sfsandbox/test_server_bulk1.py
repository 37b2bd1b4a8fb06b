"""Bulk API 1.0 query jobs driven by ``sf.bulk`` and by hand: REST's rows with epoch dates, states, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest

from sfsandbox import async_jobs

SOQL = "SELECT Id, LastName, Birthdate, CreatedDate, DoNotCall, Account.Name, Account.CreatedDate FROM Contact"


def _epoch_ms(value: str | None) -> int | None:
    if value is None:
        return None
    if len(value) == 10:
        return int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() * 1000)
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def _with_epoch_dates(record: dict) -> dict:
    out = dict(record)
    out["Birthdate"], out["CreatedDate"] = _epoch_ms(record["Birthdate"]), _epoch_ms(record["CreatedDate"])
    if record["Account"]:
        out["Account"] = {**record["Account"], "CreatedDate": _epoch_ms(record["Account"]["CreatedDate"])}
    return out


def test_bulk1_query_gives_rest_records_with_epoch_millisecond_dates(sf):
    rest = sf.query_all(SOQL + " ORDER BY Id")["records"]
    bulk = sf.bulk.Contact.query(SOQL + " ORDER BY Id", wait=0)
    assert [dict(r) for r in bulk] == [_with_epoch_dates(r) for r in rest]
    assert any(r["Birthdate"] is not None for r in bulk) and isinstance(bulk[0]["CreatedDate"], int)


def test_bulk1_query_all_includes_deleted_rows(clean_sandbox):
    sf = clean_sandbox.client()
    victim = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(victim)
    live = {r["Id"] for r in sf.bulk.Contact.query("SELECT Id FROM Contact", wait=0)}
    everything = {r["Id"]: r["IsDeleted"] for r in sf.bulk.Contact.query_all("SELECT Id, IsDeleted FROM Contact",
                                                                              wait=0)}
    assert victim not in live and everything[victim] is True and len(everything) == len(live) + 1


def test_bulk1_lazy_results_come_one_list_per_result_file(sf, monkeypatch):
    monkeypatch.setattr(async_jobs, "RESULT_ROWS", 7)
    monkeypatch.setattr("sfsandbox.bulk1.RESULT_ROWS", 7)
    total = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    files = list(sf.bulk.Contact.query("SELECT Id FROM Contact ORDER BY Id", lazy_operation=True, wait=0))
    assert len(files) == -(-total // 7) and [len(f) for f in files[:-1]] == [7] * (len(files) - 1)
    ids = [r["Id"] for f in files for r in f]
    assert ids == sorted(ids) and len(ids) == total


def test_bad_soql_fails_the_batch_with_salesforces_message(sf):
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.bulk.Contact.query("SELECT Nope__c FROM Contact", wait=0)
    assert "InvalidBatch : Failed to process query: INVALID_FIELD" in str(failure.value)


def test_a_query_of_another_object_than_the_jobs_fails_the_batch(sf):
    with pytest.raises(SalesforceGeneralError, match="the job's object is Account"):
        sf.bulk.Account.query("SELECT Id FROM Contact", wait=0)


def _async(raw, method: str, path: str, **kwargs):
    raw.http.headers.pop("Authorization", None)
    return raw.request(method, f"/services/async/59.0/{path}", **kwargs)


def test_job_and_batch_states_by_hand(sf, raw):
    raw.http.headers["X-SFDC-Session"] = sf.session_id
    job = _async(raw, "POST", "job", json={"operation": "query", "object": "account", "contentType": "JSON",
                                           "concurrencyMode": 0})
    assert job.status_code == 201
    info = job.json()
    assert (info["state"], info["object"], info["concurrencyMode"], info["apiVersion"]) == \
           ("Open", "Account", "Parallel", 59.0)
    batch = _async(raw, "POST", f"job/{info['id']}/batch", data="SELECT Id, Name FROM Account").json()
    assert (batch["state"], batch["jobId"]) == ("Queued", info["id"])
    closed = _async(raw, "POST", f"job/{info['id']}", json={"state": "Closed"}).json()
    assert closed["state"] == "Closed" and closed["numberBatchesQueued"] == 1
    late = _async(raw, "POST", f"job/{info['id']}/batch", data="SELECT Id FROM Account")
    assert late.status_code == 400 and late.json()["exceptionCode"] == "InvalidJobState"
    polled = _async(raw, "GET", f"job/{info['id']}/batch/{batch['id']}").json()
    total = sf.query("SELECT COUNT() FROM Account")["totalSize"]
    assert (polled["state"], polled["numberRecordsProcessed"]) == ("Completed", total)
    listed = _async(raw, "GET", f"job/{info['id']}/batch").json()["batchInfo"]
    assert [b["id"] for b in listed] == [batch["id"]]
    assert _async(raw, "GET", f"job/{info['id']}").json()["numberBatchesCompleted"] == 1
    result_ids = _async(raw, "GET", f"job/{info['id']}/batch/{batch['id']}/result").json()
    records = _async(raw, "GET", f"job/{info['id']}/batch/{batch['id']}/result/{result_ids[0]}").json()
    assert len(records) == total and records[0]["attributes"]["type"] == "Account"


@pytest.mark.parametrize(("body", "code"), [
    ({"operation": "insert", "object": "Account", "contentType": "JSON"}, "InvalidJob"),
    ({"operation": "query", "object": "Nope__c", "contentType": "JSON"}, "InvalidJob"),
    ({"operation": "query", "object": "Account", "contentType": "CSV"}, "InvalidJob"),
])
def test_jobs_the_sandbox_does_not_serve_are_refused(sf, raw, body, code):
    raw.http.headers["X-SFDC-Session"] = sf.session_id
    answer = _async(raw, "POST", "job", json=body)
    assert answer.status_code == 400 and answer.json()["exceptionCode"] == code


def test_an_unknown_job_is_invalid_job(sf, raw):
    raw.http.headers["X-SFDC-Session"] = sf.session_id
    answer = _async(raw, "GET", "job/750000000000001AAA")
    assert answer.status_code == 400 and answer.json()["exceptionCode"] == "InvalidJob"


def test_a_bad_session_is_400_invalid_session_id(raw):
    raw.http.headers["X-SFDC-Session"] = "not-a-session"
    answer = _async(raw, "POST", "job", json={"operation": "query", "object": "Account"})
    assert answer.status_code == 400
    assert answer.json() == {"exceptionCode": "InvalidSessionId", "exceptionMessage": "Invalid session id"}


def test_bulk1_calls_count_against_the_api_budget_and_batches_against_the_daily_batches(clean_sandbox):
    sf = clean_sandbox.client()
    before = clean_sandbox.control.usage()
    sf.bulk.Account.query("SELECT Id FROM Account", wait=0)
    after = clean_sandbox.control.usage()
    # create job, add batch, close job, poll batch, result ids, one result
    assert after["api_calls_used"] - before["api_calls_used"] == 6
    assert after["requests"]["bulk1_create"] == 2 and after["requests"]["bulk1_results"] == 2
    assert sf.limits()["DailyBulkApiBatches"] == {"Max": 15_000, "Remaining": 14_999}


def test_fault_rules_apply_to_bulk1_kinds(clean_sandbox):
    sf = clean_sandbox.client()
    clean_sandbox.control.add_fault({"kind": "bulk1_poll", "effect": "fail_job", "message": "InternalServerError : boom"})
    with pytest.raises(SalesforceGeneralError, match="InternalServerError : boom"):
        sf.bulk.Account.query("SELECT Id FROM Account", wait=0)
    clean_sandbox.control.clear_faults()
    clean_sandbox.control.add_fault({"kind": "bulk1_create", "effect": "error", "status": 401, "nth": 1})
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.bulk.Account.query("SELECT Id FROM Account", wait=0)
    assert failure.value.content["exceptionCode"] == "InvalidSessionId"
