"""Injected faults: rules that make chosen requests fail the way a real Salesforce org (or network) fails.

A rule is a JSON-serialisable dict with three parts:

* **what it matches**: ``kind`` (one of ``KINDS``; ``any`` matches every request but the control API's) and
  optionally ``contains``, a substring of the request's decoded target (path and query string), e.g.
  ``FROM Contact``;
* **when it fires**, counted over the requests it matches: ``nth`` (only the nth, 1-based), ``every`` (every
  nth), ``after`` (every request after the first n), ``probability`` (with ``seed``, reproducible) and
  ``times`` (fire at most k times). Unset conditions always hold, so a bare rule fires on every match;
* **what it does** (``effect``):
    - ``error``: answer ``status`` with Salesforce's ``error_code`` and ``message`` (defaults per status in
      ``ERROR_DEFAULTS``); a 401 ``INVALID_SESSION_ID`` also invalidates the session the request used; a
      503 carries ``Retry-After: retry_after`` seconds;
    - ``drop``: send the response headers and a ``fraction`` of the body, then reset the connection;
      with ``"at": "start"`` the connection is closed before anything is sent;
    - ``truncate``: send the full ``Content-Length`` but only a ``fraction`` of the body, then close;
    - ``delay``: wait ``seconds``, then answer normally;
    - ``fail_job`` (kinds ``bulk_poll`` and ``bulk1_poll``): the polled Bulk 2.0 job, or the polled Bulk 1.0
      batch still queued, moves to ``Failed`` with ``message``.

Kinds: ``login`` (SOAP and OAuth), ``query`` (a query / queryAll's first page), ``next_page``, ``describe``
(describeGlobal, describe, sObject metadata), ``sobject`` (record get / create / update / delete),
``get_updated``, ``get_deleted``, ``limits``, ``bulk_create``, ``bulk_poll`` (job status, list, abort,
delete) and ``bulk_results``; for Bulk API 1.0 ``bulk1_create`` (job create, batch add), ``bulk1_poll``
(job and batch status, job close / abort) and ``bulk1_results`` (result ids and results).

Every matching rule counts the request; all firing ``delay`` rules apply, and the first firing rule with any
other effect decides the answer.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path

KINDS = frozenset({
    "login", "query", "next_page", "bulk_create", "bulk_poll", "bulk_results", "sobject", "get_updated",
    "get_deleted", "describe", "limits", "bulk1_create", "bulk1_poll", "bulk1_results", "any",
})
EFFECTS = frozenset({"error", "drop", "truncate", "delay", "fail_job"})
ERROR_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("QUERY_TIMEOUT", "Your query request was running for too long."),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact "
                               "support: 1398017512-sandbox (-1047353823)"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable; please retry later."),
}
_SCHEDULE_KEYS = ("nth", "every", "after", "times")
_KNOWN_KEYS = frozenset({
    "id", "kind", "contains", "effect", "status", "error_code", "message", "retry_after", "fraction", "at",
    "seconds", "probability", "seed", *_SCHEDULE_KEYS,
})


class FaultRuleError(ValueError):
    """A rule dict that does not describe a fault."""


@dataclass
class FaultRule:
    kind: str
    effect: str
    contains: str | None = None
    status: int | None = None
    error_code: str | None = None
    message: str | None = None
    retry_after: int | None = None
    fraction: float = 0.5
    at: str = "body"
    seconds: float = 0.0
    nth: int | None = None
    every: int | None = None
    after: int | None = None
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    id: int = 0
    seen: int = 0
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict, rule_id: int) -> FaultRule:
        if not isinstance(data, dict):
            raise FaultRuleError(f"a fault rule is a JSON object, not {type(data).__name__}")
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise FaultRuleError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        kind, effect = data.get("kind", "any"), data.get("effect")
        if kind not in KINDS:
            raise FaultRuleError(f"kind must be one of {', '.join(sorted(KINDS))}; got {kind!r}")
        if effect not in EFFECTS:
            raise FaultRuleError(f"effect must be one of {', '.join(sorted(EFFECTS))}; got {effect!r}")
        rule = cls(kind=kind, effect=effect, id=rule_id, contains=_text(data, "contains"),
                   error_code=_text(data, "error_code"), message=_text(data, "message"),
                   seed=_integer(data, "seed", 0, minimum=None))
        for key in _SCHEDULE_KEYS:
            setattr(rule, key, _integer(data, key, None, minimum=0 if key == "after" else 1))
        rule.probability = _number(data, "probability", None, 0.0, 1.0)
        rule.fraction = _number(data, "fraction", 0.5, 0.0, 1.0)
        rule.seconds = _number(data, "seconds", 0.0, 0.0, 3600.0)
        rule.at = data.get("at", "body")
        if rule.at not in ("body", "start"):
            raise FaultRuleError(f"at must be 'body' or 'start'; got {rule.at!r}")
        if effect == "error":
            rule.status = _integer(data, "status", None, minimum=300)
            if rule.status is None or rule.status > 599:
                raise FaultRuleError("an error fault needs a status between 300 and 599")
            code, message = ERROR_DEFAULTS.get(rule.status, ("UNKNOWN_EXCEPTION", "An unexpected error occurred."))
            rule.error_code = rule.error_code or code
            rule.message = rule.message or message
            rule.retry_after = _integer(data, "retry_after", 1 if rule.status == 503 else None, minimum=0)
        elif effect == "fail_job":
            if kind not in ("bulk_poll", "bulk1_poll"):
                raise FaultRuleError("a fail_job fault applies to kinds bulk_poll and bulk1_poll (a status poll)")
            rule.message = rule.message or "InternalServerError : An unexpected error occurred while processing the job."
        rule._random.seed(rule.seed)
        return rule

    def to_dict(self) -> dict:
        """The rule as the control API lists it: its settings, plus how often it has matched and fired."""
        data = {"id": self.id, "kind": self.kind, "effect": self.effect}
        optional = {
            "contains": self.contains, "status": self.status, "error_code": self.error_code,
            "message": self.message, "retry_after": self.retry_after, "nth": self.nth, "every": self.every,
            "after": self.after, "times": self.times, "probability": self.probability,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        if self.probability is not None:
            data["seed"] = self.seed
        if self.effect in ("drop", "truncate"):
            data["fraction"] = self.fraction
        if self.effect == "drop":
            data["at"] = self.at
        if self.effect == "delay":
            data["seconds"] = self.seconds
        data.update(seen=self.seen, fired=self.fired)
        return data

    def matches(self, kind: str, target: str) -> bool:
        return (self.kind == "any" or self.kind == kind) and (self.contains is None or self.contains in target)

    def decide(self) -> bool:
        """Count one matching request and say whether the rule fires on it."""
        self.seen += 1
        n = self.seen
        fires = (
            (self.nth is None or n == self.nth)
            and (self.every is None or n % self.every == 0)
            and (self.after is None or n > self.after)
            and (self.times is None or self.fired < self.times)
        )
        if fires and self.probability is not None:
            fires = self._random.random() < self.probability
        if fires:
            self.fired += 1
        return fires


@dataclass(frozen=True)
class Decision:
    """What the faults make of one request: seconds to wait first, then at most one other effect."""

    delay: float = 0.0
    rule: FaultRule | None = None


class FaultSet:
    """The active rules, in the order they were added; safe to share between request threads."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, data: dict) -> FaultRule:
        with self._lock:
            rule = FaultRule.from_dict(data, self._next_id)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def add_all(self, rules: list[dict]) -> list[FaultRule]:
        """Add several rules, all or none (a bad rule leaves the set as it was)."""
        if not isinstance(rules, list):
            raise FaultRuleError("faults are a JSON list of rule objects")
        with self._lock:
            made = [FaultRule.from_dict(r, self._next_id + i) for i, r in enumerate(rules)]
            self._next_id += len(made)
            self._rules.extend(made)
            return made

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def to_list(self) -> list[dict]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def decide(self, kind: str, target: str) -> Decision:
        with self._lock:
            if not self._rules:
                return Decision()
            delay, chosen = 0.0, None
            for rule in self._rules:
                if rule.matches(kind, target) and rule.decide():
                    if rule.effect == "delay":
                        delay += rule.seconds
                    elif chosen is None:
                        chosen = rule
            return Decision(delay, chosen)


def load_rules(path: Path) -> list[dict]:
    """The rule dicts of a ``--faults`` file (a JSON list), checked so a bad file fails before serving."""
    try:
        rules = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise FaultRuleError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(rules, list):
        raise FaultRuleError(f"{path}: faults are a JSON list of rule objects")
    for i, rule in enumerate(rules):
        try:
            FaultRule.from_dict(rule, i + 1)
        except FaultRuleError as exc:
            raise FaultRuleError(f"{path}: rule {i + 1}: {exc}") from exc
    return rules


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise FaultRuleError(f"{key} must be a string")
    return value


def _integer(data: dict, key: str, default, minimum: int | None):
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise FaultRuleError(f"{key} must be an integer" + (f" >= {minimum}" if minimum is not None else ""))
    return value


def _number(data: dict, key: str, default, low: float, high: float):
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise FaultRuleError(f"{key} must be a number between {low:g} and {high:g}")
    return float(value)
