"""Error classes every failure is sorted into, and which failures are worth another try.

A step reports its failure by class (AUTH, RATE_LIMIT, ...), so a reader of a run knows at a glance whether
to fix a password, wait for the API quota, or look at a query. ``classify`` maps what simple-salesforce,
requests and SQLAlchemy raise to those classes; ``is_transient`` says whether trying again can help.
``UsageError`` is the other kind: bad input a command refuses before it writes anything.
"""

from __future__ import annotations

import http.client
import sqlite3
import sys
from enum import StrEnum

import requests
import urllib3.exceptions
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceOperationError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .config import ConfigError


class ErrorClass(StrEnum):
    AUTH = "AUTH"
    RATE_LIMIT = "RATE_LIMIT"
    NETWORK = "NETWORK"
    DATABASE = "DATABASE"
    VALIDATION = "VALIDATION"
    TIMEOUT = "TIMEOUT"
    UNKNOWN = "UNKNOWN"


class SyncError(Exception):
    """A failure vmsync gave up on, with its class; the original exception is its ``__cause__``."""

    def __init__(self, error_class: ErrorClass, message: str):
        super().__init__(message)
        self.error_class = error_class
        self.message = message

    def __str__(self) -> str:
        return f"{self.error_class}: {self.message}"


class UsageError(Exception):
    """Bad input found before anything was written: the command exits 2 with this message."""


class IncompleteResponse(Exception):
    """A response that arrived whole by HTTP's account but not by its own (fewer rows than it announced)."""


SERVER_SIDE_LOGIN_CODES = frozenset({"SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"})
RATE_LIMIT_MARKERS = ("REQUEST_LIMIT_EXCEEDED", "per 24 hrs", "Limit exceeded")


def error_code(exc: BaseException) -> str | None:
    """The Salesforce ``errorCode`` of an API error (from its JSON body), or the code of a failed login."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        return None if exc.code is None else str(exc.code)
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        code = content[0].get("errorCode")
        return str(code) if code is not None else None
    if isinstance(content, dict):
        code = content.get("errorCode") or content.get("error")
        return str(code) if code is not None else None
    return None


def _login_failed_on_server(exc: SalesforceAuthenticationFailed) -> bool:
    """A login that failed because the server broke, not because the credentials are wrong."""
    code = exc.code
    if isinstance(code, int):
        return code >= 500
    return code in SERVER_SIDE_LOGIN_CODES


def classify(exc: BaseException) -> ErrorClass:
    """The class of a failure (an already classified ``SyncError`` keeps its own)."""
    if isinstance(exc, SyncError):
        return exc.error_class
    if isinstance(exc, ConfigError):
        return ErrorClass.VALIDATION
    if isinstance(exc, SalesforceError):
        return _classify_salesforce(exc)
    if isinstance(exc, SalesforceOperationError):
        text = str(exc)
        if "Job timeout" in text:
            return ErrorClass.TIMEOUT
        if any(marker in text for marker in RATE_LIMIT_MARKERS):
            return ErrorClass.RATE_LIMIT
        return ErrorClass.UNKNOWN
    if isinstance(exc, requests.Timeout | TimeoutError):
        return ErrorClass.TIMEOUT
    if isinstance(exc, requests.RequestException | IncompleteResponse | urllib3.exceptions.HTTPError
                  | http.client.HTTPException | ConnectionError):
        return ErrorClass.NETWORK
    if isinstance(exc, SQLAlchemyError | sqlite3.Error) or _is_psycopg_error(exc):
        return ErrorClass.DATABASE
    return ErrorClass.UNKNOWN


def _is_psycopg_error(exc: BaseException) -> bool:
    """A psycopg error, asked without importing psycopg: a process that never loaded it has none to raise."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


def _classify_salesforce(exc: SalesforceError) -> ErrorClass:
    code = error_code(exc)
    if isinstance(exc, SalesforceAuthenticationFailed):
        if code == "REQUEST_LIMIT_EXCEEDED":
            return ErrorClass.RATE_LIMIT
        return ErrorClass.NETWORK if _login_failed_on_server(exc) else ErrorClass.AUTH
    if isinstance(exc, SalesforceExpiredSession):
        return ErrorClass.AUTH
    if isinstance(exc, SalesforceRefusedRequest):
        return ErrorClass.RATE_LIMIT if code == "REQUEST_LIMIT_EXCEEDED" else ErrorClass.AUTH
    if isinstance(exc, SalesforceMalformedRequest):
        return ErrorClass.TIMEOUT if code == "QUERY_TIMEOUT" else ErrorClass.VALIDATION
    if isinstance(exc, SalesforceResourceNotFound | SalesforceMoreThanOneRecord):
        return ErrorClass.VALIDATION
    if isinstance(exc, SalesforceGeneralError):
        if exc.status >= 500:
            return ErrorClass.NETWORK  # an outage or overload: transient, the network's kind of trouble
        if exc.status == 429:
            return ErrorClass.RATE_LIMIT
        if exc.status in (414, 431):
            return ErrorClass.VALIDATION  # the query is too long for a URL
    return ErrorClass.UNKNOWN


def is_transient(exc: BaseException) -> bool:
    """True when the same request may well succeed if sent again (after a pause or a new login).

    Server errors (5xx, 429), dropped or reset connections, timeouts, truncated bodies and expired sessions
    are; bad queries, bad credentials, an untrusted certificate and an exhausted API quota are not.
    """
    if isinstance(exc, SyncError):
        return False
    if isinstance(exc, SalesforceExpiredSession):
        return True
    if isinstance(exc, SalesforceAuthenticationFailed):
        return _login_failed_on_server(exc)
    if isinstance(exc, SalesforceGeneralError):
        return exc.status >= 500 or exc.status == 429
    if isinstance(exc, SalesforceMalformedRequest):
        return error_code(exc) == "QUERY_TIMEOUT"
    if isinstance(exc, SalesforceError):
        return False
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.Timeout | requests.ConnectionError | requests.exceptions.ChunkedEncodingError
                  | requests.exceptions.ContentDecodingError | requests.exceptions.JSONDecodeError
                  | IncompleteResponse | urllib3.exceptions.ProtocolError | http.client.IncompleteRead
                  | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return False


def as_sync_error(exc: BaseException, doing: str) -> SyncError:
    """``exc`` as a ``SyncError`` whose message says what was being done (raise it ``from exc``)."""
    if isinstance(exc, SyncError):
        return exc
    error_class = classify(exc)
    return SyncError(error_class, f"{doing} failed: {describe(exc)}")


def describe(exc: BaseException) -> str:
    """A one-line account of ``exc`` that a reader can act on."""
    if isinstance(exc, requests.exceptions.SSLError):
        return ("the server's TLS certificate is not trusted (certificate verify failed): set SF_CA_BUNDLE "
                "to the CA bundle that signed it")
    if isinstance(exc, SalesforceAuthenticationFailed):
        return str(exc)
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return _unreachable(exc)
    code = error_code(exc)
    if isinstance(exc, SalesforceError):
        content = exc.content
        message = content[0].get("message") if isinstance(content, list) and content and \
            isinstance(content[0], dict) else str(content)[:300]
        return f"HTTP {exc.status} {code or type(exc).__name__}: {message}"
    return f"{type(exc).__name__}: {exc}"


_CONNECTION_SIGNS = (  # what the chain of causes says -> the short reason shown
    (("NameResolutionError", "Name or service not known", "nodename nor servname", "name resolution",
      "No address associated"), "no such host (the name does not resolve)"),
    (("Connection refused",), "connection refused (nothing listens on that port)"),
    (("ConnectTimeout", "connect timeout"), "no answer to the connection (connect timeout)"),
    (("ReadTimeout", "Read timed out", "read timeout"), "no answer in time (read timeout)"),
    (("Network is unreachable", "No route to host"), "the network cannot reach it"),
    (("Connection reset", "RemoteDisconnected", "Connection aborted"), "the connection was cut"),
)


def _unreachable(exc: BaseException) -> str:
    """One short line for a connection that failed: where to, and why, without urllib3's pool details."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None) or ""
    host = url.split("/")[2] if url.count("/") >= 2 else "the server"
    text, cause = "", exc
    while cause is not None:
        text += f" {type(cause).__name__} {cause}"
        cause = cause.__cause__ or cause.__context__
    for signs, reason in _CONNECTION_SIGNS:
        if any(sign in text for sign in signs):
            return f"cannot reach {host}: {reason}"
    return f"cannot reach {host}: {type(exc).__name__}"
