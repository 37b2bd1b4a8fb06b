"""Logging in: SOAP ``login()`` and the OAuth 2.0 token endpoint (password, client-credentials and JWT bearer
grants).

SOAP ``login()`` is refused from API 65.0 on, as Salesforce removed it there (docs/salesforce.md#login). A JWT
bearer assertion is checked as Salesforce checks it: RS256 signed by the key of the connected app's
certificate, ``iss`` its consumer key, ``sub`` the user, ``aud`` this server, ``exp`` not passed.

The SOAP envelope is parsed by namespace, not prefix, because the client's three envelope variants use
different prefixes (docs/salesforce.md#login); the answer carries ``sessionId`` and ``serverUrl`` as
unprefixed elements, which is all the client's minidom reads. Failures are ``ApiError``s that the server
renders as a SOAP fault or an OAuth error object, as each endpoint does in Salesforce.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import jwt

from .responses import XML_TYPE, ApiError, Response, json_response

if TYPE_CHECKING:
    from .org import Org
    from .request import Request

PARTNER = "{urn:partner.soap.sforce.com}"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
SOAP_LOGIN_REMOVED = 65.0  # the first API version without SOAP login()
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/services/oauth2/token"


def _login_failed() -> ApiError:
    return ApiError(500, "INVALID_LOGIN", INVALID_LOGIN)


def soap_login(org: Org, req: Request) -> Response:
    if float(req.version) >= SOAP_LOGIN_REMOVED:
        raise ApiError(500, "INVALID_OPERATION", f"login() is not available in API version {req.version}: SOAP "
                                                 "login was removed in API 65.0; log in with OAuth 2.0")
    try:
        root = ET.fromstring(req.body)
    except ET.ParseError as exc:
        raise ApiError(500, "UNKNOWN_EXCEPTION", f"Unable to parse the login request: {exc}") from exc
    call = next(root.iter(PARTNER + "login"), None)
    if call is None:
        raise ApiError(500, "UNKNOWN_EXCEPTION", "No operation available for request: expected login")
    username = call.findtext(PARTNER + "username") or ""
    password = call.findtext(PARTNER + "password") or ""
    scoped_org = next(root.iter(PARTNER + "organizationId"), None)
    # The LoginScopeHeader variant is how a trusted (IP-restricted) client logs in without its token.
    trusted = scoped_org is not None and (scoped_org.text or "").strip()[:15] == org.org_id[:15]
    creds = org.credentials
    if username.strip().lower() != creds.username.lower() or not creds.password_matches(password, not trusted):
        raise _login_failed()

    token = org.sessions.issue()
    org15 = org.org_id[:15]
    server_url = f"{req.base_url}/services/Soap/u/{req.version}/{org15}"
    metadata_url = f"{req.base_url}/services/Soap/m/{req.version}/{org15}"
    user_info = {
        "accessibilityMode": "false", "currencySymbol": "$", "orgDefaultCurrencyIsoCode": "USD",
        "orgDisallowHtmlAttachments": "false", "orgHasPersonAccounts": "false", "organizationId": org.org_id,
        "organizationMultiCurrency": "false", "organizationName": org.organization_name, "profileId": "00e000000000001AAA",
        "sessionSecondsValid": str(int(org.sessions.ttl)), "userEmail": org.user["Email"] or creds.username,
        "userFullName": org.user["Name"] or creds.username, "userId": org.user_id, "userLanguage": "en_US",
        "userLocale": "en_US", "userName": creds.username, "userTimeZone": "UTC", "userType": "Standard",
    }
    info_xml = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in user_info.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{escape(metadata_url)}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{escape(server_url)}</serverUrl>"
        f"<sessionId>{token}</sessionId>"
        f"<userId>{org.user_id}</userId>"
        f"<userInfo>{info_xml}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(200, body.encode(), XML_TYPE)


def soap_fault(error: ApiError) -> Response:
    """A login failure as Salesforce's SOAP fault; the client reads ``sf:exceptionCode`` literally."""
    code, message = escape(error.error_code), escape(error.message)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {message}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(error.status, body.encode(), XML_TYPE, dict(error.headers))


def oauth_error(error: ApiError) -> Response:
    """An OAuth failure as ``{"error", "error_description"}`` (the token endpoint never answers a list)."""
    return json_response({"error": error.error_code, "error_description": error.message}, error.status,
                         dict(error.headers))


def _client_credentials(req: Request, form: dict[str, str]) -> tuple[str, str]:
    auth = req.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            key, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_client", "invalid client credentials") from exc
        return key, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def oauth_token(org: Org, req: Request) -> Response:
    try:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_request", "request body is not form-encoded text") from exc
    grant = form.get("grant_type", "")
    creds = org.credentials
    if grant not in ("password", "client_credentials", JWT_BEARER):
        raise ApiError(400, "unsupported_grant_type", "grant type not supported")
    if grant == JWT_BEARER:
        _check_assertion(org, req, form.get("assertion", ""))
        return _token_answer(org, req)
    key, secret = _client_credentials(req, form)
    if not secrets.compare_digest(key, creds.consumer_key):
        raise ApiError(400, "invalid_client_id", "client identifier invalid")
    if not secrets.compare_digest(secret, creds.consumer_secret):
        raise ApiError(400, "invalid_client", "invalid client credentials")
    if grant == "password" and (
        form.get("username", "").strip().lower() != creds.username.lower()
        or not creds.password_matches(form.get("password", ""))
    ):
        raise ApiError(400, "invalid_grant", "authentication failure")
    return _token_answer(org, req)


def _check_assertion(org: Org, req: Request, assertion: str) -> None:
    """Refuse a JWT bearer assertion as Salesforce does, each failure with its own OAuth error."""
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise ApiError(400, "invalid_grant", "invalid assertion") from exc
    if not secrets.compare_digest(str(claims.get("iss", "")), org.credentials.consumer_key):
        raise ApiError(400, "invalid_client_id", "client identifier invalid")
    try:
        jwt.decode(assertion, org.consumer_certificate.public_key(), algorithms=["RS256"],
                   options={"require": ["exp"], "verify_aud": False})
    except jwt.ExpiredSignatureError as exc:
        raise ApiError(400, "invalid_grant", "expired authorization code") from exc
    except jwt.PyJWTError as exc:
        raise ApiError(400, "invalid_grant", "invalid assertion") from exc
    if not _audience_is(req.base_url, claims.get("aud")):
        raise ApiError(400, "invalid_grant", "audience is invalid")
    if str(claims.get("sub", "")).strip().lower() != org.credentials.username.lower():
        raise ApiError(400, "invalid_grant", "user hasn't approved this consumer")


def _audience_is(base_url: str, aud: object) -> bool:
    """Whether ``aud`` names this server: its URL, or what a client that reached it through the domain trick
    writes (``https://host:port/services/oauth2/token#.salesforce.com``, docs/salesforce.md#login-url)."""
    audiences = aud if isinstance(aud, list) else [aud]
    for value in audiences:
        if isinstance(value, str):
            here = value.partition("#")[0].rstrip("/").removesuffix(TOKEN_PATH)
            if here == base_url:
                return True
    return False


def _token_answer(org: Org, req: Request) -> Response:
    """A new session as the token endpoint answers it."""
    creds = org.credentials
    token = org.sessions.issue()
    identity = f"{req.base_url}/id/{org.org_id}/{org.user_id}"
    issued_at = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(creds.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    payload = {
        "access_token": token, "instance_url": req.base_url, "id": identity, "token_type": "Bearer",
        "issued_at": issued_at, "signature": signature, "scope": "api",
    }
    return json_response(payload)
