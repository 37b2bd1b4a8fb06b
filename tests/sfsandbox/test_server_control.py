"""The control API under /__sandbox__/: admin token, clock, reset, usage, limits, sessions."""

from __future__ import annotations

import pytest

from sfsandbox import SandboxError

from .conftest import RawApi


@pytest.fixture
def admin(clean_sandbox) -> RawApi:
    api = RawApi(clean_sandbox, None)
    api.http.headers["X-Sandbox-Admin"] = clean_sandbox.connection["admin_token"]
    return api


def test_the_control_api_needs_the_admin_token(clean_sandbox, sf):
    anonymous = RawApi(clean_sandbox, None)
    assert anonymous.get("/__sandbox__/usage").status_code == 401
    with_session = RawApi(clean_sandbox, sf.session_id)  # a Salesforce session is not the admin token
    assert with_session.get("/__sandbox__/usage").status_code == 401
    bearer = RawApi(clean_sandbox, clean_sandbox.connection["admin_token"])
    assert bearer.get("/__sandbox__/usage").status_code == 200


def test_clock_freeze_advance_run(clean_sandbox):
    control = clean_sandbox.control
    assert control.clock()["frozen"] is False
    assert control.freeze("2025-06-01T08:00:00.123Z") == {"frozen": True, "now": "2025-06-01T08:00:00.123Z"}
    assert control.advance(3600)["now"] == "2025-06-01T09:00:00.123Z"
    assert control.advance(-60.5)["now"] == "2025-06-01T08:58:59.623Z"
    running = control.run()
    assert running["frozen"] is False and running["now"] >= "2025-06-01T08:58:59.623Z"
    with pytest.raises(SandboxError, match="400"):
        control.freeze("yesterday-ish")
    with pytest.raises(SandboxError, match="400"):
        control.advance("a while")


def test_reset_brings_back_the_generated_org(clean_sandbox):
    sf, control = clean_sandbox.client(), clean_sandbox.control
    before = sf.query("SELECT COUNT() FROM Account")["totalSize"]
    sf.Account.create({"Name": "Temporary"})
    control.freeze("2030-01-01T00:00:00Z")
    control.add_fault(kind="describe", effect="delay", seconds=0.01)
    control.set_limit(used=1000)
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == before + 1
    control.reset()
    assert control.faults() == [] and control.clock()["frozen"] is False
    assert control.usage()["api_calls_used"] == 0
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == before  # same session, fresh data


def test_usage_counts_calls_and_requests_per_kind(clean_sandbox):
    sf = clean_sandbox.client()
    sf.query("SELECT Id FROM Contact")
    sf.Contact.describe()
    sf.limits()
    usage = clean_sandbox.control.usage()
    assert usage["api_calls_used"] == 3  # the login is not an API call
    assert usage["requests"]["login"] == 1 and usage["requests"]["query"] == 1
    assert usage["requests"]["describe"] == 1 and usage["requests"]["limits"] == 1
    assert usage["remaining"] == usage["daily_limit"] - 3


def test_limits_and_sessions_settings(clean_sandbox, admin):
    assert clean_sandbox.control.set_limit(daily=500, used=20)["remaining"] == 480
    assert admin.request("POST", "/__sandbox__/limits", json={"used": -1}).status_code == 400
    assert admin.request("POST", "/__sandbox__/limits", json={"daily_api_requests": "many"}).status_code == 400
    assert clean_sandbox.control.sessions(ttl=900)["ttl"] == 900


def test_unknown_actions_and_methods(admin):
    missing = admin.get("/__sandbox__/nothing")
    assert missing.status_code == 404 and "error" in missing.json()
    assert admin.request("DELETE", "/__sandbox__/clock").status_code == 405
    assert admin.request("POST", "/__sandbox__/faults", data="{oops").status_code == 400
