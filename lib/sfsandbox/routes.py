"""The sandbox's route table: which handler answers a method and path, what kind of request it is for faults
and counts, whether it needs a session, costs an API call, and how its errors are shaped.

Paths are matched with or without a trailing slash (the client sends both: docs/salesforce.md#requests), any
API version from 47.0 up, and login paths by suffix, so that the domain tricks of docs/salesforce.md#login-url
land on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from . import bulk, bulk1, control, login, rest

MIN_VERSION = 47.0
_V = r"/services/data/v(?P<version>\d{2,3}\.\d)"
_OBJ = r"(?P<object>[A-Za-z][A-Za-z0-9_]*)"
_ASYNC = r"/services/async/(?P<version>\d{2,3}\.\d)/job"
_ID = r"(?P<id>[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)"


@dataclass(frozen=True)
class Route:
    methods: dict[str, Callable]  # HTTP method -> handler(org, request) -> Response
    pattern: re.Pattern
    kind: str
    auth: str = "session"  # "session" (Bearer) | "sfdc_session" (X-SFDC-Session) | "none" | "admin"
    counted: bool = True
    errors: str = "json"  # "json" | "async" | "soap" | "oauth" | "control"
    kinds: dict[str, str] = field(default_factory=dict)  # per-method kind where it differs


def _route(pattern: str, kind: str, methods: dict[str, Callable], **kw) -> Route:
    return Route(methods, re.compile(f"^{pattern}/?$"), kind, **kw)


_BULK1 = {"auth": "sfdc_session", "errors": "async"}  # Bulk API 1.0: its own session header and errors

ROUTES: tuple[Route, ...] = (
    _route(r"(?:/.*)?/services/Soap/u/(?P<version>\d{2,3}\.\d)", "login", {"POST": login.soap_login},
           auth="none", counted=False, errors="soap"),
    _route(r"(?:/.*)?/services/oauth2/token", "login", {"POST": login.oauth_token},
           auth="none", counted=False, errors="oauth"),
    _route(r"/services/data", "versions", {"GET": rest.versions}, auth="none", counted=False),
    _route(_V, "describe", {"GET": rest.resources}),
    _route(_V + r"/(?P<mode>query|queryAll)", "query", {"GET": rest.query}),
    _route(_V + r"/(?:query|queryAll)/(?P<locator>[^/]+)", "next_page", {"GET": rest.next_page}),
    _route(_V + r"/sobjects", "describe", {"GET": rest.describe_global}),
    _route(_V + rf"/sobjects/{_OBJ}", "describe",
           {"GET": rest.object_metadata, "POST": rest.create_record}, kinds={"POST": "sobject"}),
    _route(_V + rf"/sobjects/{_OBJ}/describe", "describe", {"GET": rest.describe_object}),
    _route(_V + rf"/sobjects/{_OBJ}/updated", "get_updated", {"GET": rest.get_updated}),
    _route(_V + rf"/sobjects/{_OBJ}/deleted", "get_deleted", {"GET": rest.get_deleted}),
    _route(_V + rf"/sobjects/{_OBJ}/{_ID}", "sobject",
           {"GET": rest.get_record, "PATCH": rest.update_record, "DELETE": rest.delete_record}),
    _route(_V + r"/limits", "limits", {"GET": rest.limits}),
    _route(_V + r"/jobs/query", "bulk_create", {"POST": bulk.create_job, "GET": bulk.list_jobs},
           kinds={"GET": "bulk_poll"}),
    _route(_V + r"/jobs/query/(?P<job>[A-Za-z0-9]+)", "bulk_poll",
           {"GET": bulk.get_job, "PATCH": bulk.abort_job, "DELETE": bulk.delete_job}),
    _route(_V + r"/jobs/query/(?P<job>[A-Za-z0-9]+)/results", "bulk_results", {"GET": bulk.get_results}),
    _route(_ASYNC, "bulk1_create", {"POST": bulk1.create_job}, **_BULK1),
    _route(_ASYNC + r"/(?P<job>[A-Za-z0-9]+)", "bulk1_poll",
           {"GET": bulk1.job_info, "POST": bulk1.set_job_state}, **_BULK1),
    _route(_ASYNC + r"/(?P<job>[A-Za-z0-9]+)/batch", "bulk1_create",
           {"POST": bulk1.add_batch, "GET": bulk1.list_batches}, kinds={"GET": "bulk1_poll"}, **_BULK1),
    _route(_ASYNC + r"/(?P<job>[A-Za-z0-9]+)/batch/(?P<batch>[A-Za-z0-9]+)", "bulk1_poll",
           {"GET": bulk1.batch_info}, **_BULK1),
    _route(_ASYNC + r"/(?P<job>[A-Za-z0-9]+)/batch/(?P<batch>[A-Za-z0-9]+)/result", "bulk1_results",
           {"GET": bulk1.result_ids}, **_BULK1),
    _route(_ASYNC + r"/(?P<job>[A-Za-z0-9]+)/batch/(?P<batch>[A-Za-z0-9]+)/result/(?P<result>[A-Za-z0-9]+)",
           "bulk1_results", {"GET": bulk1.result}, **_BULK1),
    _route(r"/__sandbox__/(?P<action>[a-z_/]+?)", "control", {"GET": control.handle, "POST": control.handle,
                                                              "DELETE": control.handle},
           auth="admin", counted=False, errors="control"),
)


def resolve(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route whose pattern matches ``path`` and the groups it captured, or None."""
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            params = {k: v for k, v in m.groupdict().items() if v is not None}
            if "version" in params and float(params["version"]) < MIN_VERSION:
                return None
            return route, params
    return None


def parse_query_string(raw: str) -> dict[str, str]:
    """The first value of each parameter; ``+`` decodes as a space (docs/salesforce.md#requests)."""
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def allowed(route: Route) -> str:
    return ",".join(route.methods)


def kind_of(route: Route, method: str) -> str:
    return route.kinds.get(method, route.kind)

