"""The client against the sandbox org, over HTTPS through the unmodified simple-salesforce: logins, paging,
REST and Bulk 2.0 alike, and every failure mode retried or classified as it should be."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vmsync.config import load_settings
from vmsync.errors import ErrorClass, SyncError
from vmsync.salesforce import RetryPolicy, connect

from ..conftest import environ

FAST = RetryPolicy(attempts=4, total_seconds=30, initial_wait=0.01, max_wait=0.05, jitter=0.01)
CONTACTS = ("SELECT Id, Name, Account.Name, Birthdate, DoNotCall, Number_of_Attended_Volunteer_Sessions__c, "
            "EmailBouncedDate, SystemModstamp, Volunteer_Skills__c, Description FROM Contact ORDER BY Id")
SESSIONS = ("SELECT Id, Name, School__r.Name, Start_Date_and_Time__c, Filled_Volunteer_Jobs__c, IsDeleted "
            "FROM Session__c ORDER BY Id")


def client_for(sandbox, timeout=(5.0, 20.0), **overrides):
    settings = load_settings(environ(sandbox, **overrides), env_file=None)
    return connect(settings, timeout=timeout, retry=FAST, bulk_poll_wait=0.05)


def records(pages) -> list[dict]:
    return [r for page in pages for r in page]


@pytest.fixture(scope="module")
def expected(sandbox):
    """The Contact and Session records as a fault-free REST read gives them."""
    client = client_for(sandbox)
    return {"contacts": records(client.query_pages(CONTACTS)),
            "sessions": records(client.query_pages(SESSIONS, include_deleted=True))}


@pytest.fixture
def faulty(clean_sandbox):
    """The sandbox, reset, for a test that injects faults; and a client of it."""
    return clean_sandbox, client_for(clean_sandbox)


# --- logins ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flow", ["soap", "oauth password", "oauth client credentials", "jwt bearer"])
def test_login_flows_reach_the_same_org(sandbox, flow):
    c = sandbox.connection
    extra = {} if flow == "soap" else {"SF_CONSUMER_KEY": c["consumer_key"], "SF_CONSUMER_SECRET": c["consumer_secret"]}
    if flow == "oauth client credentials":
        extra.update(SF_USERNAME=None, SF_PASSWORD=None)
    if flow == "jwt bearer":
        extra = {"SF_CONSUMER_KEY": c["consumer_key"], "SF_PRIVATE_KEY_FILE": c["private_key_file"],
                 "SF_PASSWORD": None, "SF_SECURITY_TOKEN": None}
    client = client_for(sandbox, **extra)
    assert client.api_calls == 1  # the login
    assert client.org_id.startswith("00D") and len(client.org_id) == 18
    assert client.count("SELECT COUNT() FROM Account") > 0
    assert client.api_calls == 2


@pytest.mark.parametrize(("case", "code"), [("a key the connected app does not hold", "invalid assertion"),
                                             ("a user the app does not know", "hasn't approved this consumer")])
def test_refused_jwt_bearer_login_is_auth_and_not_retried(sandbox, tmp_path, case, code):
    c = sandbox.connection
    key = tmp_path / "other.key"
    key.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    jwt = {"SF_CONSUMER_KEY": c["consumer_key"], "SF_PASSWORD": None,
           "SF_PRIVATE_KEY_FILE": str(key) if case.startswith("a key") else c["private_key_file"]}
    if case.startswith("a user"):
        jwt["SF_USERNAME"] = "someone.else@example.org"
    with pytest.raises(SyncError) as info:
        client_for(sandbox, **jwt)
    assert info.value.error_class is ErrorClass.AUTH
    assert code in str(info.value) and "(after" not in str(info.value)


def test_org_id_matches_the_organization_object(sandbox):
    client = client_for(sandbox)
    [org] = records(client.query_pages("SELECT Id FROM Organization"))
    assert client.org_id == org["Id"]


def test_login_retried_when_the_server_is_unavailable(clean_sandbox):
    clean_sandbox.control.add_fault(kind="login", effect="error", status=503, retry_after=0, times=1)
    client = client_for(clean_sandbox)
    assert client.api_calls == 2 and clean_sandbox.control.usage()["requests"]["login"] == 2


def test_wrong_password_is_auth_and_not_retried(sandbox):
    with pytest.raises(SyncError) as info:
        client_for(sandbox, SF_PASSWORD="not-the-password")
    assert info.value.error_class is ErrorClass.AUTH
    assert "INVALID_LOGIN" in str(info.value) and "(after" not in str(info.value)


def test_untrusted_certificate_is_a_clear_error(sandbox):
    with pytest.raises(SyncError) as info:
        client_for(sandbox, SF_CA_BUNDLE=None)
    assert info.value.error_class is ErrorClass.NETWORK
    assert "not trusted" in str(info.value) and "SF_CA_BUNDLE" in str(info.value)
    assert "(after" not in str(info.value)


def test_certificate_checks_cannot_be_turned_off(sandbox):
    unverified = requests.Session()
    unverified.verify = False
    settings = load_settings(environ(sandbox, SF_CA_BUNDLE=None), env_file=None)
    with pytest.raises(SyncError, match="not trusted"):
        connect(settings, session=unverified, retry=FAST)
    adapter = unverified.get_adapter("https://127.0.0.1")
    with pytest.raises(ValueError, match="cannot be turned off"):
        unverified.get(sandbox.url + "/services/data", verify=False)
    assert adapter.requests_sent == 1


# --- paging ----------------------------------------------------------------------------------------------------

def test_rest_pages_follow_next_records_url_with_small_batches(sandbox, expected):
    client = client_for(sandbox)
    pages = list(client.query_pages(CONTACTS, page_size=200))
    assert len(pages) > 2 and all(0 < len(p) <= 200 for p in pages)
    ids = [r["Id"] for r in records(pages)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == client.count("SELECT COUNT() FROM Contact")
    assert records(pages) == expected["contacts"]


def test_records_are_flat_and_typed(expected):
    contacts = expected["contacts"]
    assert list(contacts[0]) == ["Id", "Name", "Account.Name", "Birthdate", "DoNotCall",
                                 "Number_of_Attended_Volunteer_Sessions__c", "EmailBouncedDate", "SystemModstamp",
                                 "Volunteer_Skills__c", "Description"]
    assert all(isinstance(r["DoNotCall"], bool) for r in contacts)
    assert all(r["SystemModstamp"].tzinfo is UTC for r in contacts)
    assert any(r["Birthdate"] is not None for r in contacts)
    assert all(r["Birthdate"] is None or type(r["Birthdate"]).__name__ == "date" for r in contacts)
    assert all(r["Description"] != "" for r in contacts)


def test_rest_and_bulk_pages_are_equal(sandbox, expected):
    client = client_for(sandbox)
    bulk = list(client.bulk_pages(CONTACTS, max_records=500))
    assert len(bulk) > 1 and all(len(p) <= 500 for p in bulk)
    assert records(bulk) == expected["contacts"]
    assert records(client.bulk_pages(SESSIONS, include_deleted=True)) == expected["sessions"]


def test_api_figures(sandbox):
    client = client_for(sandbox)
    assert client.api_usage() is None  # a login answer carries no Sforce-Limit-Info
    limits = client.limits()
    used, limit = client.api_usage()
    assert limit == limits["DailyApiRequests"]["Max"] and used >= 1
    assert client.api_calls == 2


# --- failures while paging ---------------------------------------------------------------------------------------

def test_expired_session_mid_rest_paging_logs_in_again(faulty, expected):
    sandbox, client = faulty
    session_before = client.sf.session_id
    sandbox.control.add_fault(kind="next_page", effect="error", status=401, nth=2, times=1)
    assert records(client.query_pages(CONTACTS, page_size=500)) == expected["contacts"]
    assert client.sf.session_id != session_before
    assert sandbox.control.usage()["requests"]["login"] == 2


def test_expired_session_mid_bulk_paging_logs_in_again(faulty, expected):
    sandbox, client = faulty
    session_before = client.sf.session_id
    sandbox.control.add_fault(kind="bulk_results", effect="error", status=401, nth=2, times=1)
    assert records(client.bulk_pages(CONTACTS, max_records=500)) == expected["contacts"]
    assert client.sf.session_id != session_before and client.retries == 1


def test_expired_session_while_bulk_job_polls(faulty, expected):
    sandbox, client = faulty
    sandbox.control.add_fault(kind="bulk_poll", effect="error", status=401, times=1)
    assert records(client.bulk_pages(CONTACTS)) == expected["contacts"]


def test_server_unavailable_mid_page_retried_after_retry_after(faulty, expected, caplog):
    sandbox, client = faulty
    sandbox.control.add_fault(kind="next_page", effect="error", status=503, retry_after=1, nth=2, times=1)
    with caplog.at_level(logging.WARNING, logger="vmsync.salesforce"):
        assert records(client.query_pages(CONTACTS, page_size=500)) == expected["contacts"]
    assert client.retries == 1
    assert "HTTP 503 SERVER_UNAVAILABLE" in caplog.text and "retrying in 1.0 s" in caplog.text


@pytest.mark.parametrize("kind", ["next_page", "bulk_results"])
@pytest.mark.parametrize("effect", [{"effect": "drop"}, {"effect": "drop", "at": "start"}, {"effect": "truncate"}])
def test_broken_page_retried_with_nothing_lost_or_repeated(faulty, expected, kind, effect):
    sandbox, client = faulty
    sandbox.control.add_fault(kind=kind, nth=2, times=1, **effect)
    pages = client.query_pages(CONTACTS, page_size=500) if kind == "next_page" else \
        client.bulk_pages(CONTACTS, max_records=500)
    assert records(pages) == expected["contacts"]
    assert client.retries == 1
    [rule] = sandbox.control.faults()
    assert rule["fired"] == 1


def test_slow_answer_times_out_and_is_retried(clean_sandbox, expected):
    client = client_for(clean_sandbox, timeout=(5.0, 0.5))
    clean_sandbox.control.add_fault(kind="query", effect="delay", seconds=1.5, times=1)
    assert records(client.query_pages(CONTACTS)) == expected["contacts"]
    assert client.retries == 1


def test_persistent_outage_gives_up_within_the_bound(faulty):
    sandbox, client = faulty
    sandbox.control.add_fault(kind="query", effect="error", status=500)
    calls_before = client.api_calls
    with pytest.raises(SyncError) as info:
        list(client.query_pages(CONTACTS))
    assert info.value.error_class is ErrorClass.NETWORK
    assert client.api_calls - calls_before == FAST.attempts
    assert f"(after {FAST.attempts} attempts)" in str(info.value)


def test_exhausted_quota_is_rate_limit_without_retries(faulty):
    sandbox, client = faulty
    sandbox.control.set_limit(daily=1000, used=1000)
    calls_before = client.api_calls
    with pytest.raises(SyncError) as info:
        list(client.query_pages(CONTACTS))
    assert info.value.error_class is ErrorClass.RATE_LIMIT
    assert "REQUEST_LIMIT_EXCEEDED" in str(info.value)
    assert client.api_calls - calls_before == 1


@pytest.mark.parametrize("pages", ["query_pages", "bulk_pages"])
def test_bad_query_is_validation_without_retries(sandbox, pages):
    client = client_for(sandbox)
    calls_before = client.api_calls
    with pytest.raises(SyncError) as info:
        list(getattr(client, pages)("SELECT Id, Nope__c FROM Contact"))
    assert info.value.error_class is ErrorClass.VALIDATION
    assert "INVALID_FIELD" in str(info.value)
    assert client.api_calls - calls_before == 1


def test_unstreamable_select_refused_before_any_request(sandbox):
    client = client_for(sandbox)
    with pytest.raises(SyncError) as info:
        next(client.query_pages("SELECT COUNT() FROM Contact"))
    assert info.value.error_class is ErrorClass.VALIDATION and client.api_calls == 1


# --- replication windows ---------------------------------------------------------------------------------------

def delete_one_contact(sandbox, client) -> str:
    """Delete a contact, then let two minutes pass on the org's clock: getDeleted covers whole past minutes."""
    [victim] = records(client.query_pages("SELECT Id FROM Contact ORDER BY Id LIMIT 1"))
    sandbox.control.freeze()
    client.sf.Contact.delete(victim["Id"])
    sandbox.control.advance(120)
    return victim["Id"]


def test_deleted_records_reported_and_window_clamped(faulty):
    sandbox, client = faulty
    victim = delete_one_contact(sandbox, client)
    now = datetime.now(UTC)
    result = client.deleted("Contact", now - timedelta(days=60), now + timedelta(minutes=5))
    assert victim in [d.id for d in result.records]
    assert result.earliest_date_available > now - timedelta(days=16)
    assert result.latest_date_covered <= now + timedelta(minutes=3)
    [deleted] = records(client.query_pages(f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{victim}'",
                                           include_deleted=True))
    assert deleted["IsDeleted"] is True


def test_deleted_window_split_when_too_many_ids(faulty):
    sandbox, client = faulty
    victim = delete_one_contact(sandbox, client)
    sandbox.control.add_fault(kind="get_deleted", effect="error", status=400, error_code="EXCEEDED_ID_LIMIT",
                              times=1)
    now = datetime.now(UTC)
    result = client.deleted("Contact", now - timedelta(days=1), now + timedelta(minutes=5))
    assert [d.id for d in result.records] == [victim]
    assert sandbox.control.usage()["requests"]["get_deleted"] == 3


def test_updated_ids(sandbox):
    client = client_for(sandbox)
    now = datetime.now(UTC)
    result = client.updated("Contact", now - timedelta(days=40), now)
    assert isinstance(result.ids, list) and result.latest_date_covered is not None
    with pytest.raises(ValueError, match="aware"):
        client.updated("Contact", datetime(2024, 1, 1), now)


def test_an_unreachable_host_is_retried_with_one_short_line_per_attempt(caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = load_settings({"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw-long-enough",
                              "SF_LOGIN_URL": f"https://127.0.0.1:{port}"}, env_file=None)
    with caplog.at_level(logging.DEBUG), pytest.raises(SyncError) as info:
        connect(settings, retry=FAST)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["vmsync.salesforce"] * (FAST.attempts - 1), "no library warnings"
    for number, record in enumerate(warnings, start=1):
        line = record.getMessage()
        assert f"cannot reach 127.0.0.1:{port}: connection refused" in line and "\n" not in line
        assert f"(attempt {number} of {FAST.attempts}); retrying in" in line
        assert "HTTPSConnectionPool" not in line and "Max retries" not in line
    assert info.value.error_class is ErrorClass.NETWORK
    assert f"cannot reach 127.0.0.1:{port}: connection refused" in str(info.value)
