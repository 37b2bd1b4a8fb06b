"""The comparison of a stream's spec with its object's describe (``sync.orgshape.compare``)."""

from __future__ import annotations

from dataclasses import replace

from vmsync.entities import CATALOG, get
from vmsync.sync.orgshape import compare, said

SCHOOLS = next(s for s in get("schools").streams if s.name == "schools")


def described(*drop: str, **types: str) -> dict:
    """Account's describe as the org would give it: every field the schools stream selects (its object's mirrored
    fields), ``Type``, less ``drop``, with ``types`` changed or added."""
    fields = {name: {"number": "double", "bool": "boolean", "date": "date", "datetime": "datetime"}.get(kind, "string")
              for name, kind in CATALOG.mirrored_fields(SCHOOLS).items()} | {"Type": "picklist", "Id": "id"} | types
    return {"name": "Account", "fields": [{"name": n, "type": t, "relationshipName": None, "referenceTo": []}
                                          for n, t in fields.items() if n not in drop]}


def test_an_org_as_the_spec_says_is_no_drift():
    drift = compare(SCHOOLS, described(), CATALOG, [f["name"] for f in described()["fields"]])
    assert (drift.missing, drift.needed, drift.retyped, drift.new) == ([], [], {}, [])
    assert said("schools", SCHOOLS, drift) == []


def test_each_kind_of_change_is_told_apart():
    now = described("Connector_Account_Name__c", "Type", Fax__c="phone")
    drift = compare(SCHOOLS, now, CATALOG, [f["name"] for f in described()["fields"]])
    assert drift.missing == ["Connector_Account_Name__c"]
    assert drift.needed == ["Type"]
    assert drift.new == ["Fax__c"]
    assert "Connector_Account_Name__c" not in drift.readable and "Name" in drift.readable
    assert [stops for stops, _ in said("schools", SCHOOLS, drift)] == [True, False]


def test_a_type_the_spec_kind_still_holds_is_no_drift_and_one_it_cannot_is():
    dated = replace(SCHOOLS, fields={**SCHOOLS.fields, "Opened__c": "date", "Size__c": "number"})
    picklist = described(Connector_Account_Name__c="picklist", Opened__c="datetime", Size__c="string")
    drift = compare(dated, picklist, CATALOG, [])
    assert drift.retyped == {"Size__c": "string"}  # text to picklist and date to datetime still fit


def test_a_field_it_cannot_do_without_gone_is_needed_and_nothing_else():
    drift = compare(SCHOOLS, described("SystemModstamp"), CATALOG, [])
    assert drift.needed == ["SystemModstamp"] and drift.missing == [] and drift.retyped == {}


def test_a_stream_that_mirrors_all_fields_reads_the_others_it_can_select_with_their_raw_kinds():
    everything = replace(SCHOOLS, mirror_all=True)
    now = described(Fax__c="phone", Seats__c="int", Open__c="boolean", Opened__c="date", BillingAddress="address",
                    Logo__c="base64", Spot__c="location")
    drift = compare(everything, now, CATALOG, [f["name"] for f in described()["fields"]])
    assert drift.extra == {"Fax__c": "text", "Seats__c": "number", "Open__c": "bool", "Opened__c": "date"}
    assert drift.read == {**drift.readable, **drift.extra}
    assert [f.message for f in drift.found() if f.field == "Fax__c"] == [
        "Account.Fax__c is a new field vmsync does not sync (mirrored raw only: the stream mirrors all fields)"]
    assert compare(SCHOOLS, now, CATALOG, []).extra == {}


def test_a_field_mirrored_all_the_same_is_written_as_its_column_s_kind_and_retyped_when_that_cannot_hold_it():
    everything = replace(SCHOOLS, mirror_all=True)
    drift = compare(everything, described(Seats__c="string", Fax__c="phone"), CATALOG, [],
                    {"Seats__c": "number", "Fax__c": "text"})
    assert drift.extra == {"Seats__c": "number", "Fax__c": "text"}
    assert drift.retyped == {"Seats__c": "string"}
