"""The org's shape against a stream's spec, before the stream reads anything (docs/sync-rules.md#org-shape).

An admin deletes, renames, retypes and adds fields far more often than the sync changes. Before a stream reads,
its object's describe (kept in ``sync_meta``; asked for again once a run, and sent only when it changed) is
compared with the fields the stream selects:

* a field the stream cannot do without (``Stream.needs``) that is gone stops the step (VALIDATION) before
  anything is read;
* any other field that is gone is left out of the query and kept as stored (``writer.PageWriter``);
* a field whose type the spec's kind cannot hold any more still is read, a value that does not fit becoming a
  warning on its record;
* fields added to the object since vmsync first described it that no stream reads are listed;
* a stream that mirrors all fields (``Stream.mirror_all``) also selects every other field the object has that
  SOQL can select (``extra``), each given a column of the raw mirror when it first appears, and written as
  that column's kind from then on (retyped, as above, when the kind cannot hold the field's type any more).

Each of these is a ``schema`` issue in ``sync_issue`` (record = the object), open while it lasts: its
``first_seen_at`` says since when, the alert of the run that first sees it says it once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from ..entities.catalog import Catalog
from ..entities.spec import Stream
from ..errors import ErrorClass, SyncError
from ..salesforce import SalesforceSource
from ..store import raw_column_kinds
from ..store.tables import sync_meta
from ..store.upsert import upsert
from . import issues

SCHEMA = "schema"  # the sync_issue kind of a change in the org's shape
MISSING, RETYPED, NEW = "FIELD_MISSING", "FIELD_RETYPED", "FIELD_NEW"
_TEXT = frozenset({"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url", "id",
                   "reference", "encryptedstring"})
_NUMBER = frozenset({"int", "double", "currency", "percent", "long"})
HOLDS: dict[str, frozenset[str] | None] = {  # the Salesforce types a raw field kind can hold (None: any)
    "text": None, "json": None, "bool": frozenset({"boolean"}), "number": _NUMBER,
    "date": frozenset({"date", "datetime"}), "datetime": frozenset({"datetime"}),
}
UNSELECTABLE = frozenset({"address", "location", "base64"})  # compound, or not in pages (docs/salesforce.md#describe)


def raw_kind(type_: str) -> str:
    """The raw column kind that holds a field of Salesforce type ``type_``: text for all but these."""
    if type_ in _NUMBER:
        return "number"
    return {"boolean": "bool", "date": "date", "datetime": "datetime"}.get(type_, "text")


@dataclass
class Drift:
    """How a stream's spec and its object differ now."""

    object: str
    selected: dict[str, str] = field(default_factory=dict)  # the fields the stream selects: its object's mirrored
    missing: list[str] = field(default_factory=list)  # fields of the stream's it can live without
    needed: list[str] = field(default_factory=list)  # fields it cannot do without
    retyped: dict[str, str] = field(default_factory=dict)  # field: its type now
    new: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # fields read before and back now (or new in the spec)
    extra: dict[str, str] = field(default_factory=dict)  # the object's other fields, when it mirrors them all

    @property
    def readable(self) -> dict[str, str]:
        """The fields the stream selects that can be read now."""
        return {name: kind for name, kind in self.selected.items() if name not in self.missing}

    @property
    def read(self) -> dict[str, str]:
        """What the stream reads now: the readable fields, then the extra ones."""
        return {**self.readable, **self.extra}

    def found(self) -> list[issues.Found]:
        o = self.object
        return ([issues.Found(o, SCHEMA, MISSING, f, f"{o}.{f} is gone from the org (deleted, renamed or hidden "
                              "from vmsync's user): read without it, the values stored kept") for f in self.missing]
                + [issues.Found(o, SCHEMA, RETYPED, f, f"{o}.{f} is now of type {t}: values that no longer fit are "
                                "warnings on their records") for f, t in self.retyped.items()]
                + [issues.Found(o, SCHEMA, NEW, f, f"{o}.{f} is a new field vmsync does not sync"
                                + (" (mirrored raw only: the stream mirrors all fields)" if f in self.extra else ""))
                   for f in self.new])


def compare(stream: Stream, described: dict, catalog: Catalog, baseline: list[str],
            columns: Mapping[str, str] | None = None) -> Drift:
    """The stream's spec against the object's describe; ``baseline`` is the object's fields when vmsync first
    described it (what is new since). ``columns`` are the kinds of the raw mirror's columns in the database: an
    extra field (``Stream.mirror_all``) that has one is written as its kind, and is retyped when that kind cannot
    hold the field's type now."""
    types = {f["name"].lower(): f["type"] for f in described["fields"]}
    relationships = {(f.get("relationshipName") or "").lower() for f in described["fields"]} - {""}
    drift = Drift(stream.object, dict(catalog.mirrored_fields(stream)))
    for name, kind in drift.selected.items():
        head = name.split(".", 1)[0].lower()
        if "." in name and head in relationships:
            continue
        type_ = types.get(name.lower())
        if type_ is None:
            if name not in stream.needs:  # a field it cannot do without is ``needed``, below
                drift.missing.append(name)
        elif HOLDS[kind] is not None and type_ not in HOLDS[kind]:
            drift.retyped[name] = type_
    drift.needed = [name for name in stream.needs if name.lower() not in types]
    read = {f.lower() for fields in catalog.raw_fields.get(stream.object, ()) for f in fields}
    known = {f.lower() for f in baseline}
    drift.new = [f["name"] for f in described["fields"] if f["name"].lower() not in known | read]
    if stream.mirror_all:
        selected = {name.lower() for name in drift.selected}
        for f in described["fields"]:
            if f["name"].lower() in selected or f["type"] in UNSELECTABLE:
                continue
            kind = drift.extra[f["name"]] = (columns or {}).get(f["name"], raw_kind(f["type"]))
            if HOLDS[kind] is not None and f["type"] not in HOLDS[kind]:
                drift.retyped[f["name"]] = f["type"]
    return drift


def look(conn: Connection | None, client: SalesforceSource, stream: Stream, catalog: Catalog,
         run_id: str | None = None) -> tuple[Drift, dict]:
    """The stream's drift now, and what to keep of the describe (``conn`` None: the database has none kept).

    A describe kept by this very run (``run_id``: another step, or another stream of this one) is taken as
    it is, so a run asks once per object."""
    kept = _meta(conn, f"describe:{stream.object}") if conn is not None else None
    fresh = bool(kept and run_id and kept.get("run_id") == run_id)
    described = client.describe_since(stream.object, kept.get("describe") if kept else None, ask=not fresh)
    baseline = kept["baseline"] if kept else [f["name"] for f in described["fields"]]
    columns = raw_column_kinds(conn, stream.object) if conn is not None and stream.mirror_all else None
    return (compare(stream, described, catalog, baseline, columns),
            {"describe": described, "baseline": baseline, "run_id": run_id})


def check(conn: Connection, client: SalesforceSource, stream: Stream, entity: str, catalog: Catalog,
          run_id: str, now: datetime) -> Drift:
    """The stream's drift, its schema issues recorded (and the ones gone resolved); a field the stream cannot do
    without that is gone raises VALIDATION, before anything is read."""
    drift, kept = look(conn, client, stream, catalog, run_id)
    if drift.needed:
        raise SyncError(ErrorClass.VALIDATION, f"{stream.object}.{', '.join(drift.needed)} is gone from the org, and "
                        f"{entity} cannot sync {stream.object} without it: restore the field in Salesforce, or "
                        "update the entity's spec (lib/vmsync/entities/) to the field's new name")
    last_read = _meta(conn, f"fields:{entity}:{stream.name}")
    if last_read is not None:
        drift.unread = [f for f in drift.read if f not in last_read]
    issues.settle_kind(conn, entity, stream.object, SCHEMA, drift.found(), run_id, now,
                       within=lambda code, name: (code == NEW or name in drift.selected
                                                  or (code == RETYPED and stream.mirror_all)))
    _set_meta(conn, f"describe:{stream.object}", kept)
    return drift


def said(entity: str, stream: Stream, drift: Drift) -> list[tuple[bool, str]]:
    """The drift in words, each line with whether it stops the step (``vmsync check``)."""
    o = stream.object
    lines = [(True, f"{entity}: {o}.{f} is gone and the step cannot do without it: restore the field, or update "
                    "the spec to its new name") for f in drift.needed]
    lines += [(False, f"{entity}: {o}.{f} is gone: synced without it, the values stored kept") for f in drift.missing]
    lines += [(False, f"{entity}: {o}.{f} is now of type {t}: values that no longer fit will be warnings")
              for f, t in drift.retyped.items()]
    return lines


def remember_read(conn: Connection, entity: str, stream: Stream, drift: Drift) -> None:
    """The fields a stream read whole, so that one it did not (a field back or new in the spec or the org, one
    whose values may have been left out while its type did not fit) is read in full next time."""
    _set_meta(conn, f"fields:{entity}:{stream.name}", [f for f in drift.read if f not in drift.retyped])


def _meta(conn: Connection, key: str):
    value = conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == key)).scalar()
    return json.loads(value) if value is not None else None


def _set_meta(conn: Connection, key: str, value) -> None:
    upsert(conn, sync_meta, [{"key": key, "value": json.dumps(value, separators=(",", ":"))}], key=("key",),
           keep=())
