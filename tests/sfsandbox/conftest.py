"""Helpers for the sandbox server tests: a logged-in client and raw HTTPS access to the same org."""

from __future__ import annotations

import pytest
import requests

from sfsandbox import Sandbox

VERSION = "59.0"


class RawApi:
    """Plain ``requests`` calls to the sandbox, for what simple-salesforce hides (status, headers, bodies)."""

    def __init__(self, sandbox: Sandbox, session_id: str | None):
        self.base = sandbox.url
        self.http = sandbox.http_session()
        if session_id:
            self.http.headers["Authorization"] = f"Bearer {session_id}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        if not path.startswith("/"):
            path = f"/services/data/v{VERSION}/{path}"
        return self.http.request(method, self.base + path, timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)


@pytest.fixture
def sf(sandbox: Sandbox):
    """A simple-salesforce client logged in over SOAP."""
    return sandbox.client()


@pytest.fixture
def raw(sandbox: Sandbox, sf) -> RawApi:
    """Raw HTTPS calls carrying ``sf``'s session."""
    return RawApi(sandbox, sf.session_id)


@pytest.fixture
def anonymous(sandbox: Sandbox) -> RawApi:
    """Raw HTTPS calls with no session."""
    return RawApi(sandbox, None)
