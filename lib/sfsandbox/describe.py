"""Describe Global, sObject Describe and sObject metadata payloads, rendered from ``schema``.

Real syncs map column types from ``type`` / ``soapType`` and skip ``calculated`` fields, so those follow the
schema exactly; the remaining flags are what Salesforce reports for a field of that type.
"""

from __future__ import annotations

from functools import cache

from . import schema
from .schema import Field, SObject

READ_ONLY_OBJECTS = frozenset({"Organization"})
UNDELETABLE_OBJECTS = frozenset({"Organization", "User"})
MERGEABLE_OBJECTS = frozenset({"Account", "Contact", "Lead", "Case"})
LONG_TEXT = 255


def label_plural(label: str) -> str:
    if label.endswith(("s", "x", "ch", "sh")):
        return label + "es"
    if label.endswith("y") and label[-2:-1] not in ("a", "e", "i", "o", "u"):
        return label[:-1] + "ies"
    return label + "s"


def _urls(obj: SObject, version: str) -> dict:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _summary(obj: SObject, version: str) -> dict:
    """The describeGlobal entry of one object (also the ``objectDescribe`` of its metadata)."""
    writable = obj.name not in READ_ONLY_OBJECTS
    return {
        "activateable": False,
        "createable": writable,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": obj.name not in UNDELETABLE_OBJECTS,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": label_plural(obj.label),
        "layoutable": True,
        "mergeable": obj.name in MERGEABLE_OBJECTS,
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": obj.name not in UNDELETABLE_OBJECTS,
        "updateable": writable,
        "urls": _urls(obj, version),
    }


def _compound_names(obj: SObject) -> dict[str, str]:
    return {part: f.name for f in obj.fields for part in f.components}


def _field(f: Field, obj: SObject, compound_of: dict[str, str]) -> dict:
    text = f.is_text or f.type in ("id", "reference")
    length = f.length if text else 0
    long_text = f.type == "textarea" and f.length > LONG_TEXT
    comparable = f.type not in ("address", "multipicklist") and not long_text
    is_system = f.name in schema.SYSTEM_FIELD_NAMES
    writable = obj.name not in READ_ONLY_OBJECTS and f.createable
    return {
        "aggregatable": comparable and f.type != "textarea",
        "autoNumber": False,
        "byteLength": length * 3 if f.is_text else length,
        "calculated": f.calculated,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": compound_of.get(f.name),
        "createable": writable,
        "custom": f.custom,
        "defaultValue": False if f.type == "boolean" else None,
        "defaultedOnCreate": is_system or f.type == "boolean",
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if f.type == "int" else 0,
        "externalId": "external_id" in f.name.lower(),
        "extraTypeInfo": "plaintextarea" if f.type == "textarea" else None,
        "filterable": f.type != "address" and not long_text,
        "groupable": comparable and f.type not in ("textarea", "double", "currency", "percent", "datetime"),
        "htmlFormatted": False,
        "idLookup": f.name == "Id",
        "inlineHelpText": None,
        "label": f.label or f.name,
        "length": length,
        "name": f.name,
        "nameField": f.name == "Name",
        "namePointing": len(f.reference_to) > 1,
        "nillable": f.nillable and f.type != "boolean",
        "permissionable": f.nillable and not is_system and not f.calculated,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v} for v in f.picklist
        ],
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "precision": 18 if f.type in ("double", "currency", "percent") else 0,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "restrictedPicklist": False,
        "scale": 2 if f.type in ("double", "currency", "percent") else 0,
        "soapType": f.soap_type,
        "sortable": comparable,
        "type": f.type,
        "unique": False,
        "updateable": writable and f.name != "Id",
        "writeRequiresMasterRead": False,
    }


def _child_relationships(obj: SObject) -> list[dict]:
    return [
        {"cascadeDelete": False, "childSObject": child.name, "deprecatedAndHidden": False, "field": f.name,
         "relationshipName": None, "restrictedDelete": False}
        for child in schema.OBJECTS
        for f in child.fields
        if obj.name in f.reference_to and f.name not in schema.SYSTEM_FIELD_NAMES
    ]


@cache
def describe_global(version: str) -> dict:
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [_summary(o, version) for o in schema.OBJECTS]}


@cache
def describe_object(obj: SObject, version: str) -> dict:
    """The object's describe, as the org has it now (``shape.Shape.sobject``)."""
    compound_of = _compound_names(obj)
    payload = _summary(obj, version)
    payload.update(
        childRelationships=_child_relationships(obj),
        fields=[_field(f, obj, compound_of) for f in obj.fields],
        recordTypeInfos=[{
            "active": True, "available": True, "defaultRecordTypeMapping": True, "developerName": "Master",
            "master": True, "name": "Master", "recordTypeId": "012000000000000AAA",
            "urls": {"layout": f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/012000000000000AAA"},
        }],
    )
    return payload


def object_metadata(name: str, version: str) -> dict:
    """``GET /sobjects/X/``: the object's summary and (none of) its recently viewed items."""
    return {"objectDescribe": _summary(schema.sobject(name), version), "recentItems": []}
