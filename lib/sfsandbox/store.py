"""The sandbox org's records: one SQLite file, one table per object of ``schema``.

Tables follow the storage conventions in ``schema``'s docstring, so the SOQL engine reads them directly
through ``Store.read_connection()``. Beside the object tables the file keeps three bookkeeping tables whose
names start with ``_`` (no object name does): ``_meta`` (the org and integration-user Ids), ``_counter``
(the last Id counter used per object) and ``_deleted`` (when each deleted record went, kept after a purge
so getDeleted still reports it, like Salesforce after its recycle bin is emptied).

Writes go through one connection under a lock; the server's request threads each read through their own
connection, which WAL mode lets run beside a write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .clock import Clock
from .ids import make_id, to18
from .schema import OBJECTS, Field, SObject, sobject, sobject_for_id
from .values import FieldValueError, parse_datetime, stored_datetime, to_json, to_storage

UPDATED_WINDOW_DAYS = 30
DELETED_WINDOW_DAYS = 15
MAX_REPLICATION_IDS = 600_000

_NOT_FOUND = "The requested resource does not exist"


class StoreError(Exception):
    """A write or read the org refuses, with the HTTP status and Salesforce error code to answer with."""

    def __init__(self, status: int, error_code: str, message: str, fields: Iterable[str] = ()):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields)


# --- the file's layout ----------------------------------------------------------------------------------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_sql(f: Field) -> str:
    if f.type == "boolean":
        return f"{_q(f.name)} INTEGER NOT NULL DEFAULT 0"
    if f.type == "int":
        return f"{_q(f.name)} INTEGER"
    if f.type in ("double", "currency", "percent"):
        return f"{_q(f.name)} REAL"
    if f.is_text:
        return f"{_q(f.name)} TEXT COLLATE NOCASE"
    if f.type == "id":
        return f"{_q(f.name)} TEXT PRIMARY KEY"
    return f"{_q(f.name)} TEXT"


def create_tables(conn: sqlite3.Connection) -> None:
    """Create every object table and the bookkeeping tables (no secondary indexes; see ``create_indexes``)."""
    for obj in OBJECTS:
        columns = ", ".join(_column_sql(f) for f in obj.columns)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_q(obj.name)} ({columns})")
    conn.execute('CREATE TABLE IF NOT EXISTS "_meta" ("key" TEXT PRIMARY KEY, "value" TEXT)')
    conn.execute('CREATE TABLE IF NOT EXISTS "_counter" ("object" TEXT PRIMARY KEY, "last" INTEGER NOT NULL)')
    conn.execute('CREATE TABLE IF NOT EXISTS "_deleted" ("object" TEXT NOT NULL, "Id" TEXT NOT NULL, '
                 '"deletedDate" TEXT NOT NULL, PRIMARY KEY ("object", "Id"))')


def create_indexes(conn: sqlite3.Connection) -> None:
    """Index ``(SystemModstamp, Id)`` (incremental reads page in that order) and every lookup column.

    ``CreatedById`` and ``LastModifiedById`` are left out: every record names the one integration user.
    """
    for obj in OBJECTS:
        conn.execute(f'CREATE INDEX IF NOT EXISTS {_q(obj.name + "_SystemModstamp")} '
                     f'ON {_q(obj.name)} ("SystemModstamp", "Id")')
        for f in obj.columns:
            if f.type == "reference" and f.name not in ("CreatedById", "LastModifiedById"):
                conn.execute(f"CREATE INDEX IF NOT EXISTS {_q(obj.name + '_' + f.name)} "
                             f"ON {_q(obj.name)} ({_q(f.name)})")
    conn.execute('CREATE INDEX IF NOT EXISTS "_deleted_date" ON "_deleted" ("object", "deletedDate")')


def allocate_ids(conn: sqlite3.Connection, obj: SObject, count: int) -> list[str]:
    """Reserve the next ``count`` Ids of ``obj`` from its persisted counter."""
    row = conn.execute('SELECT "last" FROM "_counter" WHERE "object" = ?', (obj.name,)).fetchone()
    last = row[0] if row else 0
    conn.execute('INSERT INTO "_counter" ("object", "last") VALUES (?, ?) '
                 'ON CONFLICT ("object") DO UPDATE SET "last" = excluded."last"', (obj.name, last + count))
    return [make_id(obj.key_prefix, n) for n in range(last + 1, last + count + 1)]


def insert_rows(conn: sqlite3.Connection, obj: SObject, rows: Iterable[Mapping[str, object]], *,
                now: str, user_id: str) -> None:
    """Insert store-shaped rows (exact field names, every row carrying its ``Id``) in one executemany.

    Missing system fields default from ``now`` and ``user_id``, ``LastModifiedDate`` and ``SystemModstamp``
    from the row's own creation; booleans default to false; calculated fields are computed. No value or
    reference is checked: this is the generator's fast path and the way to plant dangling lookups.
    """
    columns = obj.columns
    names = [f.name for f in columns]
    known = frozenset(names)
    position = {name: i for i, name in enumerate(names)}
    booleans = [i for i, f in enumerate(columns) if f.type == "boolean"]
    calculated = [(i, f.formula) for i, f in enumerate(columns) if f.calculated and f.formula]
    created, modified, modstamp = position["CreatedDate"], position["LastModifiedDate"], position["SystemModstamp"]
    users = (position["CreatedById"], position["LastModifiedById"])

    def tuples() -> Iterator[list]:
        for row in rows:
            if not row.keys() <= known:
                raise ValueError(f"no such fields on {obj.name}: {sorted(row.keys() - known)}")
            values = list(map(row.get, names))
            for i in booleans:
                if values[i] is None:
                    values[i] = 0
            if values[created] is None:
                values[created] = now
            if values[modified] is None:
                values[modified] = values[created]
            if values[modstamp] is None:
                values[modstamp] = values[modified]
            for i in users:
                if values[i] is None:
                    values[i] = user_id
            for i, formula in calculated:
                values[i] = formula(row)
            yield values

    placeholders = ", ".join("?" * len(names))
    conn.executemany(f"INSERT INTO {_q(obj.name)} ({', '.join(_q(n) for n in names)}) VALUES ({placeholders})",
                     tuples())


def create_org(conn: sqlite3.Connection, when: str) -> tuple[str, str]:
    """Insert the Organization record and the integration User at ``when``; returns their Ids."""
    org, user = sobject("Organization"), sobject("User")
    org_id, user_id = allocate_ids(conn, org, 1)[0], allocate_ids(conn, user, 1)[0]
    insert_rows(conn, org, [{"Id": org_id, "Name": "PREP-KC", "OrganizationType": "Enterprise Edition",
                             "InstanceName": "SANDBOX1", "IsSandbox": 0}], now=when, user_id=user_id)
    insert_rows(conn, user, [{"Id": user_id, "Username": "vmsync@prepkc.sandbox", "FirstName": "VMS",
                              "LastName": "Integration", "Email": "vmsync@prepkc.sandbox", "IsActive": 1}],
                now=when, user_id=user_id)
    conn.executemany('INSERT OR REPLACE INTO "_meta" ("key", "value") VALUES (?, ?)',
                     [("org_id", org_id), ("user_id", user_id)])
    return org_id, user_id


def compound_address(f: Field, record: Mapping[str, object]) -> dict | None:
    """The REST value of compound address ``f`` read from its component fields; None when all are blank."""
    prefix = f.name.removesuffix("Address")
    parts = {}
    for component in f.components:
        key = component.removeprefix(prefix)
        parts[key[0].lower() + key[1:]] = record.get(component)
    if all(v is None for v in parts.values()):
        return None
    return {**parts, "geocodeAccuracy": None, "latitude": None, "longitude": None}


def _as_utc(value: datetime | str) -> datetime:
    """A window bound as aware UTC: a datetime (naive taken as UTC) or Salesforce date-time text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return parse_datetime(value)


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def _api_datetime(stored: str) -> str:
    return f"{stored[:23]}+0000"


# --- the store ------------------------------------------------------------------------------------------

class Store:
    """The org's records in one SQLite file, written under a lock, read through per-thread connections."""

    def __init__(self, path: str | Path, clock: Clock | None = None):
        self.path = Path(path)
        self.clock = clock or Clock()
        self.objects: Callable[[str], SObject | None] = sobject  # the org's shape (``shape.Shape.sobject``)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        fresh = self._conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_meta'").fetchone()[0] == 0
        if fresh:
            with self._write() as conn:
                create_tables(conn)
                create_indexes(conn)
                create_org(conn, self._now())
        self._load_meta()

    # ids of the org itself

    def _load_meta(self) -> None:
        meta = dict(self._conn.execute('SELECT "key", "value" FROM "_meta"').fetchall())
        self._org_id, self._user_id = meta["org_id"], meta["user_id"]

    @property
    def org_id(self) -> str:
        return self._org_id

    @property
    def user_id(self) -> str:
        return self._user_id

    # connections

    def read_connection(self) -> sqlite3.Connection:
        """This thread's own connection for queries (closed with the thread, or by ``close``)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def reshape(self, change: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``change`` (a ``shape.Shape`` change: columns added, values converted) in one write transaction."""
        with self._write() as conn:
            change(conn)

    def _now(self) -> str:
        return stored_datetime(self.clock.now())

    # lookups shared by every operation

    def _object(self, name: str) -> SObject:
        obj = self.objects(name)
        if obj is None:
            raise StoreError(404, "NOT_FOUND", _NOT_FOUND)
        return obj

    @staticmethod
    def _record_id(obj: SObject, record_id: str) -> str:
        try:
            rid = to18(record_id)
        except ValueError:
            rid = None
        if rid is None or rid[:3] != obj.key_prefix:
            raise StoreError(404, "NOT_FOUND",
                             f"Provided external ID field does not exist or is not accessible: {record_id}")
        return rid

    @staticmethod
    def _row(conn: sqlite3.Connection, obj: SObject, rid: str) -> dict | None:
        cursor = conn.execute(f'SELECT * FROM {_q(obj.name)} WHERE "Id" = ?', (rid,))
        row = cursor.fetchone()
        if row is None:
            return None
        return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}

    def _existing(self, conn: sqlite3.Connection, obj: SObject, rid: str, *, live: bool) -> dict:
        row = self._row(conn, obj, rid)
        if row is None:
            raise StoreError(404, "NOT_FOUND", _NOT_FOUND)
        if live and row["IsDeleted"]:
            raise StoreError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return row

    # validation of API values

    def _validated(self, conn: sqlite3.Connection, obj: SObject, values: Mapping[str, object]) -> dict:
        """``values`` (API-shaped, names in any case) as store-shaped values under exact field names."""
        given: dict[Field, object] = {}
        read_only = []
        for name, value in values.items():
            if name == "attributes":
                continue
            f = obj.field(name)
            if f is None:
                raise StoreError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
            if not f.createable:
                read_only.append(f.name)
            given[f] = value
        if read_only:
            raise StoreError(
                400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or permission set.",
                read_only,
            )
        stored = {}
        for f, value in given.items():
            try:
                v = to_storage(f, value)
            except FieldValueError as exc:
                raise StoreError(400, exc.error_code, str(exc), [exc.field]) from exc
            if v is not None and f.picklist:
                self._check_picklist(f, v)
            if v is not None and f.type == "reference":
                v = self._check_reference(conn, f, v)
            stored[f.name] = v
        return stored

    @staticmethod
    def _check_picklist(f: Field, value: str) -> None:
        chosen = value.split(";") if f.type == "multipicklist" else [value]
        for item in chosen:
            if item not in f.picklist:
                raise StoreError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                 f"{f.label}: bad value for restricted picklist field: {item}", [f.name])

    @staticmethod
    def _check_reference(conn: sqlite3.Connection, f: Field, value: str) -> str:
        try:
            rid = to18(value)
        except ValueError:
            raise StoreError(400, "MALFORMED_ID", f"{f.label}: id value of incorrect type: {value}",
                             [f.name]) from None
        target = sobject_for_id(rid)
        row = None
        if target is not None and target.name in f.reference_to:
            row = conn.execute(f'SELECT "IsDeleted" FROM {_q(target.name)} WHERE "Id" = ?', (rid,)).fetchone()
        if row is None:
            raise StoreError(400, "FIELD_INTEGRITY_EXCEPTION",
                             f"field integrity exception: unknown ({f.label}: id value of incorrect type: {value})",
                             [f.name])
        if row[0]:
            raise StoreError(400, "ENTITY_IS_DELETED", "entity is deleted", [f.name])
        return rid

    @staticmethod
    def _check_required(obj: SObject, record: Mapping[str, object]) -> None:
        missing = [f.name for f in obj.fields if f.createable and not f.nillable and record.get(f.name) is None]
        if missing:
            raise StoreError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                             missing)

    # writes

    def create(self, object_name: str, values: Mapping[str, object]) -> str:
        """Insert a record from API-shaped ``values``; returns its new 18-character Id."""
        obj = self._object(object_name)
        with self._write() as conn:
            record = self._validated(conn, obj, values)
            self._check_required(obj, record)
            record["Id"] = allocate_ids(conn, obj, 1)[0]
            insert_rows(conn, obj, [record], now=self._now(), user_id=self._user_id)
        return record["Id"]

    def update(self, object_name: str, record_id: str, values: Mapping[str, object]) -> None:
        """Change a live record's fields; moves ``LastModifiedDate`` and ``SystemModstamp`` to now."""
        obj = self._object(object_name)
        rid = self._record_id(obj, record_id)
        with self._write() as conn:
            row = self._existing(conn, obj, rid, live=True)
            changes = self._validated(conn, obj, values)
            row.update(changes)
            self._check_required(obj, row)
            for f in obj.columns:
                if f.calculated and f.formula:
                    changes[f.name] = f.formula(row)
            now = self._now()
            changes.update(LastModifiedDate=now, SystemModstamp=now, LastModifiedById=self._user_id)
            assignments = ", ".join(f"{_q(name)} = ?" for name in changes)
            conn.execute(f'UPDATE {_q(obj.name)} SET {assignments} WHERE "Id" = ?', [*changes.values(), rid])

    def delete(self, object_name: str, record_id: str) -> None:
        """Move a record to the recycle bin: ``IsDeleted`` true, system stamps moved, deletion remembered."""
        obj = self._object(object_name)
        rid = self._record_id(obj, record_id)
        with self._write() as conn:
            self._existing(conn, obj, rid, live=True)
            now = self._now()
            conn.execute(f'UPDATE {_q(obj.name)} SET "IsDeleted" = 1, "LastModifiedDate" = ?, '
                         f'"SystemModstamp" = ?, "LastModifiedById" = ? WHERE "Id" = ?',
                         (now, now, self._user_id, rid))
            conn.execute('INSERT OR REPLACE INTO "_deleted" ("object", "Id", "deletedDate") VALUES (?, ?, ?)',
                         (obj.name, rid, now))

    def undelete(self, object_name: str, record_id: str) -> None:
        """Bring a record back from the recycle bin."""
        obj = self._object(object_name)
        rid = self._record_id(obj, record_id)
        with self._write() as conn:
            row = self._existing(conn, obj, rid, live=False)
            if not row["IsDeleted"]:
                raise StoreError(400, "UNDELETE_FAILED", "Entity is not in the recycle bin")
            now = self._now()
            conn.execute(f'UPDATE {_q(obj.name)} SET "IsDeleted" = 0, "LastModifiedDate" = ?, '
                         f'"SystemModstamp" = ?, "LastModifiedById" = ? WHERE "Id" = ?',
                         (now, now, self._user_id, rid))
            conn.execute('DELETE FROM "_deleted" WHERE "object" = ? AND "Id" = ?', (obj.name, rid))

    def purge(self, object_name: str, record_id: str) -> None:
        """Remove a record for good (gone from queryAll too); getDeleted keeps reporting its deletion."""
        obj = self._object(object_name)
        rid = self._record_id(obj, record_id)
        with self._write() as conn:
            self._existing(conn, obj, rid, live=False)
            conn.execute('INSERT OR IGNORE INTO "_deleted" ("object", "Id", "deletedDate") VALUES (?, ?, ?)',
                         (obj.name, rid, self._now()))
            conn.execute(f'DELETE FROM {_q(obj.name)} WHERE "Id" = ?', (rid,))

    def bulk_insert(self, object_name: str, rows: Iterable[Mapping[str, object]]) -> list[str]:
        """Insert API-shaped rows without lookup or required-field checks (e.g. to plant dangling lookups)."""
        obj = self._object(object_name)
        records = []
        for values in rows:
            record = {}
            for name, value in values.items():
                f = obj.field(name)
                if f is None or not f.has_column:
                    raise StoreError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
                try:
                    record[f.name] = to_storage(f, value)
                except FieldValueError as exc:
                    raise StoreError(400, exc.error_code, str(exc), [exc.field]) from exc
            records.append(record)
        with self._write() as conn:
            for record, rid in zip(records, allocate_ids(conn, obj, len(records)), strict=True):
                record["Id"] = rid
            insert_rows(conn, obj, records, now=self._now(), user_id=self._user_id)
        return [record["Id"] for record in records]

    # reads

    def get(self, object_name: str, record_id: str, fields: Iterable[str] | None = None,
            version: str = "59.0") -> dict:
        """A live record as REST's sObject retrieve answers it (``attributes`` first, compound address nested)."""
        obj = self._object(object_name)
        rid = self._record_id(obj, record_id)
        if fields is None:
            selected = list(obj.fields)
        else:
            selected = []
            for name in fields:
                f = obj.field(name)
                if f is None:
                    raise StoreError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
                selected.append(f)
        row = self._existing(self.read_connection(), obj, rid, live=True)
        record: dict = {"attributes": {"type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{rid}"}}
        for f in selected:
            record[f.name] = compound_address(f, row) if f.type == "address" else to_json(f, row[f.name])
        return record

    def count(self, object_name: str, include_deleted: bool = False) -> int:
        obj = self._object(object_name)
        where = "" if include_deleted else ' WHERE "IsDeleted" = 0'
        return self.read_connection().execute(f"SELECT COUNT(*) FROM {_q(obj.name)}{where}").fetchone()[0]

    def _window(self, start: datetime | str, end: datetime | str, days: int) -> tuple[str, str]:
        """The stored-text bounds ``[start, latestDateCovered)`` of a getUpdated / getDeleted request."""
        try:
            begin, until = _minute(_as_utc(start)), _minute(_as_utc(end))
        except ValueError as exc:
            raise StoreError(400, "INVALID_REPLICATION_DATE", f"Invalid date: {exc}") from exc
        now = self.clock.now()
        if begin >= until:
            raise StoreError(400, "INVALID_REPLICATION_DATE",
                             "startDate must chronologically precede endDate by more than one minute")
        if begin < _minute(now - timedelta(days=days)):
            raise StoreError(400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago")
        if begin > now:
            raise StoreError(400, "INVALID_REPLICATION_DATE", "startDate cannot be later than the current time")
        return stored_datetime(begin), stored_datetime(min(until, _minute(now)))

    def updated(self, object_name: str, start: datetime | str, end: datetime | str) -> dict:
        """getUpdated: Ids of live records whose ``SystemModstamp`` falls in the window (seconds truncated).

        ``latestDateCovered`` never passes the clock's current minute, so a write made in that minute is
        reported by the next call, not this one (as in Salesforce, consecutive windows miss nothing).
        """
        obj = self._object(object_name)
        begin, latest = self._window(start, end, UPDATED_WINDOW_DAYS)
        rows = self.read_connection().execute(
            f'SELECT "Id" FROM {_q(obj.name)} WHERE "IsDeleted" = 0 AND "SystemModstamp" >= ? '
            f'AND "SystemModstamp" < ? ORDER BY "Id"', (begin, latest)).fetchall()
        if len(rows) > MAX_REPLICATION_IDS:
            raise StoreError(400, "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than "
                             f"{MAX_REPLICATION_IDS} records in this operation")
        return {"ids": [r[0] for r in rows], "latestDateCovered": _api_datetime(latest)}

    def deleted(self, object_name: str, start: datetime | str, end: datetime | str) -> dict:
        """getDeleted: records deleted (or purged) in the window, with when; window as for ``updated``.

        ``earliestDateAvailable`` is the start of the 15 days a window may reach back.
        """
        obj = self._object(object_name)
        begin, latest = self._window(start, end, DELETED_WINDOW_DAYS)
        rows = self.read_connection().execute(
            'SELECT "Id", "deletedDate" FROM "_deleted" WHERE "object" = ? AND "deletedDate" >= ? '
            'AND "deletedDate" < ? ORDER BY "deletedDate", "Id"', (obj.name, begin, latest)).fetchall()
        if len(rows) > MAX_REPLICATION_IDS:
            raise StoreError(400, "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than "
                             f"{MAX_REPLICATION_IDS} records in this operation")
        earliest = stored_datetime(_minute(self.clock.now() - timedelta(days=DELETED_WINDOW_DAYS)))
        return {
            "deletedRecords": [{"id": rid, "deletedDate": _api_datetime(when)} for rid, when in rows],
            "earliestDateAvailable": _api_datetime(earliest),
            "latestDateCovered": _api_datetime(latest),
        }

    # whole-file copies

    def snapshot(self, path: str | Path) -> None:
        """Copy the whole org, consistently, to a new SQLite file at ``path``."""
        target = sqlite3.connect(path)
        try:
            with self._lock:
                self._conn.backup(target)
        finally:
            target.close()

    def restore(self, path: str | Path) -> None:
        """Replace the whole org with the content of the SQLite file at ``path`` (e.g. the generated org)."""
        source = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            with self._lock:
                source.backup(self._conn)
                self._load_meta()
        finally:
            source.close()
