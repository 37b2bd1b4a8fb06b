"""Logging in to the sandbox org with the unmodified simple-salesforce: SOAP, OAuth, failures, sessions."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from sfsandbox.sessions import ConsumerCertificate, Credentials, Sessions

from .conftest import RawApi

PARTNER = "{urn:partner.soap.sforce.com}"


def _host(sandbox) -> str:
    return sandbox.url.removeprefix("https://")


@pytest.mark.parametrize("grant", ["soap", "password", "client_credentials", "jwt"])
def test_every_login_flow_gives_a_working_client(sandbox, grant):
    sf = sandbox.client(grant=grant)
    users = sf.query("SELECT Username FROM User")["records"]
    assert sandbox.connection["username"] in [u["Username"] for u in users]  # the org's own integration user
    assert sf.sf_instance == _host(sandbox)
    assert sf.session_id.startswith(sandbox.connection["org_id"][:15] + "!")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_soap_login_answer_has_the_shape_the_client_parses(sandbox, anonymous):
    # The LoginScopeHeader variant uses other prefixes than the client's default envelope; parse by namespace.
    c = sandbox.connection
    envelope = f"""<?xml version="1.0" encoding="utf-8" ?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
  <soapenv:Body><urn:login><urn:username>{c["username"]}</urn:username>
  <urn:password>{c["password"]}{c["security_token"]}</urn:password></urn:login></soapenv:Body>
</soapenv:Envelope>"""
    response = anonymous.request("POST", "/services/Soap/u/58.0", data=envelope,
                                 headers={"content-type": "text/xml", "SOAPAction": "login"})
    assert response.status_code == 200
    result = ET.fromstring(response.content).find(f".//{PARTNER}result")
    assert result.findtext(f"{PARTNER}serverUrl") == f"{sandbox.url}/services/Soap/u/58.0/{c['org_id'][:15]}"
    assert result.findtext(f"{PARTNER}sessionId").startswith(c["org_id"][:15] + "!")
    assert b"<sessionId>" in response.content and b"<serverUrl>" in response.content  # unprefixed for minidom


def test_organization_id_login_needs_no_token(sandbox):
    c = sandbox.connection
    sf = Salesforce(username=c["username"], password=c["password"], organizationId=c["org_id"],
                    domain=f"{_host(sandbox)}/services/Soap/u/59.0#", session=sandbox.http_session())
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_login_is_routed_by_path_suffix(sandbox):
    # domain '127.0.0.1:PORT/login' posts to /login.salesforce.com/services/Soap/u/59.0
    # (docs/salesforce.md#login-url)
    c = sandbox.connection
    sf = Salesforce(username=c["username"], password=c["password"], security_token=c["security_token"],
                    domain=f"{_host(sandbox)}/login", session=sandbox.http_session())
    assert sf.sf_instance == _host(sandbox)


@pytest.mark.parametrize("case", ["wrong password", "no security token", "unknown user"])
def test_bad_soap_credentials_are_invalid_login(sandbox, case):
    c = dict(sandbox.connection)
    if case == "wrong password":
        c["password"] += "x"
    elif case == "no security token":
        c["security_token"] = ""
    else:
        c["username"] = "someone.else@example.org"
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=c["username"], password=c["password"], security_token=c["security_token"],
                   domain=f"{_host(sandbox)}/services/Soap/u/59.0#", session=sandbox.http_session())
    assert failure.value.code == "INVALID_LOGIN"


def test_soap_fault_is_http_500_with_literal_sf_prefixes(sandbox, anonymous):
    envelope = ('<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
                '<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>nobody</n1:username>'
                '<n1:password>x</n1:password></n1:login></env:Body></env:Envelope>')
    response = anonymous.request("POST", "/services/Soap/u/59.0", data=envelope)
    assert response.status_code == 500
    assert b"<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.content


@pytest.mark.parametrize(("change", "code"), [
    ({"password": "wrong"}, "invalid_grant"),
    ({"consumer_secret": "wrong"}, "invalid_client"),
    ({"consumer_key": "wrong"}, "invalid_client_id"),
])
def test_oauth_failures_raise_authentication_failed(sandbox, change, code):
    c = {**sandbox.connection, **change}
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=c["username"], password=c["password"] + c["security_token"],
                   consumer_key=c["consumer_key"], consumer_secret=c["consumer_secret"],
                   domain=f"{_host(sandbox)}/services/oauth2/token#", session=sandbox.http_session())
    assert failure.value.code == code


def test_oauth_answers_json_with_instance_url_without_trailing_slash(sandbox, anonymous):
    c = sandbox.connection
    ok = anonymous.request("POST", "/services/oauth2/token", data={
        "grant_type": "password", "client_id": c["consumer_key"], "client_secret": c["consumer_secret"],
        "username": c["username"], "password": c["password"] + c["security_token"]})
    assert ok.status_code == 200
    assert ok.json()["instance_url"] == sandbox.url and ok.json()["token_type"] == "Bearer"
    unsupported = anonymous.request("POST", "/services/oauth2/token", data={"grant_type": "authorization_code"})
    assert unsupported.status_code == 400
    assert unsupported.json() == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_missing_or_unknown_session_is_401_as_a_json_list(sandbox, anonymous):
    response = anonymous.get("limits/")
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    bogus = RawApi(sandbox, sandbox.connection["org_id"][:15] + "!bogus").get("limits/")
    assert bogus.status_code == 401 and bogus.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_ended_sessions_log_in_again_transparently(clean_sandbox):
    sf = clean_sandbox.client()
    direct = Salesforce(instance_url=clean_sandbox.url, session_id=sf.session_id,
                        session=clean_sandbox.http_session())
    old_session = sf.session_id
    assert clean_sandbox.control.sessions(expire_all=True)["expired"] >= 1
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0  # re-logged in by the client itself
    assert sf.session_id != old_session
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT COUNT() FROM Account")  # a direct session cannot log in again


def test_sessions_expire_after_their_idle_ttl():
    clock = iter([100.0, 150.0, 170.0, 271.0, 272.0])
    live = Sessions("00D000000000001EAA", ttl=100, clock=lambda: next(clock))
    token = live.issue()  # at 100
    assert live.check(token)  # at 150: used, so the idle time restarts
    assert live.check(token)  # at 170
    assert not live.check(token)  # at 271: idle 101 s > ttl
    assert not live.check(token)  # forgotten
    assert token.startswith("00D000000000001!")


def test_credentials_are_kept_per_state_dir_and_private(tmp_path):
    made = Credentials.load_or_create(tmp_path, "someone@example.org")
    assert made.username == "someone@example.org"
    assert Credentials.load_or_create(tmp_path, "someone@example.org") == made
    assert (tmp_path / "credentials.json").stat().st_mode & 0o777 == 0o600
    renamed = Credentials.load_or_create(tmp_path, "other@example.org")  # the org's user changed
    assert renamed.username == "other@example.org" and renamed.password == made.password
    assert made.password_matches(made.password + made.security_token)
    assert not made.password_matches(made.password)
    assert made.password_matches(made.password, token_required=False)


def test_soap_login_is_refused_from_api_65_as_salesforce_removed_it(sandbox, anonymous):
    c = sandbox.connection
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        sandbox.client(grant="soap", version="65.0")
    assert failure.value.code == "INVALID_OPERATION" and "removed in API 65.0" in str(failure.value)
    assert sandbox.client(grant="soap", version="64.0").query("SELECT COUNT() FROM Account")["totalSize"] > 0
    for grant in ("jwt", "client_credentials"):  # OAuth works at any version the org serves
        assert sandbox.client(grant=grant, version="66.0").query("SELECT COUNT() FROM Account")["totalSize"] > 0
    raw = anonymous.request("POST", "/services/Soap/u/66.0", data=f"<login>{c['username']}</login>")
    assert raw.status_code == 500 and b"<sf:exceptionCode>INVALID_OPERATION</sf:exceptionCode>" in raw.content


def _assertion(sandbox, key=None, **claims) -> str:
    """A JWT bearer assertion for the sandbox's user, signed with its private key unless ``key`` is given; a
    claim given as None is left out."""
    c = sandbox.connection
    payload = {"iss": c["consumer_key"], "sub": c["username"], "aud": sandbox.url,
               "exp": str(int(time.time()) + 180), **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    if key is None:
        with open(c["private_key_file"], "rb") as private:
            key = private.read()
    return jwt.encode(payload, key, algorithm="RS256")


def _token(anonymous, assertion: str):
    return anonymous.request("POST", "/services/oauth2/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion})


def test_jwt_bearer_answers_a_session_for_a_good_assertion(sandbox, anonymous):
    ok = _token(anonymous, _assertion(sandbox))
    assert ok.status_code == 200, ok.text
    assert ok.json()["instance_url"] == sandbox.url
    assert ok.json()["access_token"].startswith(sandbox.connection["org_id"][:15] + "!")


def _other_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.mark.parametrize(("case", "error", "description"), [
    ("signed with another key", "invalid_grant", "invalid assertion"),
    ("not a JWT", "invalid_grant", "invalid assertion"),
    ("unknown consumer key", "invalid_client_id", "client identifier invalid"),
    ("expired", "invalid_grant", "expired authorization code"),
    ("no expiry", "invalid_grant", "invalid assertion"),
    ("another audience", "invalid_grant", "audience is invalid"),
    ("another user", "invalid_grant", "user hasn't approved this consumer"),
])
def test_jwt_bearer_refusals_are_salesforce_oauth_errors(sandbox, anonymous, case, error, description):
    assertion = {
        "signed with another key": lambda: _assertion(sandbox, key=_other_key()),
        "not a JWT": lambda: "not.a.jwt",
        "unknown consumer key": lambda: _assertion(sandbox, iss="3MVG9someone-else"),
        "expired": lambda: _assertion(sandbox, exp=str(int(time.time()) - 60)),
        "no expiry": lambda: _assertion(sandbox, exp=None),
        "another audience": lambda: _assertion(sandbox, aud="https://login.salesforce.com"),
        "another user": lambda: _assertion(sandbox, sub="someone.else@example.org"),
    }[case]()
    refused = _token(anonymous, assertion)
    assert refused.status_code == 400
    assert refused.json() == {"error": error, "error_description": description}


def test_jwt_bearer_verifies_against_the_certificate_it_is_given(tmp_path):
    kept = ConsumerCertificate.load_or_create(tmp_path)
    assert ConsumerCertificate.load_or_create(tmp_path) == kept  # made once, then reused
    assert kept.private_key.stat().st_mode & 0o777 == 0o600
    first = kept.public_key().public_numbers()
    kept.certificate.unlink()  # an operator's own certificate replaces the one made
    kept.private_key.unlink()
    replaced = ConsumerCertificate.load_or_create(tmp_path)
    assert replaced.public_key().public_numbers() != first
