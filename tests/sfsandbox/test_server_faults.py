"""Injected faults as the unmodified client meets them (docs/salesforce.md#errors), and the rules' schedules."""

from __future__ import annotations

import json

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from sfsandbox.faults import FaultRuleError, FaultSet, load_rules

from .conftest import RawApi

SOQL = "SELECT Id, LastName FROM Contact ORDER BY Id"
NETWORK_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)


@pytest.fixture
def faulty(clean_sandbox):
    """A logged-in client and the control API of a sandbox reset around the test."""
    return clean_sandbox.client(), clean_sandbox.control


def test_401_logs_in_again_transparently_and_really_ends_the_session(faulty, clean_sandbox):
    sf, control = faulty
    old = sf.session_id
    control.add_fault(kind="query", effect="error", status=401, times=2)
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    assert sf.session_id != old
    assert RawApi(clean_sandbox, old).get("limits/").status_code == 401
    control.add_fault(kind="sobject", effect="error", status=401, times=1)
    record_id = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    assert sf.Contact.get(record_id)["Id"] == record_id  # SFType calls re-login through the parent too
    assert [f["fired"] for f in control.faults()] == [2, 1]


@pytest.mark.parametrize(("status", "exception", "code"), [
    (403, SalesforceRefusedRequest, "REQUEST_LIMIT_EXCEEDED"),
    (400, SalesforceMalformedRequest, "QUERY_TIMEOUT"),
    (500, SalesforceGeneralError, "UNKNOWN_EXCEPTION"),
    (503, SalesforceGeneralError, "SERVER_UNAVAILABLE"),
])
def test_error_faults_raise_the_mapped_exception(faulty, status, exception, code):
    sf, control = faulty
    control.add_fault(kind="query", effect="error", status=status, times=1)
    with pytest.raises(exception) as failure:
        sf.query(SOQL)
    assert failure.value.status == status
    assert failure.value.content[0]["errorCode"] == code
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0  # fired once only


def test_503_carries_retry_after(faulty, clean_sandbox):
    sf, control = faulty
    control.add_fault(kind="limits", effect="error", status=503, retry_after=7)
    response = RawApi(clean_sandbox, sf.session_id).get("limits/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"


@pytest.mark.parametrize("rule", [
    {"effect": "drop"},
    {"effect": "drop", "at": "start"},
    {"effect": "truncate", "fraction": 0.2},
])
def test_cut_connections_raise_network_errors_mid_paging(faulty, rule):
    sf, control = faulty
    control.add_fault({"kind": "next_page", "nth": 2, **rule})
    pages = sf.query_all_iter(SOQL, headers={"Sforce-Query-Options": "batchSize=200"})
    with pytest.raises(NETWORK_ERRORS):
        list(pages)
    assert len(list(sf.query_all_iter(SOQL))) > 400  # the next connection works


def test_drop_before_the_answer_is_a_connection_error(faulty):
    sf, control = faulty
    control.add_fault(kind="limits", effect="drop", at="start", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.limits()
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


def test_truncated_bulk_results(faulty):
    sf, control = faulty
    control.add_fault(kind="bulk_results", effect="truncate", times=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=0))


def test_delay_answers_normally(faulty):
    sf, control = faulty
    control.add_fault(kind="describe", effect="delay", seconds=0.05)
    assert sf.Contact.describe()["name"] == "Contact"
    assert control.faults()[0]["fired"] == 1


def test_login_faults_are_soap_faults(clean_sandbox):
    clean_sandbox.control.add_fault(kind="login", effect="error", status=503, times=1)
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        clean_sandbox.client()
    assert failure.value.code == "SERVER_UNAVAILABLE"
    assert clean_sandbox.client().session_id


def test_contains_narrows_a_rule_to_matching_requests(faulty):
    sf, control = faulty
    control.add_fault(kind="query", effect="error", status=500, contains="FROM Account")
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Account")


def test_faults_from_a_file_at_start_survive_reset(tmp_path):
    from sfsandbox import Sandbox

    path = tmp_path / "faults.json"
    path.write_text(json.dumps([{"kind": "limits", "effect": "error", "status": 500}]))
    with Sandbox.start(state_dir=tmp_path / "state", faults=path) as sb:
        sf = sb.client()
        with pytest.raises(SalesforceGeneralError):
            sf.limits()
        sb.control.clear_faults()
        assert sf.limits()["DailyApiRequests"]["Max"] > 0
        sb.control.reset()
        assert [f["kind"] for f in sb.control.faults()] == ["limits"]


# --- schedules and rule checking (no server) ----------------------------------------------------------------

def _fires(rule: dict, requests_seen: int = 12) -> list[int]:
    faults = FaultSet()
    faults.add({"kind": "query", "effect": "error", "status": 500, **rule})
    return [n for n in range(1, requests_seen + 1) if faults.decide("query", "").rule is not None]


@pytest.mark.parametrize(("schedule", "fired"), [
    ({}, list(range(1, 13))),
    ({"nth": 3}, [3]),
    ({"every": 4}, [4, 8, 12]),
    ({"after": 9}, [10, 11, 12]),
    ({"times": 2}, [1, 2]),
    ({"every": 2, "after": 3, "times": 2}, [4, 6]),
])
def test_schedules(schedule, fired):
    assert _fires(schedule) == fired


def test_probability_is_reproducible_with_its_seed():
    first = _fires({"probability": 0.5, "seed": 7}, 200)
    assert first == _fires({"probability": 0.5, "seed": 7}, 200)
    assert first != _fires({"probability": 0.5, "seed": 8}, 200)
    assert 60 < len(first) < 140


def test_kinds_delays_and_first_terminal_rule_win():
    faults = FaultSet()
    faults.add({"kind": "any", "effect": "delay", "seconds": 0.5})
    faults.add({"kind": "query", "effect": "delay", "seconds": 0.25})
    faults.add({"kind": "query", "effect": "error", "status": 503})
    faults.add({"kind": "query", "effect": "error", "status": 500})
    decision = faults.decide("query", "/services/data/v59.0/query/?q=SELECT Id FROM Contact")
    assert decision.delay == 0.75 and decision.rule.status == 503
    other = faults.decide("limits", "/services/data/v59.0/limits/")
    assert other.delay == 0.5 and other.rule is None
    assert [r["seen"] for r in faults.to_list()] == [2, 1, 1, 1]
    assert faults.clear() == 4 and faults.decide("query", "").rule is None


@pytest.mark.parametrize("rule", [
    {"kind": "query"},
    {"kind": "nonsense", "effect": "drop"},
    {"effect": "error"},
    {"effect": "error", "status": 200},
    {"effect": "drop", "fraction": 2},
    {"effect": "drop", "at": "middle"},
    {"effect": "delay", "seconds": "soon"},
    {"effect": "error", "status": 500, "nth": 0},
    {"effect": "error", "status": 500, "probability": 1.5},
    {"effect": "error", "status": 500, "colour": "red"},
    {"kind": "query", "effect": "fail_job"},
    ["not", "a", "dict"],
])
def test_bad_rules_are_refused(rule):
    with pytest.raises(FaultRuleError):
        FaultSet().add(rule)


def test_rules_round_trip_and_defaults():
    faults = FaultSet()
    rule = faults.add({"kind": "get_updated", "effect": "error", "status": 503})
    listed = faults.to_list()[0]
    assert listed["error_code"] == "SERVER_UNAVAILABLE" and listed["retry_after"] == 1
    assert FaultSet().add({k: v for k, v in listed.items() if k not in ("id", "seen", "fired")}).to_dict() == \
        {**listed, "id": 1}
    assert rule.id == 1


def test_load_rules_checks_the_file(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"kind": "query", "effect": "delay", "seconds": 1}]))
    assert load_rules(good) == [{"kind": "query", "effect": "delay", "seconds": 1}]
    for text, problem in (("{", "not JSON"), ('{"kind": "query"}', "JSON list"),
                          ('[{"effect": "explode"}]', "rule 1")):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(FaultRuleError, match=problem):
            load_rules(bad)
