"""The SOQL parser: the grammar of docs/salesforce.md#soql, its syntax tree, and Salesforce-shaped errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfsandbox.soql import (
    MAX_QUERY_LENGTH,
    BoolOp,
    Comparison,
    Count,
    FieldPath,
    InList,
    Like,
    Not,
    SoqlError,
    parse,
)


def where(condition: str):
    return parse(f"SELECT Id FROM Contact WHERE {condition}").where


def error(text: str) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        parse(text)
    return info.value


# --- the tree --------------------------------------------------------------------------------------------

def test_select_list_relationships_and_clauses():
    q = parse("select Id, Account.Name, npe5__Organization__r.npe01__One2OneContact__r.Name from Contact c "
              "where Name = 'x' order by Name desc nulls last, Id limit 10 offset 5")
    assert [p.parts for p in q.select] == [("Id",), ("Account", "Name"),
                                          ("npe5__Organization__r", "npe01__One2OneContact__r", "Name")]
    assert q.select[1].text == "Account.Name"
    assert (q.object_name, q.alias, q.limit, q.offset) == ("Contact", "c", 10, 5)
    first, second = q.order_by
    assert (first.field.parts, first.descending, first.nulls_first) == (("Name",), True, False)
    assert (second.field.parts, second.descending, second.nulls_first) == (("Id",), False, None)


def test_count_forms():
    assert parse("SELECT COUNT() FROM Session__c").select == (Count(None, None, 7),)
    (count,) = parse("SELECT COUNT(Id) total FROM Contact WHERE Contact_Type__c = 'Student'").select
    assert (count.field.parts, count.alias) == (("Id",), "total")
    q = parse("SELECT Session_Status__c, COUNT(Id) total FROM Session__c GROUP BY Session_Status__c")
    assert isinstance(q.select[1], Count)
    assert [g.parts for g in q.group_by] == [("Session_Status__c",)]


def test_and_or_not_parentheses():
    cond = where("(Contact_Type__c = 'Volunteer' OR Contact_Type__c = '') AND NOT Name LIKE 'a%'")
    assert isinstance(cond, BoolOp) and cond.op == "AND"
    inner, negated = cond.operands
    assert isinstance(inner, BoolOp) and inner.op == "OR" and len(inner.operands) == 2
    assert isinstance(negated, Not) and isinstance(negated.operand, Like)


def test_in_not_in_and_not_like():
    cond = where("Type NOT IN ('Household', 'School District', 'School')")
    assert isinstance(cond, Not) and isinstance(cond.operand, InList)
    assert [v.value for v in cond.operand.values] == ["Household", "School District", "School"]
    cond = where("Name NOT LIKE 'x%'")
    assert isinstance(cond, Not) and isinstance(cond.operand, Like)


@pytest.mark.parametrize("op", ["=", "!=", "<>", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    cond = where(f"Name {op} 'x'")
    assert isinstance(cond, Comparison) and cond.op == ("!=" if op == "<>" else op)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("'It''s'", None, None),  # SOQL has no doubled-quote escape: see the error test below
    ("'a\\'b'", "string", "a'b"),
    ("'tab\\tnew\\nline \\\\ \\\"q\\\"'", "string", 'tab\tnew\nline \\ "q"'),
    ("'upper \\N \\T'", "string", "upper \n \t"),
    ("42", "number", "42"),
    ("-1.5", "number", "-1.5"),
    ("true", "boolean", True),
    ("FALSE", "boolean", False),
    ("Null", "null", None),
    ("2024-02-29", "date", "2024-02-29"),
    ("2026-05-01T06:00:00Z", "datetime", "2026-05-01T06:00:00.000Z"),
    ("2024-01-01T00:00:00.123Z", "datetime", "2024-01-01T00:00:00.123Z"),
    ("2024-01-01T00:00:00+00:00", "datetime", "2024-01-01T00:00:00.000Z"),
    ("2024-01-01T01:30:00+02:00", "datetime", "2023-12-31T23:30:00.000Z"),
    ("2024-01-01T20:00:00.5-05:00", "datetime", "2024-01-02T01:00:00.500Z"),
    ("TODAY", "relative_date", ("TODAY", 0)),
    ("yesterday", "relative_date", ("YESTERDAY", 0)),
    ("LAST_N_DAYS:30", "relative_date", ("LAST_N_DAYS", 30)),
    ("N_DAYS_AGO : 3", "relative_date", ("N_DAYS_AGO", 3)),
])
def test_values(text, kind, value):
    if kind is None:
        assert error(f"SELECT Id FROM Contact WHERE Name = {text}").error_code == "MALFORMED_QUERY"
        return
    cond = where(f"Name = {text}")
    assert (cond.value.kind, cond.value.value) == (kind, value)


def test_like_pattern_keeps_escaped_wildcards_literal():
    pattern = where(r"Name LIKE 'a\%b\_c%d_e\\f'").pattern
    assert pattern.value == "a%b_c%d_e\\f"
    assert pattern.like == "a\\%b\\_c%d_e\\\\f"


def test_keywords_any_case_and_multiline():
    q = parse("select\n  Id\nFROM\n  Contact\nwhere Id != NULL\norder BY Id ASC NULLS FIRST\nLiMiT 1")
    assert q.limit == 1 and isinstance(q.where, Comparison)


def test_offset_2000_is_the_maximum():
    assert parse("SELECT Id FROM Contact OFFSET 2000").offset == 2000
    e = error("SELECT Id FROM Contact LIMIT 5 OFFSET 2001")
    assert e.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert e.message.endswith("ERROR at Row:1:Column:39\nMaximum SOQL offset allowed is 2000")


def test_positions_are_kept_for_error_messages():
    q = parse("SELECT Id,\n  Foo__c FROM Contact")
    assert q.select[1] == FieldPath(("Foo__c",), 13)
    assert q.object_pos == 25


# --- errors ----------------------------------------------------------------------------------------------

def test_unexpected_token_message_is_salesforces():
    e = error("SELECT Id FRM Account")
    assert e.error_code == "MALFORMED_QUERY"
    assert e.message == "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'"


def test_end_of_query_and_rows():
    e = error("SELECT Id\nFROM Contact\nWHERE")
    assert e.message == "\nWHERE\n     ^\nERROR at Row:3:Column:6\nunexpected token: '<EOF>'"


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "SELECT FROM Contact",
    "SELECT Id, FROM Contact",
    "SELECT Id FROM",
    "SELECT Id FROM Contact WHERE Name = 'a' AND Type = 'b' OR Type = 'c'",  # mixing needs parentheses
    "SELECT Id FROM Contact WHERE (Name = 'a'",
    "SELECT Id FROM Contact WHERE Name 'a'",
    "SELECT Id FROM Contact WHERE Name LIKE 5",
    "SELECT Id FROM Contact WHERE Name IN ()",
    "SELECT Id FROM Contact WHERE Name = Foo",
    "SELECT Id FROM Contact WHERE CreatedDate = LAST_WEEK",
    "SELECT Id FROM Contact WHERE Birthdate = 2024-02-30",
    "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01T25:00:00Z",
    "SELECT Id FROM Contact LIMIT -1",
    "SELECT Id FROM Contact LIMIT 1.5",
    "SELECT Id FROM Contact ORDER BY Name NULLS",
    "SELECT Id FROM Contact WHERE Name = 'a' LIMIT 1 WHERE",
    "SELECT Id FROM Contact #",
])
def test_malformed(text):
    assert error(text).error_code == "MALFORMED_QUERY"


def test_string_errors():
    e = error("SELECT Id FROM Contact WHERE Name = 'x\\q'")
    assert e.message.endswith("Invalid string literal '\\q'. Illegal character sequence '\\q' in string literal.")
    assert "ERROR at Row:1:Column:39" in e.message
    e = error("SELECT Id FROM Contact WHERE Name = 'open")
    assert e.error_code == "MALFORMED_QUERY" and "'<EOF>'" in e.message
    e = error("SELECT Id FROM Contact WHERE Name = '" + "x" * 4001 + "'")
    assert e.error_code == "MALFORMED_QUERY"
    assert parse("SELECT Id FROM Contact WHERE Name = '" + "x" * 4000 + "'")


def test_query_length_limit():
    padding = " " * (MAX_QUERY_LENGTH - len("SELECT Id FROM Contact"))
    assert parse("SELECT Id FROM Contact" + padding).object_name == "Contact"
    e = error("SELECT Id FROM Contact" + padding + " ")
    assert e.error_code == "MALFORMED_QUERY" and "100000" in e.message


def test_deep_nesting_is_refused_not_a_crash():
    assert parse("SELECT Id FROM Contact WHERE " + "(" * 50 + "Name = 'x'" + ")" * 50)
    e = error("SELECT Id FROM Contact WHERE " + "(" * 5000 + "Name = 'x'" + ")" * 5000)
    assert e.error_code == "QUERY_TOO_COMPLICATED"
    e = error("SELECT Id FROM Contact WHERE " + "NOT " * 5000 + "Name = 'x'")
    assert e.error_code == "QUERY_TOO_COMPLICATED"


def test_long_flat_conditions_parse():
    cond = where(" AND ".join(["Name != null"] * 3000))
    assert isinstance(cond, BoolOp) and len(cond.operands) == 3000


# --- no input crashes the parser -------------------------------------------------------------------------

_WORDS = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "GROUP", "LIMIT",
          "OFFSET", "ASC", "DESC", "NULLS", "FIRST", "LAST", "COUNT", "TRUE", "false", "null", "Id", "Name",
          "Contact", "Account.Name", "TODAY", "LAST_N_DAYS", "(", ")", ",", ".", ":", "=", "!=", "<>", "<",
          ">=", "'", "'x'", "'a\\'b'", "'\\q'", "\\", "42", "-1.5", "2024-01-01", "2024-13-45",
          "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+25:99", "0001-01-01T00:00:00+01:00", "\n", "#", "é"]


def _check(text: str) -> None:
    try:
        parse(text)
    except SoqlError as e:
        assert e.error_code and e.message
        assert isinstance(e.error_code, str) and isinstance(e.message, str)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_any_text(text):
    _check(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=40), st.sampled_from([" ", ""]))
def test_fuzz_soql_like_token_soup(words, sep):
    _check("SELECT Id FROM Contact WHERE " + sep.join(words))
    _check(" ".join(words))
