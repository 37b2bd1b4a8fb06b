"""Every failure lands in its class, and only the ones worth another try are called transient."""

import http.client
import sqlite3

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from vmsync.config import ConfigError
from vmsync.errors import (
    ErrorClass,
    IncompleteResponse,
    SyncError,
    as_sync_error,
    classify,
    error_code,
    is_transient,
)

URL = "https://127.0.0.1:8443/services/data/v59.0/query/"


def api_error(cls, status, code, message="m"):
    return cls(URL, status, "query", [{"message": message, "errorCode": code}])


CASES = [
    # (exception, class, transient)
    (SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid username"), ErrorClass.AUTH, False),
    (SalesforceAuthenticationFailed(503, "<html>down</html>"), ErrorClass.NETWORK, True),
    (SalesforceAuthenticationFailed("SERVER_UNAVAILABLE", "maintenance"), ErrorClass.NETWORK, True),
    (SalesforceAuthenticationFailed("REQUEST_LIMIT_EXCEEDED", "too many logins"), ErrorClass.RATE_LIMIT, False),
    (api_error(SalesforceExpiredSession, 401, "INVALID_SESSION_ID"), ErrorClass.AUTH, True),
    (api_error(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED"), ErrorClass.RATE_LIMIT, False),
    (api_error(SalesforceRefusedRequest, 403, "INSUFFICIENT_ACCESS"), ErrorClass.AUTH, False),
    (api_error(SalesforceMalformedRequest, 400, "QUERY_TIMEOUT"), ErrorClass.TIMEOUT, True),
    (api_error(SalesforceMalformedRequest, 400, "MALFORMED_QUERY"), ErrorClass.VALIDATION, False),
    (api_error(SalesforceMalformedRequest, 400, "INVALID_FIELD"), ErrorClass.VALIDATION, False),
    (api_error(SalesforceResourceNotFound, 404, "NOT_FOUND"), ErrorClass.VALIDATION, False),
    (api_error(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE"), ErrorClass.NETWORK, True),
    (SalesforceGeneralError(URL, 502, "query", "<html>bad gateway</html>"), ErrorClass.NETWORK, True),
    (api_error(SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION"), ErrorClass.NETWORK, True),
    (api_error(SalesforceGeneralError, 429, "TOO_MANY_REQUESTS"), ErrorClass.RATE_LIMIT, True),
    (api_error(SalesforceGeneralError, 414, "URI_TOO_LONG"), ErrorClass.VALIDATION, False),
    (api_error(SalesforceGeneralError, 409, "CONFLICT"), ErrorClass.UNKNOWN, False),
    (SalesforceOperationError("Job failure. Response content: Max bulk v2 query jobs (10000) per 24 hrs "
                              "has been reached"), ErrorClass.RATE_LIMIT, False),
    (SalesforceOperationError("Job timeout. Job status: InProgress"), ErrorClass.TIMEOUT, False),
    (SalesforceOperationError("Job failure. Response content: InvalidBatch"), ErrorClass.UNKNOWN, False),
    (requests.ConnectionError("Connection aborted"), ErrorClass.NETWORK, True),
    (requests.exceptions.ChunkedEncodingError("IncompleteRead"), ErrorClass.NETWORK, True),
    (requests.exceptions.JSONDecodeError("Expecting value", "{", 1), ErrorClass.NETWORK, True),
    (requests.exceptions.SSLError("certificate verify failed"), ErrorClass.NETWORK, False),
    (requests.ReadTimeout("read timed out"), ErrorClass.TIMEOUT, True),
    (requests.ConnectTimeout("connect timed out"), ErrorClass.TIMEOUT, True),
    (http.client.IncompleteRead(b"abc", 10), ErrorClass.NETWORK, True),
    (ConnectionResetError(104, "reset"), ErrorClass.NETWORK, True),
    (IncompleteResponse("12 rows of 20"), ErrorClass.NETWORK, True),
    (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), ErrorClass.DATABASE,
     False),
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")), ErrorClass.DATABASE, False),
    (sqlite3.OperationalError("disk I/O error"), ErrorClass.DATABASE, False),
    (ConfigError(["SF_USERNAME is not set"]), ErrorClass.VALIDATION, False),
    (KeyError("x"), ErrorClass.UNKNOWN, False),
]


@pytest.mark.parametrize("exc, expected_class, transient", CASES, ids=lambda v: type(v).__name__)
def test_classification(exc, expected_class, transient):
    assert classify(exc) is expected_class
    assert is_transient(exc) is transient


def test_disconnected_database_is_transient():
    exc = OperationalError("SELECT 1", {}, sqlite3.OperationalError("gone"), connection_invalidated=True)
    assert classify(exc) is ErrorClass.DATABASE and is_transient(exc)


def test_error_code_read_from_the_body():
    assert error_code(api_error(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED")) == "REQUEST_LIMIT_EXCEEDED"
    assert error_code(SalesforceGeneralError(URL, 503, "q", "<html/>")) is None
    assert error_code(SalesforceAuthenticationFailed("INVALID_LOGIN", "x")) == "INVALID_LOGIN"


def test_sync_error_keeps_its_class_cause_and_says_what_failed():
    cause = api_error(SalesforceMalformedRequest, 400, "MALFORMED_QUERY", "unexpected token: 'FRM'")
    try:
        raise as_sync_error(cause, "query of Contact") from cause
    except SyncError as err:
        assert err.error_class is ErrorClass.VALIDATION
        assert err.__cause__ is cause
        assert str(err) == "VALIDATION: query of Contact failed: HTTP 400 MALFORMED_QUERY: unexpected token: 'FRM'"
        assert classify(err) is ErrorClass.VALIDATION and not is_transient(err)


def test_untrusted_certificate_explained():
    err = as_sync_error(requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"), "login")
    assert "SF_CA_BUNDLE" in str(err) and err.error_class is ErrorClass.NETWORK
