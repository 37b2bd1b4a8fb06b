"""Changes an admin made to the org's fields since it was generated: an overlay on ``schema``, held by the org.

The static object list in ``schema`` is the org as generated; ``Shape`` keeps, per object, the fields removed,
renamed, retyped and added since, and answers ``sobject(name)`` with the object as it is now. Describe, the
SOQL engine (REST and Bulk) and record writes all look objects up through it, so a field that is gone is gone
everywhere (``INVALID_FIELD``), and a reset (``clear``) gives back the generated shape.

The store keeps one column per field: a renamed field gets a column of its new name holding the old one's
values (Salesforce keeps a field's data under its new name); an added field gets an empty column; a retyped
field keeps its column, its values converted as Salesforce converts them (those that do not fit become null).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from . import schema
from .schema import Field, SObject
from .values import FieldValueError, as_text, to_json, to_storage

GENERATED_AT = datetime(2024, 1, 1, tzinfo=UTC)  # the describe's Last-Modified of an object never changed
TYPES = frozenset({*schema.TEXT_TYPES, *schema.NUMBER_TYPES, "boolean", "date", "datetime", "reference"})


class ShapeError(ValueError):
    """A change that cannot be made (no such object or field, a name taken, an unknown type)."""


@dataclass
class _Changes:
    fields: tuple[Field, ...]
    modified: datetime


class Shape:
    """The org's objects as changed since generation; ``sobject`` is what every part of the org looks up."""

    def __init__(self) -> None:
        self._changed: dict[str, _Changes] = {}
        self._restored: dict[str, datetime] = {}  # objects given their generated fields back, and when

    def sobject(self, name: str) -> SObject | None:
        base = schema.sobject(name)
        if base is None or base.name not in self._changed:
            return base
        return _with_fields(base, self._changed[base.name].fields)

    def modified(self, name: str) -> datetime:
        """When the object's fields last changed (its describe's ``Last-Modified``)."""
        changes = self._changed.get(name)
        return changes.modified if changes else self._restored.get(name, GENERATED_AT)

    def clear(self, now: datetime) -> None:
        """Every object back to its generated fields, changed ``now`` if it had been changed."""
        self._restored.update((name, self._after(name, now)) for name in self._changed)
        self._changed.clear()

    def changes(self) -> dict:
        """Per changed object, its fields now (name: type) and when they changed, for the control API."""
        return {name: {"modified": c.modified.isoformat(), "fields": {f.name: f.type for f in c.fields}}
                for name, c in self._changed.items()}

    # --- changes -----------------------------------------------------------------------------------------

    def remove(self, conn: sqlite3.Connection, object_name: str, field_name: str, now: datetime) -> None:
        obj, f = self._field(object_name, field_name)
        self._set(obj, tuple(x for x in obj.fields if x is not f), now)

    def rename(self, conn: sqlite3.Connection, object_name: str, field_name: str, new_name: str,
               now: datetime) -> None:
        obj, f = self._field(object_name, field_name)
        self._free(obj, new_name)
        renamed = replace(f, name=new_name, custom=new_name.endswith("__c"))
        if f.has_column:
            conn.execute(f'ALTER TABLE "{obj.name}" ADD COLUMN "{new_name}"')
            conn.execute(f'UPDATE "{obj.name}" SET "{new_name}" = "{f.name}"')
        self._set(obj, tuple(renamed if x is f else x for x in obj.fields), now)

    def retype(self, conn: sqlite3.Connection, object_name: str, field_name: str, type_: str,
               now: datetime) -> None:
        obj, f = self._field(object_name, field_name)
        if type_ not in TYPES or not f.has_column:
            raise ShapeError(f"{obj.name}.{f.name} cannot become {type_}: the types are {', '.join(sorted(TYPES))}")
        retyped = replace(f, type=type_, picklist=f.picklist if type_ in ("picklist", "multipicklist") else ())
        rows = conn.execute(f'SELECT rowid, "{f.name}" FROM "{obj.name}" WHERE "{f.name}" IS NOT NULL').fetchall()
        conn.executemany(f'UPDATE "{obj.name}" SET "{f.name}" = ? WHERE rowid = ?',
                         [(_converted(f, retyped, value), rowid) for rowid, value in rows])
        self._set(obj, tuple(retyped if x is f else x for x in obj.fields), now)

    def add(self, conn: sqlite3.Connection, object_name: str, field_name: str, type_: str, now: datetime) -> None:
        obj = self._object(object_name)
        self._free(obj, field_name)
        if type_ not in TYPES - {"reference"}:
            raise ShapeError(f"a new field's type is one of {', '.join(sorted(TYPES - {'reference'}))}, not {type_}")
        conn.execute(f'ALTER TABLE "{obj.name}" ADD COLUMN "{field_name}"')
        self._set(obj, (*obj.fields, schema.Field(field_name, type_, label=field_name,
                                                  custom=field_name.endswith("__c"))), now)

    # --- helpers -------------------------------------------------------------------------------------------

    def _object(self, name: str) -> SObject:
        obj = self.sobject(name)
        if obj is None:
            raise ShapeError(f"no object {name}")
        return obj

    def _field(self, object_name: str, field_name: str) -> tuple[SObject, Field]:
        obj = self._object(object_name)
        f = obj.field(field_name)
        if f is None:
            raise ShapeError(f"{obj.name} has no field {field_name}")
        if f.name in schema.SYSTEM_FIELD_NAMES:
            raise ShapeError(f"{obj.name}.{f.name} is a system field: it cannot be changed")
        return obj, f

    @staticmethod
    def _free(obj: SObject, name: str) -> None:
        if not name or not name.replace("_", "").isalnum() or obj.field(name) is not None:
            raise ShapeError(f"{obj.name} cannot have a new field called {name!r}: taken or not an API name")

    def _set(self, obj: SObject, fields: tuple[Field, ...], now: datetime) -> None:
        self._changed[obj.name] = _Changes(fields, self._after(obj.name, now))

    def _after(self, name: str, now: datetime) -> datetime:
        """``now`` in whole seconds (as ``Last-Modified`` says it), at least a second after the object's last
        change: a describe fetched in the second of one change is not taken for current after the next."""
        return max(now.replace(microsecond=0), self.modified(name).replace(microsecond=0) + timedelta(seconds=1))


def _with_fields(base: SObject, fields: tuple[Field, ...]) -> SObject:
    return SObject(base.name, base.key_prefix, base.label, fields, custom=base.custom)


def _converted(old: Field, new: Field, stored: object) -> object:
    """A stored value as the retyped field keeps it; null when it does not fit (as Salesforce drops it)."""
    value = to_json(old, stored)
    if new.is_text:
        value = as_text(value)
    try:
        return to_storage(new, value)
    except FieldValueError:
        return None
