"""SOQL literals, query shapes, typed columns and flat records: the parts that need no server."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from vmsync.errors import IncompleteResponse
from vmsync.salesforce import select_shape, soql_datetime, soql_quote
from vmsync.salesforce.describe import DescribeCache
from vmsync.salesforce.records import Column, flat_from_csv, flat_from_json
from vmsync.salesforce.soql import is_count_query


@pytest.mark.parametrize("value, literal", [
    ("O'Brien", r"'O\'Brien'"),
    ('say "hi"', r"""'say \"hi\"'"""),
    ("back\\slash", r"'back\\slash'"),
    ("two\nlines\ttab", r"'two\nlines\ttab'"),
    ("100%_done", "'100%_done'"),
    ("x' OR Name != '", r"'x\' OR Name != \''"),
    (None, "null"), (True, "true"), (False, "false"),
    (42, "42"), (2.5, "2.5"), (Decimal("10.10"), "10.10"),
    (date(2024, 1, 31), "2024-01-31"),
    (datetime(2024, 1, 1, tzinfo=UTC), "2024-01-01T00:00:00.000Z"),
    (["a", "b'c"], r"('a', 'b\'c')"),
])
def test_soql_quote(value, literal):
    assert soql_quote(value) == literal


def test_soql_datetime_in_utc_with_milliseconds():
    eastern = timezone(timedelta(hours=-5))
    assert soql_datetime(datetime(2024, 3, 1, 19, 30, 15, 123456, tzinfo=eastern)) == "2024-03-02T00:30:15.123Z"
    with pytest.raises(ValueError, match="naive"):
        soql_datetime(datetime(2024, 1, 1))


@pytest.mark.parametrize("bad", [float("nan"), [], object()])
def test_soql_quote_refuses_values_without_a_literal(bad):
    with pytest.raises((TypeError, ValueError)):
        soql_quote(bad)


def test_select_shape():
    shape = select_shape("select Id, Account.Name,\n  npe5__Organization__r.Owner.Name from Contact where X = 'a, b'")
    assert shape.object_name == "Contact"
    assert shape.paths == ("Id", "Account.Name", "npe5__Organization__r.Owner.Name")
    for bad in ("SELECT COUNT() FROM Contact", "SELECT Id, (SELECT Id FROM Contacts) FROM Account", "DELETE x"):
        with pytest.raises(ValueError):
            select_shape(bad)
    assert is_count_query("SELECT count( ) FROM Contact WHERE IsDeleted = false")
    assert not is_count_query("SELECT Id FROM Contact")


DESCRIBES = {
    "contact": {"name": "Contact", "fields": [
        {"name": "Id", "type": "id"},
        {"name": "AccountId", "type": "reference", "referenceTo": ["Account"], "relationshipName": "Account"},
        {"name": "OwnerId", "type": "reference", "referenceTo": ["Group", "User"], "relationshipName": "Owner"},
        {"name": "Birthdate", "type": "date"},
        {"name": "Do_Not_Contact__c", "type": "boolean"},
        {"name": "Hours__c", "type": "double"},
        {"name": "Visits__c", "type": "int"},
        {"name": "SystemModstamp", "type": "datetime"},
        {"name": "MailingAddress", "type": "address"},
    ]},
    "account": {"name": "Account", "fields": [{"name": "Name", "type": "string"}]},
    "group": {"name": "Group", "fields": [{"name": "Id", "type": "id"}]},
    "user": {"name": "User", "fields": [{"name": "Name", "type": "string"}, {"name": "Email", "type": "email"}]},
}


def fetcher(log: list[str]):
    def fetch(name: str) -> dict:
        log.append(name)
        return DESCRIBES[name.lower()]
    return fetch


def test_columns_typed_through_relationships_and_describes_fetched_once():
    fetched: list[str] = []
    cache = DescribeCache(fetcher(fetched))
    columns = cache.columns("Contact", ("Id", "account.name", "Owner.Email", "Birthdate", "Visits__c"))
    assert [(c.path, c.type) for c in columns] == [
        ("Id", "id"), ("account.name", "string"), ("Owner.Email", "email"), ("Birthdate", "date"),
        ("Visits__c", "int")]
    cache.columns("Contact", ("Id", "Account.Name"))
    assert sorted(fetched) == ["Account", "Contact", "Group", "User"]
    with pytest.raises(ValueError, match="Nope__r"):
        cache.column("Contact", "Nope__r.Name")
    with pytest.raises(ValueError, match="names no field"):
        cache.column("Contact", "Account.Nope")


COLUMNS = DescribeCache(fetcher([])).columns("Contact", (
    "Id", "Account.Name", "Birthdate", "Do_Not_Contact__c", "Hours__c", "Visits__c", "SystemModstamp"))
EXPECTED = {
    "Id": "003000000000001AAA", "Account.Name": None, "Birthdate": date(1990, 5, 17),
    "Do_Not_Contact__c": True, "Hours__c": 2.0, "Visits__c": 3,
    "SystemModstamp": datetime(2024, 1, 31, 12, 0, tzinfo=UTC),
}


def test_rest_and_csv_records_normalise_alike():
    rest = {"attributes": {"type": "Contact"}, "Id": "003000000000001AAA", "Account": None,
            "Birthdate": "1990-05-17", "Do_Not_Contact__c": True, "Hours__c": 2, "Visits__c": 3,
            "SystemModstamp": "2024-01-31T12:00:00.000+0000"}
    csv_rows = iter([
        ["Id", "Account.Name", "Birthdate", "Do_Not_Contact__c", "Hours__c", "Visits__c", "SystemModstamp"],
        ["003000000000001AAA", "", "1990-05-17", "true", "2.0", "3", "2024-01-31T12:00:00.000Z"],
    ])
    from_rest = flat_from_json(rest, COLUMNS)
    [from_csv] = flat_from_csv(csv_rows, COLUMNS)
    assert from_rest == from_csv == EXPECTED
    assert type(from_rest["Hours__c"]) is float and type(from_csv["Visits__c"]) is int
    assert from_rest["SystemModstamp"].tzinfo is UTC


def test_rest_relationship_values_and_compound_address():
    columns = [Column("Account.Name", "string"), Column("MailingAddress", "address"), Column("Email", "email")]
    record = {"account": {"attributes": {"type": "Account"}, "Name": "Acme"},
              "MailingAddress": {"city": "KC", "street": None}, "Email": ""}
    assert flat_from_json(record, columns) == {
        "Account.Name": "Acme", "MailingAddress": {"city": "KC", "street": None}, "Email": None}


def test_csv_header_matched_ignoring_case_and_short_rows_refused():
    columns = [Column("Id", "id"), Column("Account.Name", "string")]
    rows = [{"Id": "1", "Account.Name": "A"}]
    assert flat_from_csv(iter([["ACCOUNT.NAME", "ID"], ["A", "1"]]), columns) == rows
    assert flat_from_csv(iter([]), columns) == []
    with pytest.raises(IncompleteResponse):
        flat_from_csv(iter([["Id", "Account.Name"], ["1"]]), columns)
    with pytest.raises(ValueError, match="no column for Account.Name"):
        flat_from_csv(iter([["Id"], ["1"]]), columns)
