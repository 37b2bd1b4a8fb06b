"""Against the old way: the same records written one ORM object at a time, as the existing VMS imports do.

The VMS imports (docs/vms-org.md#imports) read a page, then for every record ask
the database for its parents and for the row itself (``session.query(Model).filter_by(salesforce_id=...)
.first()``), create it when missing, set its attributes and commit every N records: volunteers after each
record, students every 100, affiliations every 5,000. Here that loop writes exactly the rows vmsync's own
mapping gives for the same records (same SOQL, same client, same extract), into ORM classes mapped on
vmsync's model tables, so the two differ only in how they write.

``bench.end_to_end`` runs it: its first full run takes a copy of the database just before the volunteers,
students and affiliations steps, and the old way then writes, on each copy and from the same sandbox, the
first ``BENCH_OLD_WAY_RECORDS`` (1,000) records of the same extract. The old way costs the same for every
record (a few indexed queries and an INSERT each) and would take minutes over a whole org, so its rate over
those records is compared with the rate of vmsync's step over all of them (which carries the step's fixed
cost, so the comparison favours the old way). Figures: records/s of the old way, and vmsync's rate over the
old way's (aim >= 10).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy.orm import Session, registry

from vmsync.entities import get
from vmsync.entities.normalize import coerce
from vmsync.entities.spec import ISSUE, FirstOf, OneOf, Ref, Reject, Stream
from vmsync.salesforce import SalesforceClient
from vmsync.store import tables as t
from vmsync.store.database import open_engine
from vmsync.sync.step import build_soql

from .harness import Figure, ratio

SAMPLE = int(os.environ.get("BENCH_OLD_WAY_RECORDS", "1000"))
COMMIT_EVERY = {"volunteers": 1, "students": 100, "affiliations": 5000}  # as the VMS imports commit

_registry = registry()
_classes: dict[str, type] = {}


def model(table_name: str) -> type:
    """An ORM class mapped on vmsync's model table ``table_name`` (made once)."""
    if table_name not in _classes:
        cls = type(f"Old_{table_name}", (), {})
        _registry.map_imperatively(cls, t.metadata.tables[table_name])
        _classes[table_name] = cls
    return _classes[table_name]


def find(session: Session, ref: Ref):
    """The parent's ``take`` value, asked of the database for this one row, or None."""
    cls = model(ref.table)
    parent = session.query(cls).filter_by(**{ref.by: ref.key}).first()
    return getattr(parent, ref.take) if parent is not None else None


def resolve(session: Session, row: dict) -> bool:
    """Replace the links in ``row`` by parent ids, one query each; False when a required parent is missing."""
    for column, value in list(row.items()):
        if isinstance(value, OneOf):
            for col in value.columns:
                row[col] = None
            for col, ref in value.columns.items():
                row[col] = find(session, ref)
                if row[col] is not None:
                    break
            else:
                if value.required:
                    return False
        elif isinstance(value, (Ref, FirstOf)):
            options = (value,) if isinstance(value, Ref) else value.options
            row[column] = next((hit for ref in options if (hit := find(session, ref)) is not None), None)
            if row[column] is None and value.required:
                return False
    return True


def write_record(session: Session, stream: Stream, record: dict, run_id: str, now: datetime) -> None:
    """One record the old way: per row, look its parents and itself up, create or update, set attributes."""
    order = {spec.name: i for i, spec in enumerate(stream.tables)}
    try:
        rows = stream.map(record)
    except Reject:
        return
    for table_name, row in sorted((r for r in rows if r[0] != ISSUE), key=lambda r: order[r[0]]):
        if not resolve(session, row):
            return
        cls = model(table_name)
        obj = session.query(cls).filter_by(salesforce_id=row["salesforce_id"]).first()
        if obj is None:
            obj = cls()
            obj.created_at = now
            session.add(obj)
        for column, value in row.items():
            setattr(obj, column, value)
        obj.updated_at, obj.run_id = now, run_id


def old_way(sf: SalesforceClient, entity_name: str, db_url: str, limit: int) -> int:
    """Write the entity's first ``limit`` records the old way; returns how many were read."""
    entity = get(entity_name)
    engine = open_engine(db_url)
    now = datetime.now(UTC)
    every = COMMIT_EVERY[entity_name]
    read = 0
    try:
        with Session(engine, expire_on_commit=entity_name != "affiliations") as session:
            for stream in entity.streams:
                for page in sf.query_pages(build_soql(stream, None), include_deleted=True):
                    for record in page[:limit - read]:
                        read += 1
                        if record.get("IsDeleted"):
                            continue
                        try:
                            typed = {name: coerce(kind, record.get(name), name)
                                     for name, kind in stream.fields.items()}
                        except Reject:
                            continue
                        write_record(session, stream, typed, "bench-old", now)
                        if read % every == 0:
                            session.commit()
                    if read >= limit:
                        break
            session.commit()
    finally:
        engine.dispose()
    return read


def figures(vmsync_s: dict[str, float], records: dict[str, int], old_s: dict[str, float],
            old_records: dict[str, int]) -> list[Figure]:
    """Records/s of the old way and of vmsync's step, and vmsync's rate over the old way's (aim >= 10)."""
    out = []
    for name in COMMIT_EVERY:
        old_rate, new_rate = ratio(old_records[name], old_s[name]), ratio(records[name], vmsync_s[name])
        out += [
            Figure(f"old_way_{name}_records_per_s", old_rate, "records/s",
                   f"{name}: old way, {old_records[name]:,} records, commit per {COMMIT_EVERY[name]:,}"),
            Figure(f"old_way_{name}_vs_vmsync", ratio(new_rate, old_rate), "x",
                   f"{name}: vmsync rate / old way rate", (">=", 10)),
        ]
    return out
