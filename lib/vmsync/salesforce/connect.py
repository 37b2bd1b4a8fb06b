"""Logging in to wherever ``SF_LOGIN_URL`` points, through the unmodified simple-salesforce client.

simple-salesforce only ever logs in at ``https://{domain}.salesforce.com/...``. For Salesforce's own hosts
(``login``, ``test``, a My Domain such as ``acme.my``) that is exactly right. For any other host (the sandbox
org), ``login_domain`` uses the fragment trick (docs/salesforce.md#login-url): with the domain
``127.0.0.1:8443/services/oauth2/token#`` the client posts to ``https://127.0.0.1:8443/services/oauth2/token`` and
the rest (``#.salesforce.com/...``) is a fragment, never sent. The client keeps its own re-login.
"""

from __future__ import annotations

import warnings

import requests
from simple_salesforce import Salesforce

from ..config import Settings
from ..errors import ErrorClass, SyncError
from .client import SalesforceClient
from .retry import RetryPolicy, call_with_retries
from .transport import DEFAULT_TIMEOUT, Timeout, metered_session

SALESFORCE_SUFFIX = ".salesforce.com"


def login_domain(login_url: str, login_path: str) -> str:
    """The ``domain`` argument that makes simple-salesforce POST its login to ``login_url + login_path``."""
    netloc = login_url.removeprefix("https://").rstrip("/")
    host, _, port = netloc.partition(":")
    if host.endswith(SALESFORCE_SUFFIX) and port in ("", "443"):
        return host.removesuffix(SALESFORCE_SUFFIX)
    return f"{netloc}{login_path}#"


def login_arguments(settings: Settings) -> dict:
    """The ``Salesforce(...)`` keyword arguments for the flow the settings call for (``Settings.login_flow``).

    JWT bearer (consumer key, user, private key file) and client credentials (consumer key and secret, no
    user) are the flows that outlive SOAP ``login()``; OAuth username-password (Salesforce wants the security
    token appended to the password there) and SOAP username-password serve orgs that still allow them.
    """
    url, flow = settings.sf_login_url, settings.login_flow
    if flow == "soap" and not (settings.sf_username and settings.sf_password):
        raise SyncError(ErrorClass.VALIDATION, "SF_USERNAME and SF_PASSWORD are needed to log in: put them in "
                                               "the environment or in .env")
    if flow == "soap":
        return {
            "username": settings.sf_username,
            "password": settings.sf_password.reveal(),
            "security_token": settings.sf_security_token.reveal(),
            "domain": login_domain(url, f"/services/Soap/u/{settings.api_version}"),
        }
    domain = login_domain(url, "/services/oauth2/token")
    if flow == "jwt":
        if not settings.sf_username:
            raise SyncError(ErrorClass.VALIDATION, "the JWT bearer flow needs SF_USERNAME: the user the "
                                                   "connected app is pre-authorized for")
        return {"username": settings.sf_username, "consumer_key": settings.sf_consumer_key,
                "privatekey_file": str(settings.sf_private_key_file), "domain": domain}
    oauth = {"consumer_key": settings.sf_consumer_key, "consumer_secret": settings.sf_consumer_secret.reveal(),
             "domain": domain}
    if flow == "oauth_password":
        password = settings.sf_password.reveal() + settings.sf_security_token.reveal()
        return {"username": settings.sf_username, "password": password, **oauth}
    if domain in ("login", "test"):
        raise SyncError(ErrorClass.VALIDATION, "the client-credentials flow needs SF_LOGIN_URL set to your "
                                               "My Domain (https://yourdomain.my.salesforce.com), or set SF_USERNAME")
    return oauth


def connect(
    settings: Settings,
    *,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = RetryPolicy(),
    bulk_poll_wait: float = 0.5,
) -> SalesforceClient:
    """A logged-in client for the org of ``settings``.

    ``session`` may carry the caller's own requests settings; it is set up for verified TLS (with
    ``SF_CA_BUNDLE`` when given) and metered. ``timeout`` is (connect, read) seconds for every request;
    ``retry`` bounds the retries of every call; ``bulk_poll_wait`` is the first pause between Bulk 2.0 job
    polls. A failed login raises ``SyncError`` (AUTH for wrong credentials, NETWORK for an unreachable or
    untrusted server).
    """
    session, adapter = metered_session(settings.sf_ca_bundle, timeout, session)
    arguments = login_arguments(settings)

    def login() -> Salesforce:
        with warnings.catch_warnings():  # "user hasn't approved this consumer" also warns; the error says it all
            warnings.simplefilter("ignore")
            return Salesforce(session=session, version=settings.api_version, **arguments)

    sf = call_with_retries(login, doing=f"login to {settings.sf_login_url}", policy=retry,
                           retry_after=lambda: adapter.retry_after)
    return SalesforceClient(sf, adapter, policy=retry, bulk_poll_wait=bulk_poll_wait)
