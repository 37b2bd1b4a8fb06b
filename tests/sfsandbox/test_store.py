"""The sandbox's data layer on a throwaway org: Ids, the clock, and the store's writes, reads and errors."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from sfsandbox.clock import Clock
from sfsandbox.ids import is_valid_id, make_id, to18
from sfsandbox.schema import OBJECTS
from sfsandbox.store import Store, StoreError

T0 = datetime(2026, 11, 1, 12, 0, 30, 250_000, tzinfo=UTC)
T0_TEXT = "2026-11-01T12:00:30.250+0000"


# --- ids ------------------------------------------------------------------------------------------------

def test_make_id_has_prefix_and_known_checksum():
    # The suffix algorithm on a well-known real Id: 001A0000006Vm9r -> 001A0000006Vm9rIAC
    assert to18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    rid = make_id("003", 1)
    assert rid == "003000000000001AAA"
    assert len(make_id("a0S", 36**12 - 1)) == 18


def test_ids_sort_in_creation_order_whatever_the_case_rule():
    numbers = [0, 1, 9, 10, 35, 36, 1295, 1296, 46655, 10**9, 36**12 - 1]
    ids = [make_id("a0C", n) for n in numbers]
    assert ids == sorted(ids)
    assert ids == sorted(ids, key=str.lower)


def test_to18_repairs_case_from_the_suffix_and_rejects_junk():
    rid = make_id("a0C", 123456789)
    assert to18(rid[:15]) == rid
    assert to18(rid.lower()) == rid
    assert to18(rid.upper()) == rid
    for bad in ["", "abc", rid[:16], rid[:15] + "!!!", rid[:15] + "999", 42, None]:
        with pytest.raises(ValueError):
            to18(bad)
        assert not is_valid_id(bad)
    assert is_valid_id(rid) and is_valid_id(rid[:15])


# --- clock ----------------------------------------------------------------------------------------------

def test_clock_freezes_advances_and_runs_on():
    clock = Clock()
    assert not clock.frozen
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    clock.freeze(datetime(2026, 11, 1, 12, 0, 30, 250_999))  # naive taken as UTC, truncated to ms
    assert clock.now() == T0
    clock.advance(1.5)
    assert clock.now() == T0 + timedelta(seconds=1.5)
    assert clock.state() == {"frozen": True, "now": "2026-11-01T12:00:31.750Z"}
    clock.run()
    assert not clock.frozen
    assert T0 + timedelta(seconds=1.5) <= clock.now() < T0 + timedelta(seconds=60)
    clock.advance(3600)
    assert clock.now() >= T0 + timedelta(seconds=3600)
    assert clock.now().microsecond % 1000 == 0


# --- store ----------------------------------------------------------------------------------------------

@pytest.fixture
def clock():
    clock = Clock()
    clock.freeze(T0)
    return clock


@pytest.fixture
def store(tmp_path, clock):
    store = Store(tmp_path / "org.sqlite", clock)
    yield store
    store.close()


def _error(call, *args) -> StoreError:
    with pytest.raises(StoreError) as info:
        call(*args)
    return info.value


def test_fresh_store_has_every_table_the_org_and_its_user(store):
    conn = store.read_connection()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {o.name for o in OBJECTS} <= tables
    assert store.org_id.startswith("00D") and store.user_id.startswith("005")
    assert store.get("User", store.user_id)["Name"] == "VMS Integration"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Text compares case-insensitively, Ids exactly (schema's storage conventions).
    store.create("Account", {"Name": "Acme"})
    assert conn.execute('SELECT COUNT(*) FROM "Account" WHERE "Name" = \'ACME\'').fetchone()[0] == 1
    assert conn.execute('SELECT COUNT(*) FROM "User" WHERE "Id" = ?', (store.user_id.lower(),)).fetchone()[0] == 0


def test_create_sets_system_fields_from_the_clock(store):
    account = store.create("account", {"name": "Acme", "TYPE": "Business"})
    contact = store.create("Contact", {"LastName": "Ng", "FirstName": "Ann", "AccountId": account,
                                       "MailingCity": "Kansas City", "Birthdate": "1990-02-03",
                                       "EmailBouncedDate": "2026-01-01T06:00:00-06:00"})
    assert account.startswith("001") and contact.startswith("003")
    record = store.get("Contact", contact)
    assert record["attributes"] == {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{contact}"}
    assert record["Id"] == contact
    assert record["Name"] == "Ann Ng"
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"] == T0_TEXT
    assert record["CreatedById"] == record["LastModifiedById"] == store.user_id
    assert record["IsDeleted"] is False and record["DoNotCall"] is False
    assert record["EmailBouncedDate"] == "2026-01-01T12:00:00.000+0000"
    assert record["MailingAddress"] == {"street": None, "city": "Kansas City", "state": None, "postalCode": None,
                                        "country": None, "geocodeAccuracy": None, "latitude": None,
                                        "longitude": None}
    assert store.get("Account", account, ["Name"], version="61.0") == {
        "attributes": {"type": "Account", "url": f"/services/data/v61.0/sobjects/Account/{account}"},
        "Name": "Acme",
    }
    bare = store.create("Contact", {"LastName": "Solo"})
    assert store.get("Contact", bare, ["MailingAddress", "FirstName"]) == {
        "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{bare}"},
        "MailingAddress": None, "FirstName": None,
    }
    assert bare > contact  # Ids in creation order


def test_ids_continue_from_the_persisted_counter(tmp_path, clock):
    first = Store(tmp_path / "org.sqlite", clock)
    a = first.create("Account", {"Name": "A"})
    first.close()
    again = Store(tmp_path / "org.sqlite", clock)
    b = again.create("Account", {"Name": "B"})
    again.close()
    assert b == make_id("001", 2) and a == make_id("001", 1)


@pytest.mark.parametrize(("obj", "values", "status", "code", "fields"), [
    ("Contact", {"LastName": "x", "Nickname__c": "y"}, 400, "INVALID_FIELD", []),
    ("Contact", {"LastName": "x", "Name": "y"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
    ("Contact", {"LastName": "x", "SystemModstamp": "2026-01-01T00:00:00Z"}, 400,
     "INVALID_FIELD_FOR_INSERT_UPDATE", ["SystemModstamp"]),
    ("Contact", {"LastName": "x", "MailingAddress": {"city": "KC"}}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE",
     ["MailingAddress"]),
    ("Contact", {"FirstName": "x"}, 400, "REQUIRED_FIELD_MISSING", ["LastName"]),
    ("Contact", {"LastName": "   "}, 400, "REQUIRED_FIELD_MISSING", ["LastName"]),
    ("Contact", {"LastName": "x", "Birthdate": "yesterday"}, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["Birthdate"]),
    ("Contact", {"LastName": "x" * 256}, 400, "STRING_TOO_LONG", ["LastName"]),
    ("Contact", {"LastName": "x", "Contact_Type__c": "Alumni"}, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
     ["Contact_Type__c"]),
    ("Contact", {"LastName": "x", "AccountId": "not-an-id"}, 400, "MALFORMED_ID", ["AccountId"]),
    ("Contact", {"LastName": "x", "AccountId": make_id("001", 999)}, 400, "FIELD_INTEGRITY_EXCEPTION",
     ["AccountId"]),
    ("Contact", {"LastName": "x", "AccountId": make_id("005", 1)}, 400, "FIELD_INTEGRITY_EXCEPTION",
     ["AccountId"]),
    ("Widget__c", {"Name": "x"}, 404, "NOT_FOUND", []),
])
def test_create_refuses_with_salesforce_codes(store, obj, values, status, code, fields):
    before = store.count("Contact", include_deleted=True)
    error = _error(store.create, obj, values)
    assert (error.status, error.error_code, error.fields) == (status, code, fields)
    assert error.message
    assert store.count("Contact", include_deleted=True) == before


def test_lookup_to_a_deleted_record_is_refused(store):
    account = store.create("Account", {"Name": "Gone"})
    store.delete("Account", account)
    error = _error(store.create, "Contact", {"LastName": "x", "AccountId": account})
    assert (error.error_code, error.fields) == ("ENTITY_IS_DELETED", ["AccountId"])


def test_update_moves_modification_stamps_only(store, clock):
    contact = store.create("Contact", {"LastName": "Ng", "FirstName": "Ann", "Email": "ann@example.org"})
    clock.advance(90)
    store.update("Contact", contact[:15], {"firstname": "Anne", "Email": None})
    record = store.get("Contact", contact.lower())
    assert record["Name"] == "Anne Ng" and record["Email"] is None and record["LastName"] == "Ng"
    assert record["CreatedDate"] == T0_TEXT
    assert record["LastModifiedDate"] == record["SystemModstamp"] == "2026-11-01T12:02:00.250+0000"

    assert _error(store.update, "Contact", contact, {"LastName": None}).error_code == "REQUIRED_FIELD_MISSING"
    assert _error(store.update, "Contact", contact, {"Name": "x"}).error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    missing = _error(store.update, "Contact", make_id("003", 777), {"LastName": "x"})
    assert (missing.status, missing.error_code) == (404, "NOT_FOUND")
    wrong_object = _error(store.update, "Account", contact, {"Name": "x"})
    assert (wrong_object.status, wrong_object.error_code) == (404, "NOT_FOUND")
    assert _error(store.update, "Contact", "junk", {}).status == 404
    assert store.get("Contact", contact)["SystemModstamp"] == "2026-11-01T12:02:00.250+0000"


def test_delete_undelete_purge_lifecycle(store, clock):
    contact = store.create("Contact", {"LastName": "Ng"})
    clock.advance(60)
    store.delete("Contact", contact)
    assert store.count("Contact") == 0 and store.count("Contact", include_deleted=True) == 1
    row = store.read_connection().execute(
        'SELECT "IsDeleted", "SystemModstamp", "LastModifiedDate" FROM "Contact" WHERE "Id" = ?', (contact,)
    ).fetchone()
    assert row == (1, "2026-11-01T12:01:30.250Z", "2026-11-01T12:01:30.250Z")
    for call in (store.get, store.delete):
        error = _error(call, "Contact", contact)
        assert (error.status, error.error_code) == (404, "ENTITY_IS_DELETED")
    assert _error(store.update, "Contact", contact, {"LastName": "x"}).error_code == "ENTITY_IS_DELETED"

    clock.advance(60)
    store.undelete("Contact", contact)
    record = store.get("Contact", contact)
    assert record["IsDeleted"] is False and record["SystemModstamp"] == "2026-11-01T12:02:30.250+0000"
    assert _error(store.undelete, "Contact", contact).error_code == "UNDELETE_FAILED"

    clock.advance(60)
    store.purge("Contact", contact)
    assert store.count("Contact", include_deleted=True) == 0
    assert _error(store.get, "Contact", contact).error_code == "NOT_FOUND"
    assert _error(store.purge, "Contact", contact).error_code == "NOT_FOUND"
    clock.advance(60)
    deleted = store.deleted("Contact", T0, clock.now())
    assert deleted["deletedRecords"] == [{"id": contact, "deletedDate": "2026-11-01T12:03:30.250+0000"}]


def test_frozen_clock_gives_every_write_one_modstamp(store):
    ids = [store.create("Account", {"Name": f"Org {i}"}) for i in range(5)]
    for rid in ids[:3]:
        store.update("Account", rid, {"Type": "Business"})
    stamps = store.read_connection().execute('SELECT DISTINCT "SystemModstamp" FROM "Account"').fetchall()
    assert stamps == [("2026-11-01T12:00:30.250Z",)]


def test_updated_window_truncates_seconds_and_excludes_the_current_minute(store, clock):
    early = store.create("Account", {"Name": "Early"})            # 12:00:30.250
    clock.advance(60)
    late = store.create("Account", {"Name": "Late"})              # 12:01:30.250
    deleted = store.create("Account", {"Name": "Deleted"})
    store.delete("Account", deleted)
    clock.advance(60)                                            # now 12:02:30.250

    result = store.updated("Account", "2026-11-01T12:00:59+00:00", "2026-11-01T13:00:00+00:00")
    assert result == {"ids": [early, late], "latestDateCovered": "2026-11-01T12:02:00.000+0000"}
    assert store.updated("Account", T0 - timedelta(seconds=20), T0 + timedelta(seconds=50))["ids"] == [early]
    assert store.updated("Account", "2026-11-01T12:01:00Z", "2026-11-01T12:05:00Z")["ids"] == [late]
    assert store.updated("Account", "2026-11-01T11:00:00Z", "2026-11-01T12:01:00Z")["ids"] == [early]
    # A write in the current minute is covered by the next call, not this one.
    newest = store.create("Account", {"Name": "Newest"})
    assert newest not in store.updated("Account", T0, T0 + timedelta(hours=1))["ids"]
    clock.advance(60)
    assert newest in store.updated("Account", T0, T0 + timedelta(hours=1))["ids"]


def test_deleted_window(store, clock):
    first = store.create("Account", {"Name": "A"})
    second = store.create("Account", {"Name": "B"})
    store.delete("Account", first)
    clock.advance(120)
    store.delete("Account", second)
    clock.advance(60)
    result = store.deleted("Account", "2026-11-01T12:00:00Z", "2026-11-01T12:02:00Z")
    assert result == {
        "deletedRecords": [{"id": first, "deletedDate": T0_TEXT}],
        "earliestDateAvailable": "2026-10-17T12:03:00.000+0000",
        "latestDateCovered": "2026-11-01T12:02:00.000+0000",
    }
    assert [r["id"] for r in store.deleted("Account", T0, clock.now())["deletedRecords"]] == [first, second]
    store.undelete("Account", first)
    assert [r["id"] for r in store.deleted("Account", T0, clock.now())["deletedRecords"]] == [second]


@pytest.mark.parametrize(("call", "start", "end"), [
    ("updated", "2026-11-01T12:00:10Z", "2026-11-01T12:00:50Z"),      # same minute once truncated
    ("updated", "2026-11-01T13:00:00Z", "2026-11-01T12:00:00Z"),      # end before start
    ("updated", "2026-10-02T11:59:00Z", "2026-11-01T12:00:00Z"),      # more than 30 days back
    ("deleted", "2026-10-17T11:59:00Z", "2026-11-01T12:00:00Z"),      # more than 15 days back
    ("updated", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"),      # starts in the future
    ("deleted", "2024-01-01T00:00:00%3A", "2026-11-01T12:00:00Z"),    # what a naive datetime becomes
])
def test_replication_windows_refuse_bad_dates(store, call, start, end):
    error = _error(getattr(store, call), "Account", start, end)
    assert (error.status, error.error_code) == (400, "INVALID_REPLICATION_DATE")


def test_replication_windows_reach_back_exactly_their_limit(store):
    assert store.updated("Account", T0 - timedelta(days=30), T0)["ids"] == []
    assert store.deleted("Account", T0 - timedelta(days=15), T0)["deletedRecords"] == []


def test_bulk_insert_skips_lookup_checks(store):
    ghost = make_id("003", 10**9)
    ids = store.bulk_insert("session_participant__c", [
        {"name": "SP-1", "Contact__c": ghost, "Participant_Type__c": "Student", "Delivery_Hours__c": "1.5"},
        {"Name": "SP-2", "Participant_Type__c": "Volunteer"},
    ])
    assert [rid[:3] for rid in ids] == ["a0P", "a0P"] and ids[0] < ids[1]
    record = store.get("Session_Participant__c", ids[0])
    assert record["Contact__c"] == ghost and record["Delivery_Hours__c"] == 1.5
    assert record["SystemModstamp"] == T0_TEXT and record["CreatedById"] == store.user_id
    assert _error(store.bulk_insert, "Session_Participant__c", [{"Bogus": 1}]).error_code == "INVALID_FIELD"


def test_get_refuses_unknown_fields(store):
    account = store.create("Account", {"Name": "A"})
    error = _error(store.get, "Account", account, ["Name", "Nope"])
    assert (error.status, error.error_code) == (400, "INVALID_FIELD")


def test_snapshot_and_restore_bring_back_the_saved_org(store, tmp_path):
    kept = store.create("Account", {"Name": "Kept"})
    store.snapshot(tmp_path / "saved.sqlite")
    store.update("Account", kept, {"Name": "Changed"})
    extra = store.create("Account", {"Name": "Extra"})
    reader = store.read_connection()
    store.restore(tmp_path / "saved.sqlite")
    assert store.get("Account", kept)["Name"] == "Kept"
    assert _error(store.get, "Account", extra).error_code == "NOT_FOUND"
    assert reader.execute('SELECT COUNT(*) FROM "Account"').fetchone()[0] == 1
    assert store.create("Account", {"Name": "Next"}) == extra  # the counter came back too
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_threads_read_their_own_connections_while_one_writes(store):
    seen: dict[str, object] = {}

    def reader(name: str) -> None:
        conn = store.read_connection()
        conn.execute('SELECT COUNT(*) FROM "Account"').fetchone()
        seen[name] = (conn, conn is store.read_connection())

    def writer() -> None:
        for i in range(50):
            store.create("Account", {"Name": f"W{i}"})

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(f"r{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(conn) for conn, _ in seen.values()}) == 4
    assert all(same for _, same in seen.values())
    assert store.count("Account") == 50
