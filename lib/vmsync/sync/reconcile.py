"""Does the database hold what the org holds? A per-stream comparison of record Ids, read only.

For every stream of every entity, the Ids of the live records in the org (``SELECT Id FROM object WHERE
(where)``, deleted records left out) are compared with the live rows of the stream's first record table
(scope applied) and with the records held back in ``sync_issue`` (rejected or orphaned, waiting to heal):

* **missing**: in the org, not in the database, and no open issue explains why: a sync defect;
* **held**: in the org, not in the database, with an open issue (expected until fixed or healed);
* **extra**: live in the database but not (or no longer) live in the org: a delete that did not arrive.

Called by ``vmsync check --reconcile`` and by the summary; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from ..entities import ordered
from ..entities.spec import Entity, Stream
from ..store import tables as t

SAMPLE = 10


@dataclass
class StreamReconciliation:
    entity: str
    stream: str
    object: str
    table: str
    in_org: int
    in_database: int
    held: int
    missing: int
    extra: int
    missing_sample: list[str] = field(default_factory=list)
    extra_sample: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.missing and not self.extra


def _record_table(stream: Stream):
    return next((tb for tb in stream.tables if tb.kind == "record"), None)


def _database_ids(engine: Engine, spec: Entity, stream: Stream, table_spec) -> tuple[set[str], set[str]]:
    table = t.metadata.tables[table_spec.name]
    live = select(table.c.salesforce_id).where(table.c.deleted_at.is_(None),
                                               *[table.c[k] == v for k, v in table_spec.scope.items()])
    i = t.sync_issue
    held = select(i.c.record_id).where(i.c.entity == spec.name, i.c.object == stream.object,
                                       i.c.resolved_at.is_(None))
    with engine.connect() as conn:
        return set(conn.execute(live).scalars()), set(conn.execute(held).scalars())


def _org_ids(client, stream: Stream) -> set[str]:
    soql = f"SELECT Id FROM {stream.object}" + (f" WHERE {stream.where}" if stream.where else "")
    return {r["Id"] for page in client.query_pages(soql) for r in page}


def reconcile(engine: Engine, client, names: list[str] | None = None,
              sample: int = SAMPLE) -> list[StreamReconciliation]:
    """Compare org and database for the streams of ``names`` (all entities by default).

    ``client`` is a connected ``vmsync.salesforce.SalesforceClient``; the tables must exist.
    """
    results = []
    for spec in ordered(names):
        for stream in spec.streams:
            table_spec = _record_table(stream)
            if table_spec is None:
                continue
            org = _org_ids(client, stream)
            database, issues = _database_ids(engine, spec, stream, table_spec)
            absent = org - database
            missing = sorted(absent - issues)
            extra = sorted(database - org)
            results.append(StreamReconciliation(
                entity=spec.name, stream=stream.name, object=stream.object, table=table_spec.name,
                in_org=len(org), in_database=len(database), held=len(absent & issues), missing=len(missing),
                extra=len(extra), missing_sample=missing[:sample], extra_sample=extra[:sample]))
    return results
