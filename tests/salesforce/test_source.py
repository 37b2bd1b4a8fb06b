"""The real client is what a sync step asks of Salesforce: every member of ``SalesforceSource``, with the same
signature, so the Protocol cannot drift from the client it describes."""

from __future__ import annotations

import inspect
from functools import cached_property

from vmsync.config import load_settings
from vmsync.salesforce import SalesforceClient, SalesforceSource, connect

from ..conftest import environ


def test_a_connected_client_is_a_salesforce_source(sandbox):
    client = connect(load_settings(environ(sandbox), env_file=None))
    assert isinstance(client, SalesforceClient) and isinstance(client, SalesforceSource)


def test_the_client_has_every_member_of_the_source_with_its_signature():
    members = {name: member for name, member in vars(SalesforceSource).items()
               if not name.startswith("_") and (callable(member) or isinstance(member, property))}
    assert {"org_id", "api_calls", "api_usage", "count", "query_pages", "bulk_pages", "deleted"} <= set(members)
    for name, member in members.items():
        real = inspect.getattr_static(SalesforceClient, name)
        if isinstance(member, property):
            assert isinstance(real, property | cached_property), name
        else:
            assert inspect.signature(real) == inspect.signature(member), name
