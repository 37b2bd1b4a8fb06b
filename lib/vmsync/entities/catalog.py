"""What the entity specs say about one another, worked out once and handed to the layers that need it.

A spec describes one entity; writing a page also needs the others: which streams' records a table holds,
which streams a stream supersedes (an Account that became a school leaves the organizations), which rows link
to a table, and the fields every stream reads from a Salesforce object (its raw mirror's columns): each
stream of an object selects all of them, so a raw row holds the whole mirrored record whichever stream wrote
it (except for the objects of ``READ_PER_STREAM``, whose rows say which stream's fields they hold). The
``Catalog`` holds those answers, so the writer and the schema are given them instead of reading every spec.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from ..store import tables as t
from .spec import Entity, Stream, Table

READ_PER_STREAM = frozenset({"Contact"})
"""Objects whose streams each select only their own fields: the union would make the students (nine in ten
contacts) read 55 fields instead of 26, a quarter more time for that step (bench/README.md). A raw row of
these holds the fields of the stream its ``read_by`` names; the others are "not read", not NULL."""


class Owner(NamedTuple):
    """A stream whose records a model table's rows are: its entity, its Salesforce object, the table's spec
    (with the scope that tells its rows from other streams' rows of the same table)."""

    entity: str
    object: str
    table: Table


class Child(NamedTuple):
    """A column of ``table`` that links to another table, and the streams whose records ``table``'s rows are
    (several when streams share a table by scope, as Tasks and EmailMessages share ``history``; none for rows
    owned by another row)."""

    table: sa.Table
    column: str
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class Catalog:
    """The entities' streams and tables, cross-referenced; streams are named by their key, ``entity:stream``."""

    raw_fields: Mapping[str, tuple[Mapping[str, str], ...]]
    """Per Salesforce object, the fields (name: kind) of each stream that reads it, in the streams' order: its
    raw mirror table is made with the first stream's fields and given the others' as they come."""
    mirrored: Mapping[str, Mapping[str, str]]
    """Per Salesforce object, the union of its streams' fields (name: kind, the first stream's kind where two
    differ): what every stream of the object selects and writes to the raw mirror, whatever it maps (but see
    ``READ_PER_STREAM``)."""
    readers: Mapping[str, tuple[str, ...]]
    """Per Salesforce object, the streams that read it."""
    owners: Mapping[str, tuple[Owner, ...]]
    """Per model table, the streams whose records its rows are."""
    superseded: Mapping[str, tuple[tuple[str, Stream], ...]]
    """Per stream, the (entity, stream) pairs that write a record table it supersedes."""
    taken_over: Mapping[str, frozenset[str]]
    """Per stream, its record tables that a stream superseding it also writes: a record leaving it for that
    one keeps its row there (revived), so what links to the row may stay linked."""
    children: Mapping[str, tuple[Child, ...]]
    """Per model table, the columns that link to it."""

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> Catalog:
        streams = [(entity, stream) for entity in entities for stream in entity.streams]
        raw_fields: dict[str, list[Mapping[str, str]]] = defaultdict(list)
        readers: dict[str, list[str]] = defaultdict(list)
        owners: dict[str, list[Owner]] = defaultdict(list)
        for entity, stream in streams:
            raw_fields[stream.object].append(stream.fields)
            readers[stream.object].append(entity.stream_key(stream))
            for spec in stream.tables:
                if spec.kind == "record":
                    owners[spec.name].append(Owner(entity.name, stream.object, spec))
        superseded, taken_over = {}, {}
        for entity, stream in streams:
            key = entity.stream_key(stream)
            mine = {spec.name for spec in stream.tables if spec.kind == "record"}
            superseded[key] = tuple(
                (other_entity.name, other) for other_entity, other in streams
                if any(spec.kind == "record" and spec.name in stream.supersedes for spec in other.tables))
            taken_over[key] = frozenset(
                spec.name for other_entity, other in streams
                if other_entity.stream_key(other) != key and mine & set(other.supersedes)
                for spec in other.tables if spec.kind == "record" and spec.name in mine)
        children: dict[str, list[Child]] = defaultdict(list)
        for child in t.metadata.sorted_tables:
            for column in child.columns:
                for parent in dict.fromkeys(fk.column.table.name for fk in column.foreign_keys):
                    children[parent].append(Child(child, column.name, tuple(owners.get(child.name, ()))))
        mirrored: dict[str, dict[str, str]] = defaultdict(dict)
        for sf_object, field_sets in raw_fields.items():
            for fields in field_sets:
                for name, kind in fields.items():
                    mirrored[sf_object].setdefault(name, kind)
        return cls(raw_fields={k: tuple(v) for k, v in raw_fields.items()}, mirrored=dict(mirrored),
                   readers={k: tuple(v) for k, v in readers.items()},
                   owners={k: tuple(v) for k, v in owners.items()},
                   superseded=superseded, taken_over=taken_over,
                   children={k: tuple(v) for k, v in children.items()})

    def mirrored_fields(self, stream: Stream) -> Mapping[str, str]:
        """The fields ``stream`` selects and mirrors: every field any stream of its object reads, or its own
        where the union costs too much (``READ_PER_STREAM``)."""
        if stream.object in READ_PER_STREAM:
            return stream.fields
        mirrored = self.mirrored[stream.object]
        return mirrored if stream.fields.keys() <= mirrored.keys() else {**mirrored, **stream.fields}

    def children_of(self, table_name: str) -> tuple[Child, ...]:
        """(child table, linking column, owners) for every column that links to ``table_name``."""
        return self.children.get(table_name, ())
