"""The HTTP layer under simple-salesforce: TLS always verified, a timeout on every request, and a meter.

simple-salesforce sets no timeout and does not count requests; its own ``SFType`` calls take no request
options at all. So both live in a transport adapter mounted on the session it is given: every request it
sends (logins, REST, Bulk 2.0, retries) passes through ``MeteredAdapter.send``.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

Timeout = tuple[float, float]  # (connect, read) seconds
DEFAULT_TIMEOUT: Timeout = (10.0, 120.0)


class MeteredAdapter(HTTPAdapter):
    """Sends with a default timeout, refuses unverified TLS, and remembers what the last answer said.

    One adapter serves one client; the client is not meant to be shared between threads.
    """

    def __init__(self, timeout: Timeout = DEFAULT_TIMEOUT):
        super().__init__()
        self.timeout = timeout
        self.requests_sent = 0
        self.retry_after: float | None = None  # seconds the last answer asked us to wait, if it did
        self.server_time: datetime | None = None  # the server's clock, from the last Date header
        self.limit_info: str | None = None  # the last Sforce-Limit-Info header of a successful answer

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if verify is False:
            raise ValueError("TLS verification cannot be turned off for Salesforce: give SF_CA_BUNDLE instead")
        self.requests_sent += 1
        self.retry_after = None
        response = super().send(request, stream=stream, timeout=timeout if timeout is not None else self.timeout,
                                verify=verify, cert=cert, proxies=proxies)
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        self.server_time = parse_http_date(response.headers.get("Date")) or self.server_time
        limit_info = response.headers.get("Sforce-Limit-Info")
        if limit_info and response.status_code < 300:
            self.limit_info = limit_info
        return response

    def api_usage(self) -> tuple[int, int] | None:
        """(used, max) daily API requests from the last ``Sforce-Limit-Info`` header, if one was seen."""
        if not self.limit_info:
            return None
        usage = Salesforce.parse_api_usage(self.limit_info).get("api-usage")
        return (usage.used, usage.total) if usage else None


def metered_session(ca_bundle: Path | None, timeout: Timeout = DEFAULT_TIMEOUT,
                    session: requests.Session | None = None) -> tuple[requests.Session, MeteredAdapter]:
    """``session`` (or a new one) set up for Salesforce: verified TLS and the meter on ``https://``.

    With a CA bundle, ``trust_env`` is switched off, because ``REQUESTS_CA_BUNDLE`` in the environment
    would otherwise silently replace it (docs/salesforce.md#tls); without one the default CA store is used.
    """
    session = session or requests.Session()
    if ca_bundle is not None:
        session.verify = str(ca_bundle)
        session.trust_env = False
    elif session.verify is False:
        session.verify = True
    adapter = MeteredAdapter(timeout)
    session.mount("https://", adapter)
    return session, adapter


def parse_retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
