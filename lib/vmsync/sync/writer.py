"""Writing one page of Salesforce records: raw mirror, mapping, parent links, model upserts, issues.

Everything for a page happens inside the caller's transaction, so a page lands whole or not at all, and a
record that cannot be mapped or whose parent is missing is held back alone while its neighbours are written.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter

from sqlalchemy import Connection, select, update

from ..entities.normalize import coercer
from ..entities.spec import ISSUE, Entity, Ref, Reject, Stream, Table
from ..store import tables as t
from ..store.chunks import chunks, in_values, run_in
from ..store.upsert import upsert
from . import issues
from .links import Link, Lookup, assign, clear, links_in, state


@dataclass
class PageCounts:
    extracted: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    orphaned: int = 0
    healed: int = 0
    max_modstamp: datetime | None = None
    samples: list[dict] = field(default_factory=list)
    tables: Counter = field(default_factory=Counter)  # model rows inserted, changed or retired, per table

    def add(self, other: PageCounts) -> None:
        for name in ("extracted", "new", "updated", "unchanged", "deleted", "rejected", "orphaned", "healed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.max_modstamp and (self.max_modstamp is None or other.max_modstamp > self.max_modstamp):
            self.max_modstamp = other.max_modstamp
        self.samples.extend(other.samples[: max(0, 20 - len(self.samples))])
        self.tables.update(other.tables)


class PageWriter:
    """Writes pages of one stream of one entity for one run."""

    def __init__(self, entity: Entity, stream: Stream, run_id: str, now: datetime):
        self.entity = entity
        self.stream = stream
        self.run_id = run_id
        self.now = now
        self.raw = t.raw_table(stream.object, stream.fields)
        self._coerce = coercer(stream.fields)
        self.record_tables = [tb for tb in stream.tables if tb.kind == "record"]
        self.changed: Counter = Counter()  # model rows inserted, changed or retired, per table, over all pages

    # --- the page --------------------------------------------------------------------------------------------

    def write(self, conn: Connection, records: list[dict], *, from_raw: bool = False) -> PageCounts:
        """Write ``records`` (flat, as extracted; or re-read from the raw mirror when ``from_raw``).

        Python's cyclic garbage collector is paused meanwhile: a page makes hundreds of thousands of dicts,
        tuples and links that all live until it is written, which it would go through again and again (about a
        fifth of a step's time), and they are freed by reference counting, not by it.
        """
        with gc_paused():
            return self._write(conn, records, from_raw)

    def _write(self, conn: Connection, records: list[dict], from_raw: bool) -> PageCounts:
        counts = PageCounts(extracted=0 if from_raw else len(records))
        if not records:
            return counts
        found: list[issues.Found] = []
        if not from_raw:
            records = self._typed(records, found, counts)
            self._count_changes(conn, records, counts)
            self._write_raw(conn, records)
        live = [r for r in records if not r.get("IsDeleted")]
        gone = [r["Id"] for r in records if r.get("IsDeleted")]
        stamps = [r["SystemModstamp"] for r in records if r.get("SystemModstamp")]
        counts.max_modstamp = max(stamps) if stamps else None

        mapped: dict[str, list[tuple[str, dict, list[Link]]]] = {}  # per record: (table, row, its links)
        for record in live:
            try:
                rows = self.stream.map(record)
            except Reject as exc:
                found.append(issues.Found(record["Id"], "rejected", exc.code, exc.field, exc.message))
                counts.rejected += 1
                self._sample(counts, record, exc.code, exc.field, exc.message)
                continue
            except Exception as exc:  # a mapping bug costs this record only, and is reported with it
                message = f"{type(exc).__name__}: {exc}"
                found.append(issues.Found(record["Id"], "rejected", "MAPPING_ERROR", "", message))
                counts.rejected += 1
                self._sample(counts, record, "MAPPING_ERROR", "", message)
                continue
            mapped[record["Id"]] = [(tb, row, links_in(row)) for tb, row in rows if tb != ISSUE]
            for tb, row in rows:
                if tb == ISSUE:
                    found.append(issues.Found(record["Id"], "warning", row["code"], row.get("field", ""),
                                              row["message"]))

        lookup = Lookup(conn)
        counts.orphaned += self._link_external(conn, mapped, found, lookup)
        self._write_model(conn, mapped, lookup)
        counts.deleted += self.mark_deleted(conn, gone)
        counts.healed += issues.settle(
            conn, self.entity.name, self.stream.object, [f.record_id for f in found] + [r["Id"] for r in records],
            found,
            deleted=set(gone), run_id=self.run_id, now=self.now,
        )
        return counts

    def _sample(self, counts: PageCounts, record: dict, code: str, field_: str, message: str) -> None:
        if len(counts.samples) < 20:
            counts.samples.append({"record_id": record.get("Id"), "code": code, "field": field_,
                                   "message": message})

    def _typed(self, records: list[dict], found: list, counts: PageCounts) -> list[dict]:
        """The records whose values fit the raw mirror's columns; the others are rejected here, alone."""
        kept = []
        for record in records:
            try:
                kept.append(self._coerce(record))
            except Reject as exc:
                found.append(issues.Found(str(record.get("Id")), "rejected", exc.code, exc.field, exc.message))
                counts.rejected += 1
                self._sample(counts, record, exc.code, exc.field, exc.message)
        return kept

    def _count_changes(self, conn: Connection, records: list[dict], counts: PageCounts) -> None:
        raw = self.raw
        known = {row[0]: row for row in run_in(
            conn, select(raw.c.Id, raw.c.SystemModstamp, raw.c.IsDeleted).where(raw.c.Id.in_(in_values())),
            [r["Id"] for r in records])}
        for r in records:
            if r.get("IsDeleted"):
                continue
            before = known.get(r["Id"])
            if before is None or before[2]:
                counts.new += 1
            elif _same_instant(before[1], r.get("SystemModstamp")):
                counts.unchanged += 1
            else:
                counts.updated += 1

    def _write_raw(self, conn: Connection, records: list[dict]) -> None:
        stamp = {"run_id": self.run_id, "synced_at": self.now}
        rows = [r | stamp for r in records]
        upsert(conn, self.raw, _unique(rows, itemgetter("Id")), key=("Id",), keep=())

    # --- parents -----------------------------------------------------------------------------------------

    def _link_external(self, conn: Connection, mapped: dict, found: list, lookup: Lookup) -> int:
        """Check every link to a row this page does not write; hold back records whose parent is missing.

        A link settled here leaves the row's list of links: written as NULL (an optional parent that is not
        there), or as its parent when nothing this page writes can change the answer (the parent found is not
        one this page writes, and no way tried before it leads to a table this page writes)."""
        produced = {(tb, row["salesforce_id"]) for rows in mapped.values() for tb, row, _ in rows}

        def is_produced(ref: Ref) -> bool:
            return ref.by == "salesforce_id" and ref.take == "id" and (ref.table, ref.key) in produced

        lookup.load_links((refs for rows in mapped.values() for _, _, links in rows for _, _, refs in links),
                          is_produced)
        mine = {spec.name for spec in self.stream.tables}
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
                    found.append(issues.Found(record_id, "orphan", code, where, message, first.table,
                                              str(first.key)))
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

    def _resolve_links(self, lookup: Lookup, rows: list[tuple[dict, list[Link]]], written: set[str]) -> None:
        """Turn the links left in ``rows`` (row, its links) into parent ids, now that the parents this page
        writes exist; ``written``: the tables written since ``lookup`` last looked (its misses there are
        looked for again)."""
        lookup.forget_misses(written)
        written.clear()
        lookup.load_links(refs for _, links in rows for _, _, refs in links)
        for row, links in rows:
            for col, value, _ in links:
                assign(row, col, value, lookup)

    # --- model tables ------------------------------------------------------------------------------------

    def _write_model(self, conn: Connection, mapped: dict[str, list[tuple[str, dict, list[Link]]]],
                     lookup: Lookup) -> None:
        by_table: dict[str, list[tuple[dict, list[Link]]]] = defaultdict(list)
        for rows in mapped.values():
            for tb, row, links in rows:
                by_table[tb].append((row, links))
        fresh: set[str] = set()  # tables written since the lookup last looked
        written: dict[str, list[str]] = {}
        for spec in self.stream.tables:
            linked = _unique(by_table.get(spec.name, []), lambda pair: pair[0]["salesforce_id"])
            self._resolve_links(lookup, linked, fresh)
            rows = [row for row, _ in linked]
            table = t.metadata.tables[spec.name]
            stamp = {"created_at": self.now, "updated_at": self.now, "run_id": self.run_id}
            if spec.kind == "lookup":
                self.changed[spec.name] += upsert(conn, table, [r | stamp for r in rows], update=False)
            else:
                stamp["deleted_at"] = None
                self.changed[spec.name] += upsert(conn, table, [r | stamp for r in rows])
            written[spec.name] = [r["salesforce_id"] for r in rows]
            fresh.add(spec.name)
        record_ids = list(mapped)
        for spec in self.stream.tables:
            if spec.kind == "owned":
                self._retire_children(conn, spec, record_ids, keep=set(written.get(spec.name, [])))
        if self.stream.supersedes:
            self._supersede(conn, record_ids)

    def _supersede(self, conn: Connection, record_ids: list[str]) -> None:
        """Records that arrived here left the kinds this stream supersedes: retire what those kinds' streams
        wrote for them (their part, and the rows it owns) that this stream does not write itself."""
        from ..entities import ENTITIES

        mine = {spec.name for spec in self.stream.tables}
        for entity in ENTITIES.values():
            for stream in entity.streams:
                if not any(s.kind == "record" and s.name in self.stream.supersedes for s in stream.tables):
                    continue
                if entity.name != self.entity.name:  # issues are kept per entity: ours are settled by this page
                    issues.resolve(conn, entity.name, record_ids, "left", self.run_id, self.now)
                for spec in stream.tables:
                    if spec.name in mine:
                        continue
                    if spec.kind == "owned":
                        self._retire_children(conn, spec, record_ids)
                    elif spec.kind == "record":
                        self._retire(conn, t.metadata.tables[spec.name], record_ids, unlink=True)

    def _retire(self, conn: Connection, table, salesforce_ids: list[str], *, unlink: bool = False) -> None:
        """Mark the live rows with these ``salesforce_id``s deleted; with ``unlink`` (the record is gone from
        Salesforce, or became another kind of record), rows linked to them let go too."""
        live = select(table.c.id).where(table.c.salesforce_id.in_(in_values()), table.c.deleted_at.is_(None))
        for part in chunks(salesforce_ids):
            gone = [row_id for row_id, in run_in(conn, live, part)]
            if not gone:
                continue
            self.changed[table.name] += conn.execute(
                update(table).where(table.c.id.in_(gone))
                .values(deleted_at=self.now, updated_at=self.now, run_id=self.run_id)).rowcount
            if unlink:
                self._unlink(conn, table, gone)

    def _unlink(self, conn: Connection, parent, parent_ids: list[int]) -> None:
        """Rows of other tables linked to retired ``parent`` rows drop the link (or, when they cannot be without
        it, retire too), and wait in ``sync_issue`` to be mapped again, each under the stream that wrote it: to
        the parent's new table (an organization that became a school), or to nothing when it was deleted."""
        for child, column, owners in children_of(parent.name):
            live = (child.c[column].in_(parent_ids), child.c.deleted_at.is_(None))
            linked = conn.execute(select(child.c.salesforce_id).where(*live)).scalars().all()
            if not linked:
                continue
            for entity, sf_object, spec in owners:
                mine = linked if len(owners) == 1 else conn.execute(
                    select(child.c.salesforce_id).where(*live, *spec.in_scope(child))).scalars().all()
                issues.record(conn, entity, sf_object, [
                    issues.Found(key, "orphan", "LINK_PENDING", column,
                                 f"{column}: its {parent.name} left; to be linked again", parent.name)
                    for key in mine], self.run_id, self.now)
            if child.c[column].nullable:
                self.changed[child.name] += conn.execute(update(child).where(child.c.salesforce_id.in_(linked))
                                                         .values({column: None, "updated_at": self.now,
                                                                  "run_id": self.run_id})).rowcount
            else:
                self._retire(conn, child, linked, unlink=True)

    def _retire_children(self, conn: Connection, spec: Table, parent_keys: list[str], keep=frozenset()) -> None:
        """Mark the live rows owned by these parents deleted, but for those in ``keep`` (and outside ``scope``:
        rows of the same table that another process owns, such as derived ones)."""
        table = t.metadata.tables[spec.name]
        parent = t.metadata.tables[spec.parent_table]
        parent_ids = select(parent.c.id).where(parent.c.salesforce_id.in_(in_values())).scalar_subquery()
        owned = select(table.c.salesforce_id).where(
            table.c[spec.parent_column].in_(parent_ids), table.c.deleted_at.is_(None), *spec.in_scope(table))
        self._retire(conn, table, [k for k, in run_in(conn, owned, parent_keys) if k not in keep])

    # --- deletes -----------------------------------------------------------------------------------------

    def mark_deleted(self, conn: Connection, salesforce_ids: list[str], *, in_salesforce: bool = True) -> int:
        """Give these records (and what they own) ``deleted_at``; returns how many were live here.

        ``in_salesforce=False`` is for records that still live in Salesforce but left this stream (a contact
        whose type changed): their raw mirror row stays as it is, and the rows linked to them let go but for
        links to a row the stream they move to takes over (the ``contact`` row a new kind of contact keeps).
        """
        if not salesforce_ids:
            return 0
        retired: dict[str, list[str]] = {}
        kept = set() if in_salesforce else taken_over(self.stream)
        for spec in self.record_tables:
            table = t.metadata.tables[spec.name]
            retired[spec.name] = [k for k, in run_in(conn, select(table.c.salesforce_id).where(
                table.c.salesforce_id.in_(in_values()), table.c.deleted_at.is_(None), *spec.in_scope(table)),
                salesforce_ids)]
            self._retire(conn, table, retired[spec.name], unlink=spec.name not in kept)
        for spec in self.stream.tables:
            if spec.kind == "owned":
                self._retire_children(conn, spec, retired.get(spec.parent_table, []))
        if in_salesforce:
            list(run_in(conn, update(self.raw).where(self.raw.c.Id.in_(in_values())).values(IsDeleted=True),
                        salesforce_ids))
        else:  # they left this entity: nothing of theirs is to be mapped here again
            issues.resolve(conn, self.entity.name, salesforce_ids, "left", self.run_id, self.now)
        return len(retired[self.record_tables[0].name])

    def retire_leavers(self, conn: Connection, salesforce_ids: list[str]) -> int:
        """Records that no longer match this stream's filter leave its tables (they live on elsewhere)."""
        return self.mark_deleted(conn, salesforce_ids, in_salesforce=False)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (as it was before, after it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def taken_over(stream: Stream) -> frozenset[str]:
    """The record tables of ``stream`` that a stream superseding it also writes: a record leaving ``stream``
    for that one keeps its row there (revived), so what links to the row may stay linked."""
    from ..entities import ENTITIES

    mine = {spec.name for spec in stream.tables if spec.kind == "record"}
    return frozenset(spec.name for entity in ENTITIES.values() for other in entity.streams
                     if other is not stream and mine & set(other.supersedes)
                     for spec in other.tables if spec.kind == "record" and spec.name in mine)


@cache
def children_of(table_name: str) -> tuple:
    """(child table, FK column, owners) for every column that links to ``table_name``; the owners are the
    (entity, object, table spec) of each stream whose records the child rows are (several when streams share a
    table by scope, as Tasks and EmailMessages share ``history``; none for rows owned by another row)."""
    from ..entities import ENTITIES

    owners = defaultdict(list)
    for entity in ENTITIES.values():
        for stream in entity.streams:
            for spec in stream.tables:
                if spec.kind == "record":
                    owners[spec.name].append((entity.name, stream.object, spec))
    return tuple((child, column.name, tuple(owners[child.name])) for child in t.metadata.sorted_tables
                 for column in child.columns
                 if any(fk.column.table.name == table_name for fk in column.foreign_keys))


def _unique(items: list, key: Callable) -> list:
    """The items with distinct ``key(item)``s, the first of each kept."""
    seen: dict = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _same_instant(a: datetime | None, b: datetime | None) -> bool:
    """Equal instants, whether the database gave them back aware (PostgreSQL) or naive UTC (SQLite)."""
    if a is None or b is None:
        return a is b
    return _naive_utc(a) == _naive_utc(b)


def _naive_utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
