"""The control API under ``/__sandbox__/``: what tests use to steer the org (admin token required).

=======  ==========================  ==========================================================
method   path                        does
=======  ==========================  ==========================================================
GET      clock                       the clock's state ``{"frozen", "now"}``
POST     clock/freeze                freeze at ``{"at": <date-time>}`` (or now when absent)
POST     clock/advance               move by ``{"seconds": n}`` (negative moves back)
POST     clock/run                   let time run again from where it is
GET      faults                      the rules, with how often each matched and fired
POST     faults                      add one rule (an object) or several (a list)
DELETE   faults                      remove every rule
GET      fields                      the objects whose fields changed: their fields now and when they changed
POST     fields                      change one field: ``{"object", "field", "change": "remove" | "rename" |
                                     "retype" | "add", "to": <new name>, "type": <field type>}``
POST     reset                       back to the generated org (records, fields, clock, cursors, jobs, faults,
                                     usage)
GET      usage                       API calls used, the daily limit, requests seen per kind
POST     limits                      ``{"daily_api_requests": n, "used": m}`` (either or both)
POST     sessions                    ``{"ttl": seconds}`` and/or ``{"expire_all": true}``
=======  ==========================  ==========================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .faults import FaultRuleError
from .responses import ApiError, Response, json_response, parse_json_body
from .shape import ShapeError
from .values import parse_datetime

if TYPE_CHECKING:
    from .org import Org
    from .request import Request


def _body(req: Request) -> dict:
    data = parse_json_body(req.body)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "BAD_REQUEST", "expected a JSON object")
    return data


def _number(data: dict, key: str, *, integer: bool = False, minimum: float | None = None):
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise ApiError(400, "BAD_REQUEST", f"{key} must be {'an integer' if integer else 'a number'}")
    if minimum is not None and value < minimum:
        raise ApiError(400, "BAD_REQUEST", f"{key} must be at least {minimum}")
    return value


def _clock(org: Org, req: Request, step: str) -> Response:
    if step == "freeze":
        at = _body(req).get("at")
        try:
            org.clock.freeze(parse_datetime(at) if at else None)
        except (ValueError, TypeError) as exc:
            raise ApiError(400, "BAD_REQUEST", f"at must be a date-time such as 2024-01-31T12:00:00Z: {at}") from exc
    elif step == "advance":
        org.clock.advance(_number(_body(req), "seconds"))
    elif step == "run":
        org.clock.run()
    return json_response(org.clock.state())


def _faults(org: Org, req: Request) -> Response:
    if req.method == "DELETE":
        return json_response({"removed": org.faults.clear()})
    if req.method == "POST":
        data = parse_json_body(req.body)
        try:
            added = org.faults.add_all(data) if isinstance(data, list) else [org.faults.add(data)]
        except FaultRuleError as exc:
            raise ApiError(400, "BAD_REQUEST", str(exc)) from exc
        return json_response([rule.to_dict() for rule in added], 201)
    return json_response(org.faults.to_list())


def _limits(org: Org, req: Request) -> Response:
    data = _body(req)
    if "daily_api_requests" in data:
        org.usage.set_limit(_number(data, "daily_api_requests", integer=True, minimum=0))
    if "used" in data:
        org.usage.set_used(_number(data, "used", integer=True, minimum=0))
    return json_response(org.usage.snapshot())


def _sessions(org: Org, req: Request) -> Response:
    data = _body(req)
    if "ttl" in data:
        org.sessions.ttl = float(_number(data, "ttl", minimum=1))
    expired = org.sessions.clear() if data.get("expire_all") else 0
    return json_response({"ttl": org.sessions.ttl, "expired": expired})


def _fields(org: Org, req: Request) -> Response:
    """One change of the org's shape (``shape.Shape``), made the way an admin makes it in Setup."""
    data = _body(req)
    change, now = data.get("change"), org.clock.now()
    args = [data.get("object") or "", data.get("field") or ""]
    changes = {"remove": (org.shape.remove, ()), "rename": (org.shape.rename, ("to",)),
               "retype": (org.shape.retype, ("type",)), "add": (org.shape.add, ("type",))}
    if change not in changes:
        raise ApiError(400, "BAD_REQUEST", f"change must be one of {', '.join(changes)}, not {change!r}")
    method, needed = changes[change]
    for key in needed:
        if not isinstance(data.get(key), str):
            raise ApiError(400, "BAD_REQUEST", f"a {change} needs {key!r}")
        args.append(data[key])
    try:
        org.store.reshape(lambda conn: method(conn, *args, now))
    except ShapeError as exc:
        raise ApiError(400, "BAD_REQUEST", str(exc)) from exc
    return json_response(org.shape.changes(), 201)


def _reset(org: Org, req: Request) -> Response:
    org.reset()
    return json_response({"reset": True, "preset": org.preset, "seed": org.seed})


_ACTIONS = {
    ("GET", "clock"): lambda org, req: json_response(org.clock.state()),
    ("POST", "clock/freeze"): lambda org, req: _clock(org, req, "freeze"),
    ("POST", "clock/advance"): lambda org, req: _clock(org, req, "advance"),
    ("POST", "clock/run"): lambda org, req: _clock(org, req, "run"),
    ("GET", "faults"): _faults,
    ("POST", "faults"): _faults,
    ("DELETE", "faults"): _faults,
    ("GET", "fields"): lambda org, req: json_response(org.shape.changes()),
    ("POST", "fields"): _fields,
    ("POST", "reset"): _reset,
    ("GET", "usage"): lambda org, req: json_response(org.usage.snapshot()),
    ("POST", "limits"): _limits,
    ("POST", "sessions"): _sessions,
}


def handle(org: Org, req: Request) -> Response:
    action = req.params["action"]
    handler = _ACTIONS.get((req.method, action))
    if handler is None:
        if any(a == action for _, a in _ACTIONS):
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"{req.method} is not allowed on /__sandbox__/{action}")
        raise ApiError(404, "NOT_FOUND", f"no control action /__sandbox__/{action}")
    return handler(org, req)


def control_error(error: ApiError) -> Response:
    """Control API errors are plain ``{"error": message}`` objects, not Salesforce's list."""
    return json_response({"error": error.message, "code": error.error_code}, error.status)
