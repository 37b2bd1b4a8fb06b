"""Retry rules and login arguments, checked without a server: the functions retried here raise the very
exceptions simple-salesforce raises."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from vmsync.config import load_settings
from vmsync.errors import ErrorClass, SyncError
from vmsync.salesforce import RetryPolicy, call_with_retries, login_arguments, login_domain
from vmsync.salesforce.transport import parse_retry_after

FAST = RetryPolicy(attempts=4, total_seconds=30, initial_wait=0.001, max_wait=0.01, jitter=0.001)
URL = "https://127.0.0.1:8443/services/data/v59.0/query/"


def failing(*errors, result="ok"):
    """A function that raises ``errors`` in turn, then returns ``result``; ``calls`` counts its calls."""
    remaining = list(errors)

    def fn():
        fn.calls += 1
        if remaining:
            raise remaining.pop(0)
        return result
    fn.calls = 0
    return fn


def unavailable():
    return SalesforceGeneralError(URL, 503, "query", [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}])


def test_transient_failures_retried_until_success():
    fn = failing(unavailable(), ConnectionResetError(104, "reset"))
    retried = []
    assert call_with_retries(fn, doing="query", policy=FAST, on_retry=retried.append) == "ok"
    assert fn.calls == 3 and len(retried) == 2


def test_attempts_are_bounded_and_the_last_failure_is_classified():
    fn = failing(*[unavailable() for _ in range(10)])
    with pytest.raises(SyncError) as info:
        call_with_retries(fn, doing="query page 2", policy=FAST)
    assert fn.calls == 4
    assert info.value.error_class is ErrorClass.NETWORK
    assert "query page 2 (after 4 attempts) failed: HTTP 503 SERVER_UNAVAILABLE" in str(info.value)
    assert isinstance(info.value.__cause__, SalesforceGeneralError)


@pytest.mark.parametrize("error, error_class", [
    (SalesforceRefusedRequest(URL, 403, "q", [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "Total"}]),
     ErrorClass.RATE_LIMIT),
    (SalesforceMalformedRequest(URL, 400, "q", [{"errorCode": "MALFORMED_QUERY", "message": "FRM"}]),
     ErrorClass.VALIDATION),
    (SalesforceAuthenticationFailed("INVALID_LOGIN", "bad password"), ErrorClass.AUTH),
])
def test_permanent_failures_raised_at_once(error, error_class):
    fn = failing(error)
    with pytest.raises(SyncError) as info:
        call_with_retries(fn, doing="query", policy=FAST)
    assert fn.calls == 1 and info.value.error_class is error_class


def test_expired_session_logs_in_again_before_the_retry():
    events = []
    expired = SalesforceExpiredSession(URL, 401, "q", [{"errorCode": "INVALID_SESSION_ID", "message": "x"}])
    fn = failing(expired)

    def relogin():
        events.append("login")

    def call():
        events.append("call")
        return fn()

    assert call_with_retries(call, doing="bulk page", policy=FAST, relogin=relogin) == "ok"
    assert events == ["call", "login", "call"]


def test_expired_session_without_a_way_to_log_in_is_final():
    fn = failing(SalesforceExpiredSession(URL, 401, "q", [{"errorCode": "INVALID_SESSION_ID", "message": "x"}]))
    with pytest.raises(SyncError) as info:
        call_with_retries(fn, doing="query", policy=FAST)
    assert fn.calls == 1 and info.value.error_class is ErrorClass.AUTH


def test_retry_after_is_honoured_and_bounded_by_total_time(caplog):
    policy = RetryPolicy(attempts=5, total_seconds=5, initial_wait=0.001, max_wait=0.001, jitter=0)
    fn = failing(unavailable(), unavailable())
    with pytest.raises(SyncError):  # the server asks for more time than the whole budget: give up at once
        call_with_retries(fn, doing="query", policy=policy, retry_after=lambda: 60.0)
    assert fn.calls == 1
    fn = failing(unavailable())
    assert call_with_retries(fn, doing="query", policy=policy, retry_after=lambda: 0.2) == "ok"
    assert "retrying in 0.2 s" in caplog.text


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 30


@pytest.mark.parametrize("url, path, domain", [
    ("https://login.salesforce.com", "/services/Soap/u/59.0", "login"),
    ("https://test.salesforce.com", "/services/Soap/u/59.0", "test"),
    ("https://acme.my.salesforce.com", "/services/oauth2/token", "acme.my"),
    ("https://127.0.0.1:8443", "/services/Soap/u/59.0", "127.0.0.1:8443/services/Soap/u/59.0#"),
    ("https://localhost:9443", "/services/oauth2/token", "localhost:9443/services/oauth2/token#"),
])
def test_login_domain(url, path, domain):
    assert login_domain(url, path) == domain
    # what simple-salesforce builds from it, minus the fragment, is the login URL itself
    assert f"https://{domain}.salesforce.com{path}".split("#")[0] == f"{url}{path}"


def settings(**extra):
    base = {"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw", "SF_SECURITY_TOKEN": "TOK",
            "SF_LOGIN_URL": "https://127.0.0.1:8443"}
    return load_settings({**base, **extra}, env_file=None)


def test_login_arguments_per_flow(tmp_path):
    soap = login_arguments(settings())
    assert soap == {"username": "u@x.org", "password": "pw", "security_token": "TOK",
                    "domain": "127.0.0.1:8443/services/Soap/u/64.0#"}
    oauth = login_arguments(settings(SF_CONSUMER_KEY="ck", SF_CONSUMER_SECRET="cs"))
    assert oauth == {"username": "u@x.org", "password": "pwTOK", "consumer_key": "ck", "consumer_secret": "cs",
                     "domain": "127.0.0.1:8443/services/oauth2/token#"}
    client_credentials = login_arguments(settings(SF_USERNAME="", SF_CONSUMER_KEY="ck", SF_CONSUMER_SECRET="cs"))
    assert set(client_credentials) == {"consumer_key", "consumer_secret", "domain"}
    with pytest.raises(SyncError, match="My Domain"):
        login_arguments(settings(SF_USERNAME="", SF_CONSUMER_KEY="ck", SF_CONSUMER_SECRET="cs",
                                 SF_LOGIN_URL="https://login.salesforce.com"))
    key = tmp_path / "consumer.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
    jwt = login_arguments(settings(SF_PASSWORD="", SF_CONSUMER_KEY="ck", SF_PRIVATE_KEY_FILE=str(key)))
    assert jwt == {"username": "u@x.org", "consumer_key": "ck", "privatekey_file": str(key),
                   "domain": "127.0.0.1:8443/services/oauth2/token#"}
    with pytest.raises(SyncError, match="SF_USERNAME and SF_PASSWORD are needed"):
        login_arguments(load_settings({}, env_file=None, need_salesforce=False))
