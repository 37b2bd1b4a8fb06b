"""TLS verification is on by default and nothing in the environment turns it off without a word.

The sandbox's certificate is signed by its own CA, which no default trust store holds: without SF_CA_BUNDLE
the login must be refused as untrusted, whatever the usual switches of requests say (an empty CURL_CA_BUNDLE
or REQUESTS_CA_BUNDLE once disabled verification in requests). With SF_CA_BUNDLE, a REQUESTS_CA_BUNDLE that
points elsewhere must not replace it.
"""

from __future__ import annotations

import certifi
import pytest

from vmsync.config import load_settings
from vmsync.errors import SyncError
from vmsync.salesforce import connect

from ..conftest import environ
from .conftest import FAST

SWITCHES = [
    {},
    {"CURL_CA_BUNDLE": ""},
    {"REQUESTS_CA_BUNDLE": ""},
    {"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""},
    {"PYTHONHTTPSVERIFY": "0"},
]


@pytest.mark.parametrize("switches", SWITCHES, ids=[",".join(s) or "defaults" for s in SWITCHES])
def test_an_untrusted_certificate_is_refused_whatever_the_environment_says(sandbox, tmp_path, monkeypatch,
                                                                           switches):
    for name, value in switches.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(environ=environ(sandbox, f"sqlite:///{tmp_path}/vms.db", SF_CA_BUNDLE=None),
                             env_file=None)
    with pytest.raises(SyncError, match="not trusted") as refused:
        connect(settings, retry=FAST)
    assert "SF_CA_BUNDLE" in str(refused.value)


def test_the_configured_ca_bundle_is_not_replaced_by_requests_ca_bundle(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # a bundle that does not hold the sandbox's CA
    settings = load_settings(environ=environ(sandbox, f"sqlite:///{tmp_path}/vms.db"), env_file=None)
    client = connect(settings, retry=FAST)
    assert client.org_id == sandbox.connection["org_id"]
