"""Finding parent rows for the links a mapping asks for (``Ref``, ``FirstOf``, ``OneOf``), in batches, and
settling a page's links with them.

A page asks for thousands of parents; they are looked up with one query per (table, column) and kept, so each
link is then answered from memory: found live, found deleted, or not there (yet). ``link_external`` settles the
links to rows the page does not write (or holds their records back) before anything is written;
``resolve_links`` the others, table by table, once their parents are written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ..entities.spec import FirstOf, OneOf, Ref
from ..store import tables as t
from ..store.chunks import in_values, run_in
from . import issues

LINK_TYPES = (Ref, FirstOf, OneOf)

Link = tuple[str, Ref | FirstOf | OneOf, tuple[Ref, ...]]
"""A link in a row: (column, link value, the ``Ref``s inside it)."""

Mapped = dict[str, list[tuple[str, dict, list[Link]]]]
"""A page's mapped records: per record Id, its rows as (table, row, the links the row still asks for)."""


def refs_of(value: object) -> tuple[Ref, ...]:
    """The ``Ref``s inside a link value (none for a plain value)."""
    if isinstance(value, Ref):
        return (value,)
    if isinstance(value, FirstOf):
        return value.options
    if isinstance(value, OneOf):
        return tuple(value.columns.values())
    return ()


def links_in(row: dict) -> list[Link]:
    """The links ``row`` asks for, found once so that checking and resolving them need not scan it again."""
    return [(col, value, refs_of(value)) for col, value in row.items() if isinstance(value, LINK_TYPES)]


@dataclass(frozen=True)
class Found:
    target: object
    deleted: bool


class Lookup:
    """Parent rows by (table, column, value), fetched in batches and remembered (misses too)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.known: dict[tuple[str, str, str], dict[object, Found | None]] = defaultdict(dict)

    def load(self, refs: Iterable[Ref]) -> None:
        wanted: dict[tuple[str, str, str], set] = defaultdict(set)
        for ref in refs:
            group = (ref.table, ref.by, ref.take)
            if ref.key not in self.known[group]:
                wanted[group].add(ref.key)
        for (table_name, by, take), keys in wanted.items():
            table = t.metadata.tables[table_name]
            known = self.known[(table_name, by, take)]
            keys_list = sorted(keys, key=str)
            q = (select(table.c[by], table.c[take], table.c.deleted_at).where(table.c[by].in_(in_values()))
                 .order_by(table.c.id))
            for key, target, deleted_at in run_in(self.conn, q, keys_list):
                if target is None:  # a row that has nothing to give (a case whose contact is unknown)
                    continue
                current = known.get(key)
                if current is None or (current.deleted and deleted_at is None):
                    known[key] = Found(target, deleted_at is not None)
            for key in keys_list:
                known.setdefault(key, None)

    def load_links(self, links: Iterable[tuple[Ref, ...]], settled: Callable[[Ref], bool] | None = None) -> None:
        """Load what links (each given by its ``Ref``s, in the order they are tried) need: a link's refs up to
        the first that finds a live parent or is ``settled`` (needs no looking up); the ones after it are never
        looked at, so they are not looked up."""
        todo = list(links)
        position = 0
        while todo:
            now = [refs[position] for refs in todo]
            self.load(now if settled is None else (ref for ref in now if not settled(ref)))
            todo = [refs for refs, ref in zip(todo, now, strict=True) if len(refs) > position + 1
                    and not (settled is not None and settled(ref)) and not self._live(ref)]
            position += 1

    def find(self, ref: Ref) -> Found | None:
        return self.known[(ref.table, ref.by, ref.take)].get(ref.key)

    def _live(self, ref: Ref) -> bool:
        hit = self.find(ref)
        return hit is not None and not hit.deleted

    def forget_misses(self, tables: Iterable[str]) -> None:
        """Forget the parents not found in ``tables``: rows written there since may hold them now."""
        tables = set(tables)
        for (table, _, _), known in self.known.items():
            if table in tables:
                for key in [k for k, v in known.items() if v is None]:
                    del known[key]


def state(refs: tuple[Ref, ...], lookup: Lookup, produced: set[tuple[str, str]]) -> tuple[str, Ref | None]:
    """How a link (its ``refs``, in the order they are tried) stands, and the ref that settles it when it is
    ``ok``: a parent is there (or being written on this page, the ref then being produced); ``deleted`` when
    every way to it leads to a deleted row; else ``missing`` (it may still arrive)."""
    states = []
    for ref in refs:
        if ref.by == "salesforce_id" and ref.take == "id" and (ref.table, ref.key) in produced:
            return "ok", ref
        hit = lookup.find(ref)
        if hit is not None and not hit.deleted:
            return "ok", ref
        states.append("deleted" if hit is not None else "missing")
    return ("deleted" if all(s == "deleted" for s in states) else "missing"), None


def assign(row: dict, column: str, value: Ref | FirstOf | OneOf, lookup: Lookup) -> None:
    """Replace a link in ``row`` by the parent's value (NULL where none is live)."""
    if isinstance(value, OneOf):
        for col in value.columns:
            row[col] = None
        for col, ref in value.columns.items():
            hit = lookup.find(ref)
            if hit is not None and not hit.deleted:
                row[col] = hit.target
                return
        return
    row[column] = None
    for ref in refs_of(value):
        hit = lookup.find(ref)
        if hit is not None and not hit.deleted:
            row[column] = hit.target
            return


def clear(row: dict, column: str, value: Ref | FirstOf | OneOf) -> None:
    """Write NULL for a link whose parent is not there."""
    for col in (value.columns if isinstance(value, OneOf) else (column,)):
        row[col] = None


def link_external(mapped: Mapped, lookup: Lookup, mine: set[str], found: list[issues.Found]) -> int:
    """Check every link to a row this page does not write; hold back records whose parent is missing.

    ``mine``: the tables the page writes. A link settled here leaves the row's list of links: written as NULL
    (an optional parent that is not there), or as its parent when nothing this page writes can change the
    answer (the parent found is not one this page writes, and no way tried before it leads to a table this page
    writes). The issues go to ``found``; returns how many records were held back or left with a link pending.
    """
    produced = {(tb, row["salesforce_id"]) for rows in mapped.values() for tb, row, _ in rows}

    def is_produced(ref: Ref) -> bool:
        return ref.by == "salesforce_id" and ref.take == "id" and (ref.table, ref.key) in produced

    lookup.load_links((refs for rows in mapped.values() for _, _, links in rows for _, _, refs in links),
                      is_produced)
    held = 0
    for record_id in list(mapped):
        missing_required = orphaned = False
        for _, row, links in mapped[record_id]:
            if not links:
                continue
            pending = []
            for link in links:
                col, value, refs = link
                status, by = state(refs, lookup, produced)
                if status == "ok":
                    if is_produced(by) or any(ref.table in mine for ref in refs[:refs.index(by)]):
                        pending.append(link)
                    else:
                        assign(row, col, value, lookup)
                    continue
                first = refs[0]
                where = value.field or col
                code = "PARENT_DELETED" if status == "deleted" else (
                    "PARENT_MISSING" if value.required else "LINK_PENDING")
                message = (f"{where} points at {first.table} {first.key}, "
                           + (f"which was deleted in Salesforce (or is no longer a {first.table})"
                              if status == "deleted" else "which is not synced (yet)"))
                found.append(issues.Found(record_id, "orphan", code, where, message, first.table, str(first.key)))
                orphaned = True
                if value.required:
                    missing_required = True
                    pending.append(link)
                else:
                    clear(row, col, value)
            links[:] = pending
        if missing_required:
            del mapped[record_id]
        held += orphaned
    return held


def resolve_links(lookup: Lookup, rows: list[tuple[dict, list[Link]]], written: set[str]) -> None:
    """Turn the links left in ``rows`` (row, its links) into parent ids, now that the parents this page writes
    exist; ``written``: the tables written since ``lookup`` last looked (its misses there are looked for again;
    emptied here)."""
    lookup.forget_misses(written)
    written.clear()
    lookup.load_links(refs for _, links in rows for _, _, refs in links)
    for row, links in rows:
        for col, value, _ in links:
            assign(row, col, value, lookup)
