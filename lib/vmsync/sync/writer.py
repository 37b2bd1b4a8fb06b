"""Writing one page of Salesforce records: raw mirror, mapping, parent links, model upserts, issues.

Everything for a page happens inside the caller's transaction, so a page lands whole or not at all, and a
record that cannot be mapped or whose parent is missing is held back alone while its neighbours are written.
The writer orchestrates a page: ``links`` settles the links, ``cascade`` retires rows (and what hangs off them),
``issues`` keeps what was held back.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from ..entities.catalog import Catalog
from ..entities.normalize import coercer
from ..entities.spec import ISSUE, Entity, Reject, Stream
from ..store import tables as t
from ..store.chunks import in_values, run_in
from ..store.upsert import upsert
from . import issues
from .cascade import Cascade
from .links import Link, Lookup, Mapped, link_external, links_in, resolve_links
from .result import PageCounts

TYPE_CHANGED = "TYPE_CHANGED"  # a value that no longer fits its field's column: kept as null, with a warning

if TYPE_CHECKING:
    from .orgshape import Drift


class PageWriter:
    """Writes pages of one stream of one entity for one run; ``catalog`` tells what the other streams write
    (the rows a record leaves behind when it moves to another stream, the rows that link to a retired row).

    ``drift`` is how the org differs from the spec (``orgshape``): a field it lost is not in the records, so
    its raw column is left as it is and the mapping is given the value stored there (the model keeps it too);
    a value of a retyped field that no longer fits its column is a warning on its record, stored as null;
    the object's other fields, for a stream that mirrors them all, go to columns of a raw table widened for
    this step (``tables.widened_raw_table``), which the step has added to the database.
    """

    def __init__(self, entity: Entity, stream: Stream, run_id: str, now: datetime, catalog: Catalog,
                 drift: Drift | None = None):
        self.entity = entity
        self.stream = stream
        self.run_id = run_id
        self.now = now
        mirrored = catalog.mirrored_fields(stream)
        self.raw = t.raw_table(stream.object, mirrored)
        if drift and drift.extra:
            self.raw = t.widened_raw_table(self.raw, drift.extra)
        self.missing = tuple(drift.missing) if drift else ()
        self.retyped = frozenset(drift.retyped) if drift else frozenset()
        self._coerce = coercer(drift.read if drift else mirrored)
        self.changed: Counter = Counter()  # model rows inserted, changed or retired, per table, over all pages
        self.cascade = Cascade(catalog, entity, stream, run_id, now, self.changed)

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
            records = self._with_stored(conn, records)
        live = [r for r in records if not r.get("IsDeleted")]
        gone = [r["Id"] for r in records if r.get("IsDeleted")]
        stamps = [r["SystemModstamp"] for r in records if r.get("SystemModstamp")]
        counts.max_modstamp = max(stamps) if stamps else None

        mapped = self._map(live, found, counts)
        lookup = Lookup(conn)
        counts.orphaned += link_external(mapped, lookup, {spec.name for spec in self.stream.tables}, found)
        self._write_model(conn, mapped, lookup)
        counts.deleted += self.mark_deleted(conn, gone)
        counts.healed += issues.settle(
            conn, self.entity.name, self.stream.object, [f.record_id for f in found] + [r["Id"] for r in records],
            found,
            deleted=set(gone), run_id=self.run_id, now=self.now, keep=(TYPE_CHANGED,) if from_raw else (),
        )
        return counts

    def _reject(self, found: list[issues.Found], counts: PageCounts, record: dict, exc: Exception) -> None:
        """Hold ``record`` back alone: an issue for it, counted and sampled in the page's figures. A ``Reject``
        says what is wrong; any other exception is a mapping bug, reported with the record as MAPPING_ERROR."""
        if isinstance(exc, Reject):
            code, field_, message = exc.code, exc.field, exc.message
        else:
            code, field_, message = "MAPPING_ERROR", "", f"{type(exc).__name__}: {exc}"
        found.append(issues.Found(str(record.get("Id")), "rejected", code, field_, message))
        counts.reject(record.get("Id"), code, field_, message)

    def _typed(self, records: list[dict], found: list[issues.Found], counts: PageCounts) -> list[dict]:
        """The records whose values fit the raw mirror's columns; the others are rejected here, alone, but for
        a value of a retyped field: it is left out (null), with a warning."""
        kept = []
        for record in records:
            try:
                kept.append(self._fitted(record, found))
            except Reject as exc:
                self._reject(found, counts, record, exc)
        return kept

    def _fitted(self, record: dict, found: list[issues.Found]) -> dict:
        while True:
            try:
                return self._coerce(record)
            except Reject as exc:
                if exc.field not in self.retyped or record.get(exc.field) is None:
                    raise
                found.append(issues.Found(str(record.get("Id")), "warning", TYPE_CHANGED, exc.field,
                                          f"{exc.message}: the field's type changed in the org; stored as null"))
                record = record | {exc.field: None}

    def _with_stored(self, conn: Connection, records: list[dict]) -> list[dict]:
        """The records with the values stored for the fields the org lost (None for a record never seen)."""
        if not self.missing:
            return records
        raw = self.raw
        stored = {row[0]: row[1:] for row in run_in(
            conn, select(raw.c.Id, *(raw.c[f] for f in self.missing)).where(raw.c.Id.in_(in_values())),
            [r["Id"] for r in records])}
        blank = (None,) * len(self.missing)
        return [r | dict(zip(self.missing, stored.get(r["Id"], blank), strict=True)) for r in records]

    def _map(self, live: list[dict], found: list[issues.Found], counts: PageCounts) -> Mapped:
        """Each record's model rows with the links they ask for; a record that cannot be mapped is rejected
        alone, and the warnings a mapping gives (its ``ISSUE`` rows) join ``found``."""
        mapped: Mapped = {}
        for record in live:
            try:
                rows = self.stream.map(record)
            except Exception as exc:  # a mapping bug costs this record only, and is reported with it
                self._reject(found, counts, record, exc)
                continue
            mapped[record["Id"]] = [(tb, row, links_in(row)) for tb, row in rows if tb != ISSUE]
            for tb, row in rows:
                if tb == ISSUE:
                    found.append(issues.Found(record["Id"], "warning", row["code"], row.get("field", ""),
                                              row["message"]))
        return mapped

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
        stamp = {"run_id": self.run_id, "synced_at": self.now, "read_by": self.entity.stream_key(self.stream)}
        rows = [r | stamp for r in records]
        upsert(conn, self.raw, _unique(rows, itemgetter("Id")), key=("Id",), keep=())

    # --- model tables ------------------------------------------------------------------------------------

    def _write_model(self, conn: Connection, mapped: Mapped, lookup: Lookup) -> None:
        by_table: dict[str, list[tuple[dict, list[Link]]]] = defaultdict(list)
        for rows in mapped.values():
            for tb, row, links in rows:
                by_table[tb].append((row, links))
        fresh: set[str] = set()  # tables written since the lookup last looked
        written: dict[str, list[str]] = {}
        for spec in self.stream.tables:
            linked = _unique(by_table.get(spec.name, []), lambda pair: pair[0]["salesforce_id"])
            resolve_links(lookup, linked, fresh)
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
                self.cascade.retire_owned(conn, spec, record_ids, keep=set(written.get(spec.name, [])))
        if self.stream.supersedes:
            self.cascade.supersede(conn, record_ids)

    # --- deletes -----------------------------------------------------------------------------------------

    def mark_deleted(self, conn: Connection, salesforce_ids: list[str], *, in_salesforce: bool = True) -> int:
        """Give these records (and what they own) ``deleted_at``; returns how many were live here.

        ``in_salesforce=False`` is for records that still live in Salesforce but left this stream (a contact
        whose type changed): their raw mirror row stays as it is, and the rows linked to them let go but for
        links to a row the stream they move to takes over (the ``contact`` row a new kind of contact keeps).
        """
        if not salesforce_ids:
            return 0
        live = self.cascade.retire_records(conn, salesforce_ids, left=not in_salesforce)
        if in_salesforce:
            list(run_in(conn, update(self.raw).where(self.raw.c.Id.in_(in_values())).values(IsDeleted=True),
                        salesforce_ids))
        else:  # they left this entity: nothing of theirs is to be mapped here again
            issues.resolve(conn, self.entity.name, salesforce_ids, "left", self.run_id, self.now)
        return live

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
