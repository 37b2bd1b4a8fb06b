"""The describe of each object, fetched once per client, as the little a record needs: each field's type,
and where each relationship leads, so ``Account.Name`` on Contact resolves to Account's ``Name``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .records import Column


@dataclass(frozen=True)
class ObjectTypes:
    """Field types and relationship targets of one object, keyed by lower-cased name."""

    name: str
    field_types: dict[str, str]
    relationships: dict[str, tuple[str, ...]]

    @classmethod
    def from_describe(cls, describe: dict) -> ObjectTypes:
        field_types, relationships = {}, {}
        for f in describe["fields"]:
            field_types[f["name"].lower()] = f["type"]
            if f.get("relationshipName") and f.get("referenceTo"):
                relationships[f["relationshipName"].lower()] = tuple(f["referenceTo"])
        return cls(describe["name"], field_types, relationships)


def trimmed(describe: dict, last_modified: str | None) -> dict:
    """The little of a describe vmsync keeps between runs (``sync_meta``): each field's name, type and where
    its relationship leads, and the ``Last-Modified`` to ask again with."""
    keep = ("name", "type", "relationshipName", "referenceTo")
    return {"name": describe["name"], "lastModified": last_modified,
            "fields": [{k: f.get(k) for k in keep} for f in describe["fields"]]}


class DescribeCache:
    """Describes fetched through ``fetch(object_name) -> describe dict`` at most once per object."""

    def __init__(self, fetch: Callable[[str], dict]):
        self._fetch = fetch
        self._objects: dict[str, ObjectTypes] = {}

    def types(self, object_name: str) -> ObjectTypes:
        key = object_name.lower()
        if key not in self._objects:
            self._objects[key] = ObjectTypes.from_describe(self._fetch(object_name))
        return self._objects[key]

    def learn(self, describe: dict) -> None:
        """Type the object's records by ``describe`` from now on (a describe asked for again)."""
        self._objects[describe["name"].lower()] = ObjectTypes.from_describe(describe)

    def column(self, object_name: str, path: str) -> Column:
        """The column for ``path`` selected from ``object_name``, typed by the field it ends at."""
        *relationships, field_name = path.split(".")
        candidates = [object_name]
        for rel in relationships:  # after a polymorphic relationship: the first target that knows the name
            targets = next((t for c in candidates if (t := self.types(c).relationships.get(rel.lower()))), None)
            if targets is None:
                raise ValueError(f"{rel} in {path} is not a relationship of {' or '.join(candidates)}")
            candidates = list(targets)
        for candidate in candidates:
            type_ = self.types(candidate).field_types.get(field_name.lower())
            if type_ is not None:
                return Column(path, type_)
        raise ValueError(f"{path} names no field of {' or '.join(candidates)}")

    def columns(self, object_name: str, paths: tuple[str, ...]) -> list[Column]:
        return [self.column(object_name, p) for p in paths]
