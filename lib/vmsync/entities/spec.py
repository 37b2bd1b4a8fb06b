"""What an entity is: the Salesforce records it reads, the model tables it writes, and how one becomes the other.

An entity is declared, not programmed: its streams (object, fields, filter), its mapping (a pure function from
one flat Salesforce record to model rows), the tables it writes and the entities it depends on. The sync engine
does the rest the same way for every entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection


class Reject(Exception):
    """A record that cannot be mapped: it becomes a ``sync_issue`` and its neighbours carry on."""

    def __init__(self, code: str, field: str, message: str):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Ref:
    """A foreign key given by a value the parent is known by; the writer turns it into the parent's ``id``.

    The parent is the live row of ``table`` whose ``by`` column equals ``key`` (by default its Salesforce Id);
    ``take`` is the column written (by default the parent's ``id``; ``contact_id`` to reach a contact through
    its email, say). A ``required`` parent that is missing holds the whole record back as an orphan; an optional
    one is written as NULL and linked when the parent arrives. ``field`` names the Salesforce field it came from.
    """

    table: str
    key: str
    field: str = ""
    required: bool = True
    by: str = "salesforce_id"
    take: str = "id"


@dataclass(frozen=True)
class FirstOf:
    """The first of several ways to find one parent that works (an email's contact: recipient, sender, ...)."""

    options: tuple[Ref, ...]
    field: str = ""
    required: bool = True


@dataclass(frozen=True)
class OneOf:
    """A parent that may be in one of several tables, each with its own column (an affiliation's account).

    Put it in the first of ``columns``' keys and None in the others; the writer sets the column of the table
    the parent was found in and leaves the others NULL.
    """

    columns: dict[str, Ref]
    field: str = ""
    required: bool = True


@dataclass(frozen=True)
class Table:
    """A model table an entity writes.

    kind ``record``: one row per Salesforce record, keyed by its Id (deleted with it);
    kind ``owned``: rows that belong to a parent row of this entity through ``parent_column`` and are replaced
    as a set whenever the parent is written (a contact's emails);
    kind ``lookup``: shared rows only ever added (skills).
    ``scope`` narrows which existing rows of a ``record`` or ``owned`` table are this stream's (``{"type":
    "volunteer"}``; derived rows of an owned table stay out of it).
    """

    name: str
    kind: str = "record"
    parent_column: str | None = None
    parent_table: str | None = None
    scope: dict = field(default_factory=dict)

    def in_scope(self, table) -> list:
        """SQL conditions selecting this stream's rows of ``table`` (a tuple value means any of them)."""
        return [table.c[k].in_(v) if isinstance(v, tuple) else table.c[k] == v for k, v in self.scope.items()]


ISSUE = "sync_issue"  # a mapping may return (ISSUE, {"code", "field", "message"}) rows: warnings, record kept


@dataclass(frozen=True)
class Stream:
    """One SOQL extract: ``SELECT fields FROM object WHERE where``, mapped record by record by ``map``.

    ``map`` returns ``(table, row)`` pairs in any order; ``tables`` lists the tables those rows go to, parents
    before children (the order they are written in). ``supersedes`` names record tables of other entities that
    a record leaves when it arrives here (an Account that became a school is no longer an organization).

    ``required`` names the fields the stream cannot do without besides ``Id``, ``IsDeleted`` and
    ``SystemModstamp``: the fields of its filter and the parent keys of its required links. When the org loses
    one of them the step stops before reading; any other field it can live without (docs/sync-rules.md#org-shape).

    ``mirror_all`` makes the stream also select every other field its object has in the org (but compound and
    binary ones) into the raw mirror, which gains a column for each as it appears: the model still maps only
    ``fields``, so such a field is there to query raw, not synced. No shipped entity asks for it: the VMS
    objects carry many admin and package fields nothing maps, which would lengthen every query and page for
    columns nobody reads, and a field worth keeping belongs in the spec, where it gets a kind, a mapping and a
    test (docs/sync-rules.md#mirroring-all-fields).
    """

    name: str
    object: str
    fields: dict[str, str]
    where: str | None
    map: Callable[[dict], list[tuple[str, dict]]]
    tables: tuple[Table, ...]
    supersedes: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    mirror_all: bool = False

    @property
    def needs(self) -> tuple[str, ...]:
        """Every field the stream cannot do without, the system fields first."""
        return tuple(dict.fromkeys([*SYSTEM_FIELDS, *self.required]))


@dataclass(frozen=True)
class Entity:
    name: str
    title: str
    description: str
    streams: tuple[Stream, ...]
    depends_on: tuple[str, ...] = ()
    derive: Callable[[Connection, str, datetime], None] | None = None
    """Runs after the streams, in the database alone, to fill links Salesforce does not give (the districts
    of a session with no school, from its students' schools). Called with (connection, run id, now)."""
    skip: Callable[[Mapping[str, str]], str | None] | None = None
    """Given the run's environment, why the step has nothing to do (a source not configured), or None. A step
    skipped this way is not a failure and holds nothing up."""
    writes: tuple[str, ...] = ()
    """Model tables written other than through streams (a step whose source is not Salesforce)."""
    intro: str = ""
    """The opening paragraph of the entity's notebook, for its reader: what the records are and what waits for
    what. ``description`` says which objects go into which tables."""

    @property
    def tables(self) -> tuple[str, ...]:
        """The model tables this entity writes, in the order it writes them."""
        return tuple(dict.fromkeys([*(t.name for s in self.streams for t in s.tables), *self.writes]))

    def stream_key(self, stream: Stream) -> str:
        return f"{self.name}:{stream.name}"


SYSTEM_FIELDS = {"Id": "text", "IsDeleted": "bool", "SystemModstamp": "datetime"}


def fields(spec: str) -> dict[str, str]:
    """Parse a field list such as ``"Id Name Birthdate:date DoNotCall:bool"`` (default kind ``text``).

    Kinds: text, bool, number, date, datetime, json. ``Id``, ``IsDeleted`` and ``SystemModstamp`` are always
    included: the engine needs them for watermarks and deletes.
    """
    out = dict(SYSTEM_FIELDS)
    for token in spec.split():
        name, _, kind = token.partition(":")
        out[name] = kind or "text"
    return out
