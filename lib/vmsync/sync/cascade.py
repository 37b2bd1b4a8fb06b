"""Retiring rows, and what follows from it: the rows they own retire with them, and rows of other tables that
link to them let go (or retire, when they cannot be without the link) and wait in ``sync_issue`` to be linked
again.

A stream's rows retire when their record is deleted in Salesforce, leaves the stream (a contact whose type
changed), moves to a stream that supersedes this one (an Account that became a school), or, for owned rows,
when their parent is written without them. Retiring is ``deleted_at``: nothing is removed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, select, update

from ..entities.catalog import Catalog
from ..entities.spec import Entity, Stream, Table
from ..store import tables as t
from ..store.chunks import chunks, in_values, run_in
from . import issues


class Cascade:
    """Retires rows for one stream of one entity in one run, counting the rows it changes per table in
    ``changed``."""

    def __init__(self, catalog: Catalog, entity: Entity, stream: Stream, run_id: str, now: datetime,
                 changed: Counter):
        self.catalog = catalog
        self.entity = entity.name
        self.key = entity.stream_key(stream)
        self.stream = stream
        self.run_id = run_id
        self.now = now
        self.changed = changed
        self.record_tables = [tb for tb in stream.tables if tb.kind == "record"]

    def retire_records(self, conn: Connection, salesforce_ids: list[str], *, left: bool = False) -> int:
        """Retire this stream's rows of these records and the rows they own; returns how many of them were live
        in its first record table.

        Rows linked to them let go, but with ``left`` (the records live on in Salesforce and moved to another
        stream) not those linked to a row the stream they move to takes over (the ``contact`` row a new kind of
        contact keeps).
        """
        retired: dict[str, list[str]] = {}
        kept = self.catalog.taken_over[self.key] if left else frozenset()
        for spec in self.record_tables:
            table = t.metadata.tables[spec.name]
            retired[spec.name] = [k for k, in run_in(conn, select(table.c.salesforce_id).where(
                table.c.salesforce_id.in_(in_values()), table.c.deleted_at.is_(None), *spec.in_scope(table)),
                salesforce_ids)]
            self.retire(conn, table, retired[spec.name], unlink=spec.name not in kept)
        for spec in self.stream.tables:
            if spec.kind == "owned":
                self.retire_owned(conn, spec, retired.get(spec.parent_table, []))
        return len(retired[self.record_tables[0].name])

    def supersede(self, conn: Connection, record_ids: list[str]) -> None:
        """Records that arrived here left the kinds this stream supersedes: retire what those kinds' streams
        wrote for them (their part, and the rows it owns) that this stream does not write itself."""
        mine = {spec.name for spec in self.stream.tables}
        for entity, stream in self.catalog.superseded[self.key]:
            if entity != self.entity:  # issues are kept per entity: ours are settled by the page
                issues.resolve(conn, entity, record_ids, "left", self.run_id, self.now)
            for spec in stream.tables:
                if spec.name in mine:
                    continue
                if spec.kind == "owned":
                    self.retire_owned(conn, spec, record_ids)
                elif spec.kind == "record":
                    self.retire(conn, t.metadata.tables[spec.name], record_ids, unlink=True)

    def retire_owned(self, conn: Connection, spec: Table, parent_keys: list[str], keep=frozenset()) -> None:
        """Mark the live rows owned by these parents deleted, but for those in ``keep`` (and outside ``scope``:
        rows of the same table that another process owns, such as derived ones)."""
        table = t.metadata.tables[spec.name]
        parent = t.metadata.tables[spec.parent_table]
        parent_ids = select(parent.c.id).where(parent.c.salesforce_id.in_(in_values())).scalar_subquery()
        owned = select(table.c.salesforce_id).where(
            table.c[spec.parent_column].in_(parent_ids), table.c.deleted_at.is_(None), *spec.in_scope(table))
        self.retire(conn, table, [k for k, in run_in(conn, owned, parent_keys) if k not in keep])

    def retire(self, conn: Connection, table, salesforce_ids: list[str], *, unlink: bool = False) -> None:
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
        for child, column, owners in self.catalog.children_of(parent.name):
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
                self.retire(conn, child, linked, unlink=True)
