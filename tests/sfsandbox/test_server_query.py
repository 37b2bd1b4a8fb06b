"""REST query / queryAll through the unmodified simple-salesforce: paging, relationships, COUNT, deletes, errors."""

from __future__ import annotations

import math
import re

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

CONTACTS = "SELECT Id, LastName FROM Contact ORDER BY Id"
NEXT_URL = re.compile(r"^/services/data/v59\.0/query/01g[A-Za-z0-9]{15}-(\d+)$")


def _count(sf, soql_from: str, include_deleted: bool = False) -> int:
    return sf.query(f"SELECT COUNT() FROM {soql_from}", include_deleted=include_deleted)["totalSize"]


def test_query_all_iter_pages_with_batch_size(sandbox, sf):
    total = _count(sf, "Contact")
    assert total > 1000
    before = sandbox.control.usage()["requests"].get("next_page", 0)
    records = list(sf.query_all_iter(CONTACTS, headers={"Sforce-Query-Options": "batchSize=200"}))
    pages = sandbox.control.usage()["requests"]["next_page"] - before + 1
    assert len(records) == total
    assert len({r["Id"] for r in records}) == total
    assert [r["Id"] for r in records] == sorted(r["Id"] for r in records)
    assert pages == math.ceil(total / 200)


def test_first_page_shape_and_next_records_url(raw):
    page = raw.get("query/", params={"q": CONTACTS}, headers={"Sforce-Query-Options": "batchSize=500"}).json()
    assert set(page) == {"totalSize", "done", "records", "nextRecordsUrl"}
    assert page["done"] is False and len(page["records"]) == 500
    assert NEXT_URL.match(page["nextRecordsUrl"]).group(1) == "500"
    record = page["records"][0]
    assert list(record) == ["attributes", "Id", "LastName"]
    assert record["attributes"] == {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{record['Id']}"}
    second = raw.get(page["nextRecordsUrl"]).json()
    assert second["totalSize"] == page["totalSize"] and len(second["records"]) == 500
    assert second["records"][0]["Id"] > record["Id"]


@pytest.mark.parametrize(("asked", "served"), [(None, 2000), ("batchSize=50", 200), ("batchSize=5000", 2000),
                                               ("batchSize=750", 750)])
def test_batch_size_is_kept_within_200_and_2000(raw, asked, served):
    headers = {"Sforce-Query-Options": asked} if asked else {}
    page = raw.get("query/", params={"q": CONTACTS}, headers=headers).json()
    assert page["totalSize"] > 2000
    assert len(page["records"]) == served


def test_query_all_continuation_keeps_query_all_mode(clean_sandbox):
    sf = clean_sandbox.client()
    last = sf.query("SELECT Id FROM Contact ORDER BY Id DESC LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(last)
    live = list(sf.query_all_iter(CONTACTS, headers={"Sforce-Query-Options": "batchSize=200"}))
    everything = list(sf.query_all_iter("SELECT Id, IsDeleted FROM Contact ORDER BY Id", include_deleted=True,
                                        headers={"Sforce-Query-Options": "batchSize=200"}))
    assert last not in {r["Id"] for r in live}
    assert everything[-1]["Id"] == last and everything[-1]["IsDeleted"] is True  # on the last page, via /query/
    assert len(everything) == len(live) + 1
    assert _count(sf, "Contact WHERE IsDeleted = true") == 0
    assert _count(sf, "Contact WHERE IsDeleted = true", include_deleted=True) == 1


def test_relationship_fields_nest_with_their_own_attributes(sf):
    linked = sf.query("SELECT Id, Account.Name, Account.Type FROM Contact WHERE AccountId != null LIMIT 3")
    for record in linked["records"]:
        assert list(record) == ["attributes", "Id", "Account"]
        assert record["Account"]["attributes"]["type"] == "Account"
        assert set(record["Account"]) == {"attributes", "Name", "Type"}
    unlinked = sf.query("SELECT Id, Account.Name FROM Contact WHERE AccountId = null LIMIT 1")["records"]
    if unlinked:
        assert unlinked[0]["Account"] is None


def test_count_matches_the_records(sf):
    soql_from = "Contact WHERE Contact_Type__c = 'Volunteer'"
    result = sf.query(f"SELECT COUNT() FROM {soql_from}")
    assert result["done"] is True and result["records"] == []
    assert result["totalSize"] == len(sf.query_all(f"SELECT Id FROM {soql_from}")["records"]) > 0


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id FRM Account", "MALFORMED_QUERY"),
    ("SELECT Nope__c FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Accountz", "INVALID_TYPE"),
])
def test_bad_soql_raises_malformed_request(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query(soql)
    assert failure.value.content[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in failure.value.content[0]["message"]


def test_unknown_locator_is_invalid_query_locator(sf, raw):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query_more("01gZZZZZZZZZZZZZZZ-2000")
    assert failure.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    assert raw.get("query/not-a-locator").json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    page = raw.get("query/", params={"q": CONTACTS}).json()
    past_the_end = re.sub(r"-\d+$", f"-{page['totalSize'] + 1}", page["nextRecordsUrl"])
    assert raw.get(past_the_end).status_code == 400


def test_paths_versions_and_encoding_variants(raw):
    plus_encoded = "query?q=SELECT+Id+FROM+Account+LIMIT+1"  # no trailing slash; '+' is a space
    assert raw.get(plus_encoded).json()["totalSize"] == 1
    page = raw.get("query/", params={"q": CONTACTS}).json()
    as_query_all = page["nextRecordsUrl"].replace("/query/", "/queryAll/")
    assert len(raw.get(as_query_all).json()["records"]) > 0
    assert raw.get("/services/data/v47.0/query/", params={"q": "SELECT Id FROM Account LIMIT 1"}).status_code == 200
    assert raw.get("/services/data/v46.0/query/", params={"q": "SELECT Id FROM Account"}).status_code == 404
    assert raw.get("query/").json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_the_client_reuses_one_connection_and_reads_api_usage(sandbox, sf):
    list(sf.query_all_iter(CONTACTS, headers={"Sforce-Query-Options": "batchSize=500"}))
    sf.limits()
    pools = sf.session.get_adapter(sandbox.url).poolmanager.pools  # urllib3's container refuses iteration
    assert [pools[key].num_connections for key in pools.keys()] == [1]  # noqa: SIM118 (one socket for all)
    usage = sf.api_usage["api-usage"]
    assert usage.total == sandbox.control.usage()["daily_limit"] and usage.used > 0
