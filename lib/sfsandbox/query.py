"""Run SOQL against the sandbox store: compile to SQLite SQL, snapshot the matching rows, render pages.

``run_query`` parses the SOQL, resolves its names against ``schema`` (any case in, canonical names out),
and executes it once: the result is the ordered list of matching rowids, so ``total_size`` is known at
once and each page later fetches just its own rows by rowid (with the parent joins) from the connection of
whichever thread serves it. Pages render as REST JSON records or as Bulk 2.0 CSV.

Salesforce semantics kept (docs/salesforce.md#nulls, docs/salesforce.md#soql):

* text compares case-insensitively (the store declares text ``COLLATE NOCASE``); blank text is NULL, so
  ``= ''`` and ``= null`` both mean "is null"; booleans are never null, so ``= null`` means ``= false``;
* null is an ordinary value: ``!=``, ``NOT IN``, ``NOT LIKE`` and ``NOT (...)`` match rows whose field is
  null. Every condition is therefore two-valued: ``NOT c`` compiles to ``(c) IS NOT 1``;
* a date literal compares only with date fields, a dateTime literal only with dateTime fields (converted
  to the store's fixed-width UTC text, so text order is time order); relative date literals (TODAY,
  LAST_N_DAYS:n, ...) are day ranges in UTC and work with both;
* Id literals may have 15 or 18 characters and are compared in their canonical 18-character form;
* ORDER BY puts nulls first in both directions unless NULLS LAST is written: Salesforce's SOQL reference says
  "By default, null values are sorted first" and gives no separate rule for DESC. Ties, and queries
  without ORDER BY, keep the store's insertion order (rowid), so paging is stable;
* without ``include_deleted`` soft-deleted rows never match (``IsDeleted = true`` matches nothing);
  with it they come back with ``IsDeleted`` true. A deleted parent is never joined: it renders as null.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter

from . import schema
from .ids import to18
from .schema import NUMBER_TYPES, Field, SObject
from .soql import (
    BoolOp,
    Comparison,
    Condition,
    Count,
    FieldPath,
    InList,
    Literal,
    Not,
    Query,
    SoqlError,
    error_at,
    parse,
)
from .values import to_csv, to_json

MAX_RELATIONSHIP_DEPTH = 5
MAX_JOINED_TABLES = 55  # Salesforce allows 55 child-to-parent relationships; SQLite joins at most 64 tables
MAX_TERMS = 1000  # selected fields, ORDER BY or GROUP BY terms; SQLite allows 2000 result columns

_CUSTOM_FIELD_HINT = ("If you are attempting to use a custom field, be sure to append the '__c' after the "
                      "custom field name. Please reference your WSDL or the describe call for the appropriate "
                      "names.")
_CUSTOM_RELATIONSHIP_HINT = ("If you are attempting to use a custom relationship, be sure to append the '__r' "
                             "after the custom relationship name. Please reference your WSDL or the describe "
                             "call for the appropriate names.")
_CUSTOM_OBJECT_HINT = ("If you are attempting to use a custom object, be sure to append the '__c' after the "
                       "entity name. Please reference your WSDL or the describe call for the appropriate names.")
_POLYMORPHIC_ENTITY = "Name"  # what Salesforce calls the target of a polymorphic relationship (Who, What)
_POLYMORPHIC_FIELDS = ("Id", "Name")
_ADDRESS_KEYS = ("street", "city", "state", "postalCode", "country")
# Field type -> the kind of operand it is in WHERE (any other type is text); kind -> its name in errors.
_KINDS = {"id": "id", "reference": "id", "boolean": "boolean", "date": "date", "datetime": "datetime",
          "address": "address", **{t: "number" for t in NUMBER_TYPES}}
_TYPE_NAMES = {"id": "id", "boolean": "boolean", "date": "date", "datetime": "dateTime", "text": "string"}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- name resolution -------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Node:
    """One object instance in the join graph: the root, or a parent reached through a relationship."""

    path: tuple[str, ...]  # canonical relationship names from the root
    targets: tuple[tuple[str, SObject], ...]  # (table alias, object); several for a polymorphic relationship
    parent: _Node | None = None
    reference: Field | None = None

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1

    @property
    def sobject(self) -> SObject:
        return self.targets[0][1]

    def join_sql(self) -> str:
        parent_column = f"{self.parent.targets[0][0]}.{_quoted(self.reference.name)}"
        return " ".join(
            f'LEFT JOIN {_quoted(obj.name)} AS {alias} ON {alias}."Id" = {parent_column} AND {alias}."IsDeleted" = 0'
            for alias, obj in self.targets
        )

    def column(self, name: str) -> str:
        """The SQL expression of field ``name`` on this node (for a polymorphic node: the matching target)."""
        if not self.polymorphic:
            return f"{self.targets[0][0]}.{_quoted(name)}"
        present = [f"{alias}.{_quoted(name)}" for alias, obj in self.targets if obj.field(name) is not None]
        return f"COALESCE({', '.join(present)}, NULL)"


@dataclass(frozen=True, eq=False)
class _Resolved:
    """A field path resolved to its node and field."""

    node: _Node
    field: Field
    path: FieldPath

    @property
    def kind(self) -> str:
        return _KINDS.get(self.field.type, "text")

    @property
    def key(self) -> tuple[str, ...]:
        return self.node.path + (self.field.name,)

    @property
    def column(self) -> str:
        return self.node.column(self.field.name)

    @property
    def sql(self) -> str:
        """The field as an operand: a polymorphic Name keeps comparing case-insensitively."""
        expr = self.column
        return f"{expr} COLLATE NOCASE" if self.node.polymorphic and self.kind == "text" else expr


class _Resolver:
    """Resolves field paths against the schema, creating the join nodes they need."""

    def __init__(self, query: Query, objects: Callable[[str], SObject | None]):
        self.query = query
        self.objects = objects
        root = objects(query.object_name)
        if root is None:
            raise error_at(query.text, query.object_pos, "INVALID_TYPE",
                           f"sObject type '{query.object_name}' is not supported. {_CUSTOM_OBJECT_HINT}")
        self.root = _Node((), (("t0", root),))
        self.nodes: dict[tuple[str, ...], _Node] = {(): self.root}
        self.tables = 1
        self.qualifiers = {root.name.lower()} | ({query.alias.lower()} if query.alias else set())

    def error(self, path: FieldPath, message: str, code: str = "INVALID_FIELD") -> SoqlError:
        return error_at(self.query.text, path.pos, code, message)

    def child(self, node: _Node, ref: Field, path: FieldPath) -> _Node:
        key = node.path + (ref.relationship_name,)
        existing = self.nodes.get(key)
        if existing is not None:
            return existing
        targets = tuple(obj for obj in map(self.objects, ref.reference_to) if obj is not None)
        if self.tables + len(targets) > MAX_JOINED_TABLES:
            raise self.error(path, f"A query can follow at most {MAX_JOINED_TABLES} relationships",
                             "QUERY_TOO_COMPLICATED")
        aliases = [f"t{self.tables + i}" for i in range(len(targets))]
        self.tables += len(targets)
        created = _Node(key, tuple(zip(aliases, targets, strict=True)), node, ref)
        self.nodes[key] = created
        return created

    def resolve(self, path: FieldPath) -> _Resolved:
        parts = path.parts
        if len(parts) > 1 and parts[0].lower() in self.qualifiers and self.root.sobject.relationship(parts[0]) is None:
            parts = parts[1:]
        if len(parts) - 1 > MAX_RELATIONSHIP_DEPTH:
            raise self.error(path, f"A field path can follow at most {MAX_RELATIONSHIP_DEPTH} relationships",
                             "MALFORMED_QUERY")
        node = self.root
        for name in parts[:-1]:
            if node.polymorphic:
                raise self.error(path, f"No such column '{name}' on entity '{_POLYMORPHIC_ENTITY}'. "
                                       f"{_CUSTOM_FIELD_HINT}")
            ref = node.sobject.relationship(name)
            if ref is None:
                raise self.error(path, f"Didn't understand relationship '{name}' in field path. "
                                       f"{_CUSTOM_RELATIONSHIP_HINT}")
            node = self.child(node, ref, path)
        leaf = parts[-1]
        if node.polymorphic:
            name = next((n for n in _POLYMORPHIC_FIELDS if n.lower() == leaf.lower()), None)
            f = next((obj.field(name) for _, obj in node.targets if name and obj.field(name)), None)
            entity = _POLYMORPHIC_ENTITY
        else:
            f = node.sobject.field(leaf)
            entity = node.sobject.name
        if f is None:
            raise self.error(path, f"No such column '{leaf}' on entity '{entity}'. {_CUSTOM_FIELD_HINT}")
        return _Resolved(node, f, path)

    def joins(self, nodes) -> str:
        """The LEFT JOINs that reach ``nodes`` (and their ancestors), in creation order."""
        needed: set[int] = set()
        for node in nodes:
            while node is not None and node.parent is not None:
                needed.add(id(node))
                node = node.parent
        return " ".join(n.join_sql() for n in self.nodes.values() if id(n) in needed)


# --- WHERE -----------------------------------------------------------------------------------------------

def _balanced(parts: list[str], op: str) -> str:
    """``parts`` joined by ``op`` as a shallow tree: SQLite limits expression depth to 1000."""
    if len(parts) <= 16:
        return "(" + f" {op} ".join(parts) + ")"
    mid = len(parts) // 2
    return f"({_balanced(parts[:mid], op)} {op} {_balanced(parts[mid:], op)})"


def _day_range(name: str, n: int, today: date) -> tuple[date, date]:
    """The days [start, end) a relative date literal covers (UTC), clamped to the calendar."""
    t = today.toordinal()
    start, end = {
        "TODAY": (t, t + 1),
        "YESTERDAY": (t - 1, t),
        "TOMORROW": (t + 1, t + 2),
        "LAST_N_DAYS": (t - n, t + 1),
        "NEXT_N_DAYS": (t + 1, t + 1 + n),
        "N_DAYS_AGO": (t - n, t - n + 1),
    }[name]
    lo, hi = date.min.toordinal(), date.max.toordinal()
    return date.fromordinal(min(max(start, lo), hi)), date.fromordinal(min(max(end, lo), hi))


class _WhereCompiler:
    """Compiles a condition tree to SQL text; string values are bound, everything else is inlined."""

    def __init__(self, resolver: _Resolver, today: date):
        self.resolver = resolver
        self.today = today
        self.params: list[str] = []
        self.nodes: list[_Node] = []

    def error(self, pos: int, message: str, code: str = "INVALID_FIELD") -> SoqlError:
        return error_at(self.resolver.query.text, pos, code, message)

    def field(self, path: FieldPath) -> _Resolved:
        r = self.resolver.resolve(path)
        if r.kind == "address":
            raise self.error(path.pos, f"field '{r.field.name}' can not be filtered in a query call")
        self.nodes.append(r.node)
        return r

    def compile(self, cond: Condition) -> str:
        if isinstance(cond, BoolOp):
            return _balanced([self.compile(c) for c in cond.operands], cond.op)
        if isinstance(cond, Not):
            return f"({self.compile(cond.operand)}) IS NOT 1"
        if isinstance(cond, Comparison):
            return self.comparison(self.field(cond.field), cond.op, cond.value)
        if isinstance(cond, InList):
            return self.in_list(self.field(cond.field), cond.values)
        return self.like(self.field(cond.field), cond.pattern)

    def value(self, r: _Resolved, lit: Literal) -> str | None:
        """``lit`` as SQL for comparing with field ``r``, or None when it means null."""
        kind = r.kind
        if lit.kind == "null" or (lit.kind == "string" and lit.value == "" and kind in ("text", "id")):
            return "0" if kind == "boolean" else None
        if kind == "text" and lit.kind == "string":
            self.params.append(lit.value)
            return "?"
        if kind == "id" and lit.kind == "string":
            try:
                self.params.append(to18(lit.value))
            except ValueError:
                raise self.error(lit.pos, f"invalid ID field: {lit.value}", "INVALID_QUERY_FILTER_OPERATOR") from None
            return "?"
        if kind == "boolean" and lit.kind == "boolean":
            return "1" if lit.value else "0"
        if kind == "number" and lit.kind == "number":
            return f"({lit.value})"
        if kind in ("date", "datetime") and lit.kind == kind:
            return f"'{lit.value}'"
        raise self.type_error(r, lit)

    def type_error(self, r: _Resolved, lit: Literal) -> SoqlError:
        quoted = r.kind in ("text", "id")
        type_name = r.field.type if r.kind == "number" else _TYPE_NAMES[r.kind]
        return self.error(lit.pos, f"value of filter criterion for field '{r.field.name}' must be of type "
                                   f"{type_name} and should {'' if quoted else 'not '}be enclosed in quotes")

    def day_range(self, r: _Resolved, lit: Literal) -> tuple[str, str]:
        """The bounds of relative date literal ``lit`` as SQL text comparable with field ``r``."""
        if r.kind not in ("date", "datetime"):
            raise self.type_error(r, lit)
        start, end = _day_range(*lit.value, self.today)
        suffix = "T00:00:00.000Z" if r.kind == "datetime" else ""
        return f"'{start.isoformat()}{suffix}'", f"'{end.isoformat()}{suffix}'"

    def comparison(self, r: _Resolved, op: str, lit: Literal) -> str:
        e = r.sql
        if r.kind == "boolean" and op not in ("=", "!="):
            raise self.error(r.path.pos, "invalid operator on boolean field", "INVALID_QUERY_FILTER_OPERATOR")
        if lit.kind == "relative_date":
            start, end = self.day_range(r, lit)
            within = f"({e} >= {start} AND {e} < {end})"
            return {"=": within, "!=": f"{within} IS NOT 1", "<": f"{e} < {start}", "<=": f"{e} < {end}",
                    ">": f"{e} >= {end}", ">=": f"{e} >= {start}"}[op]
        value = self.value(r, lit)
        if value is None:
            return {"=": f"{e} IS NULL", "!=": f"{e} IS NOT NULL"}.get(op, "0")
        if op == "!=":
            return f"{e} IS NOT {value}"
        return f"{e} {op} {value}"

    def in_list(self, r: _Resolved, literals: tuple[Literal, ...]) -> str:
        e = r.sql
        if r.kind == "boolean":
            raise self.error(r.path.pos, "invalid operator on boolean field", "INVALID_QUERY_FILTER_OPERATOR")
        alternatives: list[str] = []
        plain: list[str] = []
        for lit in literals:
            if lit.kind == "relative_date":
                start, end = self.day_range(r, lit)
                alternatives.append(f"({e} >= {start} AND {e} < {end})")
                continue
            value = self.value(r, lit)
            if value is None:
                alternatives.append(f"{e} IS NULL")
            else:
                plain.append(value)
        if plain:
            alternatives.insert(0, f"{e} IN ({', '.join(plain)})")
        return _balanced(alternatives, "OR")

    def like(self, r: _Resolved, pattern: Literal) -> str:
        if r.kind != "text":
            type_name = "id" if r.kind == "id" else r.field.type
            raise self.error(r.path.pos, f"invalid operator on {type_name} field", "INVALID_QUERY_FILTER_OPERATOR")
        self.params.append(pattern.like)
        return f"{r.sql} LIKE ? ESCAPE '\\'"


# --- rendering -------------------------------------------------------------------------------------------
#
# A page is rendered inside SQLite: one JSON text (REST) or one CSV line (Bulk) per row, so a row crosses
# into Python as a single string instead of one object per field (the sqlite3 module spends ~0.3 us per
# value, which alone would cap a 60-field query near 30k records/s). The SQL follows ``values`` exactly:
# text, Ids and dates are stored as REST and CSV show them; booleans and date-times are rewritten in SQL;
# numbers go through ``values.to_json`` / ``values.to_csv`` in a Python SQL function, because SQLite
# prints REAL with 15 significant digits. Tests check every type against ``values``.

_JSON_OBJECT_PAIRS = 60  # SQLite functions take at most 127 arguments
_PRINTF_VALUES = 100
_CSV_CELL = '"%w"'  # printf's %w doubles the double quotes inside the value
_NUMBER_FIELDS = {t: Field(t, t) for t in NUMBER_TYPES}


def _json_number(type_name: str, stored: object) -> str | None:
    if stored is None:
        return None
    value = to_json(_NUMBER_FIELDS[type_name], stored)
    return json.dumps(value) if math.isfinite(value) else None


def _csv_number(type_name: str, stored: object) -> str:
    return to_csv(_NUMBER_FIELDS[type_name], stored)


def _register_functions(conn) -> None:
    conn.create_function("soql_json_number", 2, _json_number, deterministic=True)
    conn.create_function("soql_csv_number", 2, _csv_number, deterministic=True)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_object_sql(pairs: list[tuple[str, str]]) -> str:
    """SQL building a JSON object with ``pairs`` (key, SQL value) in order, past the argument limit."""
    chunks = [
        "json_object(" + ", ".join(f"{_sql_text(k)}, {v}" for k, v in pairs[i:i + _JSON_OBJECT_PAIRS]) + ")"
        for i in range(0, len(pairs), _JSON_OBJECT_PAIRS)
    ]
    if len(chunks) == 1:
        return chunks[0]
    # {"a":1} + {"b":2} -> {"a":1,"b":2}: drop the inner braces, then mark the text as JSON again.
    inner = [f"substr({c}, 2, length({c}) - 2)" for c in chunks]
    return "json('{' || " + " || ',' || ".join(inner) + " || '}')"


def _json_value_sql(r: _Resolved) -> str:
    """SQL for the REST JSON value of ``r``, as ``values.to_json`` gives it."""
    e, t = r.column, r.field.type
    if t == "boolean":
        return f"CASE WHEN {e} THEN json('true') ELSE json('false') END"
    if t == "datetime":
        return f"substr({e}, 1, 23) || '+0000'"
    if t in NUMBER_TYPES:
        # SQLite writes integral numbers as Python does (3 or 3.0); others need Python's shortest repr.
        return (f"CASE WHEN {e} IS NULL OR ({e} = CAST({e} AS INTEGER) AND abs({e}) < 1e15) THEN {e} "
                f"ELSE json(soql_json_number('{t}', {e})) END")
    if t == "address":
        parts = [r.node.column(name) for name in r.field.components]
        pairs = [*zip(_ADDRESS_KEYS, parts, strict=True),
                 ("geocodeAccuracy", "NULL"), ("latitude", "NULL"), ("longitude", "NULL")]
        return f"CASE WHEN COALESCE({', '.join(parts)}) IS NULL THEN NULL ELSE {_json_object_sql(pairs)} END"
    return _text_sql(r)


def _text_sql(r: _Resolved) -> str:
    """A text field as text: one retyped from a number (``shape``) has a column that keeps numbers as numbers."""
    e = r.column
    generated = schema.sobject(r.node.sobject.name)
    made_as = generated.field(r.field.name) if generated is not None else None
    if made_as is None or made_as.type not in NUMBER_TYPES or not r.field.is_text:
        return e
    return (f"CASE WHEN typeof({e}) = 'real' AND {e} = CAST({e} AS INTEGER) "
            f"THEN CAST(CAST({e} AS INTEGER) AS TEXT) ELSE {e} END")


def _csv_value_sql(r: _Resolved) -> str:
    """SQL for the Bulk CSV cell text of ``r`` (before quoting), as ``values.to_csv`` gives it.

    One exception: a boolean of a parent that is not there is empty, like the parent's other fields,
    where ``to_csv`` would write a stored null boolean as false.
    """
    e, t = r.column, r.field.type
    if t == "boolean":
        missing_parent = f"WHEN {e} IS NULL THEN '' " if r.node.parent is not None else ""
        return f"CASE {missing_parent}WHEN {e} THEN 'true' ELSE 'false' END"
    if t in NUMBER_TYPES:
        return f"soql_csv_number('{t}', {e})"
    return f"IFNULL({_text_sql(r)}, '')"


def _attributes_sql(node: _Node) -> str:
    rid = node.column("Id")
    if not node.polymorphic:
        name = node.sobject.name
        return f"json_object('type', {_sql_text(name)}, 'url', :prefix || {_sql_text(name + '/')} || {rid})"
    # A polymorphic parent says type "Name"; its url names the real object, known by the Id's key prefix.
    cases = " ".join(f"WHEN {_sql_text(obj.key_prefix)} THEN {_sql_text(obj.name + '/')}" for _, obj in node.targets)
    return (f"json_object('type', {_sql_text(_POLYMORPHIC_ENTITY)}, 'url', "
            f":prefix || CASE substr({rid}, 1, 3) {cases} ELSE '' END || {rid})")


class _SelectPlan:
    """The SELECT list of a record query as SQL rendering a REST record and a Bulk CSV line per row."""

    def __init__(self, items: list[_Resolved], root: _Node):
        self.nodes = [r.node for r in items]
        # Each node lists its entries in order of first appearance: its fields and the parents below it.
        entries: dict[tuple[str, ...], list] = {}
        for r in items:
            entry, node = r, r.node
            while True:
                listed = entries.setdefault(node.path, [])
                if entry not in listed:
                    listed.append(entry)
                if node.parent is None:
                    break
                entry, node = node, node.parent
        self.json_sql = self._object_sql(root, entries)
        self.csv_sql = None if any(r.field.type == "address" for r in items) else self._line_sql(items)

    @staticmethod
    def _line_sql(items: list[_Resolved]) -> str:
        cells = [_csv_value_sql(r) for r in items]
        chunks = [cells[i:i + _PRINTF_VALUES] for i in range(0, len(cells), _PRINTF_VALUES)]
        return " || ',' || ".join(
            f"printf({_sql_text(','.join([_CSV_CELL] * len(chunk)))}, {', '.join(chunk)})" for chunk in chunks
        )

    def _object_sql(self, node: _Node, entries: dict) -> str:
        pairs = [("attributes", _attributes_sql(node))]
        for entry in entries.get(node.path, []):
            if isinstance(entry, _Node):
                parent = self._object_sql(entry, entries)
                pairs.append((entry.reference.relationship_name,
                              f"CASE WHEN {entry.column('Id')} IS NULL THEN NULL ELSE {parent} END"))
            else:
                pairs.append((entry.field.name, _json_value_sql(entry)))
        return _json_object_sql(pairs)


@dataclass(frozen=True, eq=False)
class _Rows:
    """The snapshot of a record query and the SQL that renders any slice of it."""

    rowids: array
    from_sql: str
    plan: _SelectPlan

    def render(self, conn, expression: str, offset: int, limit: int, params: dict) -> list[str]:
        """``expression`` evaluated for snapshot rows ``offset`` .. ``offset + limit``, in snapshot order."""
        start = max(offset, 0)
        ids = self.rowids[start:start + max(limit, 0)]
        if not ids:
            return []
        _register_functions(conn)
        sql = f"SELECT j.key, {expression} FROM json_each(:ids) AS j CROSS JOIN {self.from_sql}"
        rows = conn.execute(sql, {"ids": "[" + ",".join(map(str, ids)) + "]", **params}).fetchall()
        rows.sort(key=itemgetter(0))  # by position in the page
        return [row[1] for row in rows]


# --- the result ------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class QueryResult:
    """An executed query: ``total_size`` rows (or a COUNT() total when ``is_count``), read by pages.

    ``columns`` are the SELECT items as written (the Bulk CSV header). Page offsets are positions in the
    snapshot taken by ``run_query``: a row hard-deleted since then is left out of its page, so the next
    page starts at ``offset + limit``, not at ``offset + len(records)``. ``records_json`` is the fast
    way to answer a REST page: splice its text into the response body as the ``records`` value.
    """

    object_name: str
    total_size: int
    is_count: bool
    columns: tuple[str, ...]
    _rows: _Rows | None = None
    _aggregates: tuple[dict, ...] = ()

    def records_json(self, conn, offset: int, limit: int, version: str) -> str:
        """REST records ``offset`` .. ``offset + limit`` as the JSON text of the ``records`` array."""
        if self._rows is None:
            start = max(offset, 0)
            return json.dumps(list(self._aggregates[start:start + max(limit, 0)]))
        prefix = f"/services/data/v{version}/sobjects/"
        texts = self._rows.render(conn, self._rows.plan.json_sql, offset, limit, {"prefix": prefix})
        return "[" + ",".join(texts) + "]"

    def records(self, conn, offset: int, limit: int, version: str) -> list[dict]:
        """REST records ``offset`` .. ``offset + limit``: keys in SELECT order, parents nested."""
        return json.loads(self.records_json(conn, offset, limit, version))

    def csv(self, conn, offset: int, limit: int) -> str:
        """A Bulk 2.0 CSV page: header, then every value double-quoted, null as "", LF line endings."""
        if self._rows is None or self._rows.plan.csv_sql is None:
            raise ValueError("aggregates, COUNT() and compound fields have no Bulk CSV form")
        header = ",".join('"' + c.replace('"', '""') + '"' for c in self.columns)
        lines = self._rows.render(conn, self._rows.plan.csv_sql, offset, limit, {})
        return "\n".join([header, *lines]) + "\n"


# --- compiling and running -------------------------------------------------------------------------------

def _check_terms(query: Query, count: int, pos: int) -> None:
    if count > MAX_TERMS:
        raise error_at(query.text, pos, "QUERY_TOO_COMPLICATED", f"A query can list at most {MAX_TERMS} fields")


def _limit_sql(query: Query) -> str:
    if query.limit is None and not query.offset:
        return ""
    limit = -1 if query.limit is None else min(query.limit, 2 ** 62)
    return f" LIMIT {limit} OFFSET {query.offset or 0}"


def _order_sql(query: Query, resolver: _Resolver, nodes: list[_Node], allowed: set | None = None) -> list[str]:
    terms = []
    _check_terms(query, len(query.order_by), query.order_by[0].field.pos if query.order_by else 0)
    for item in query.order_by:
        r = resolver.resolve(item.field)
        if r.kind == "address":
            raise error_at(query.text, item.field.pos, "INVALID_FIELD",
                           f"field '{r.field.name}' can not be sorted in a query call")
        if allowed is not None and r.key not in allowed:
            raise error_at(query.text, item.field.pos, "INVALID_FIELD",
                           f"Ordered field must be grouped or aggregated: {r.field.name}")
        nodes.append(r.node)
        nulls_first = True if item.nulls_first is None else item.nulls_first
        terms.append(f"{r.sql} {'DESC' if item.descending else 'ASC'} NULLS {'FIRST' if nulls_first else 'LAST'}")
    return terms


def _bulk_refusal(query: Query, items: list[_Resolved]) -> None:
    """Raise what Bulk API 2.0 answers for SOQL it cannot run."""
    if any(isinstance(item, Count) for item in query.select) or query.group_by:
        raise SoqlError("API_ERROR", "Aggregate queries are not supported in Bulk Query")
    if query.offset is not None:
        raise SoqlError("API_ERROR", "OFFSET is not supported in Bulk Query")
    if any(r.kind == "address" for r in items):
        raise SoqlError("API_ERROR", "Selecting compound data not supported in Bulk Query")


def _today(now: datetime) -> date:
    return (now.astimezone(UTC) if now.tzinfo else now).date()


def _where_sql(query: Query, where: _WhereCompiler, include_deleted: bool) -> str:
    conditions = [] if include_deleted else ['t0."IsDeleted" = 0']
    if query.where is not None:
        conditions.append(where.compile(query.where))
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def run_query(conn, soql: str, *, include_deleted: bool, now: datetime, bulk: bool = False,
              objects: Callable[[str], SObject | None] = schema.sobject) -> QueryResult:
    """Parse, check and execute ``soql`` against the store behind ``conn``; raises ``SoqlError``.

    ``objects`` looks objects up as the org has them now (``shape.Shape.sobject``), the generated ones by default.

    Names are checked in the order they are written (SELECT, WHERE, GROUP BY, ORDER BY), so the first
    error reported is the first one in the text, as Salesforce reports it.
    """
    query = parse(soql)
    resolver = _Resolver(query, objects)
    _check_terms(query, len(query.select), query.select[0].pos)
    where = _WhereCompiler(resolver, _today(now))
    if any(isinstance(item, Count) for item in query.select) or query.group_by:
        if bulk:
            _bulk_refusal(query, [])
        return _run_aggregate(conn, query, resolver, where, include_deleted)

    root = resolver.root.sobject
    items = []
    seen: set[tuple[str, ...]] = set()
    for item in query.select:
        r = resolver.resolve(item)
        if r.key in seen:
            raise error_at(query.text, item.pos, "INVALID_FIELD", f"duplicate field selected: {r.field.name}")
        seen.add(r.key)
        items.append(r)
    where_sql = _where_sql(query, where, include_deleted)
    if bulk:
        _bulk_refusal(query, items)
    nodes = list(where.nodes)
    order = _order_sql(query, resolver, nodes) + ["t0.rowid"]
    snapshot_sql = (f"SELECT t0.rowid FROM {_quoted(root.name)} AS t0 {resolver.joins(nodes)}{where_sql} "
                    f"ORDER BY {', '.join(order)}{_limit_sql(query)}")
    rowids = array("q", (rowid for (rowid,) in conn.execute(snapshot_sql, where.params)))
    plan = _SelectPlan(items, resolver.root)
    from_sql = f"{_quoted(root.name)} AS t0 {resolver.joins(plan.nodes)} WHERE t0.rowid = j.value"
    return QueryResult(root.name, len(rowids), False, tuple(p.text for p in query.select),
                       _Rows(rowids, from_sql, plan))


def _run_aggregate(conn, query: Query, resolver: _Resolver, where: _WhereCompiler,
                   include_deleted: bool) -> QueryResult:
    """COUNT(), COUNT(field) [alias] and GROUP BY: small results, computed in full at once."""
    root = resolver.root.sobject
    text = query.text
    counts = [item for item in query.select if isinstance(item, Count)]
    if any(c.field is None for c in counts):
        if len(query.select) > 1 or query.group_by:
            bare = next(c for c in counts if c.field is None)
            raise error_at(text, bare.pos, "MALFORMED_QUERY", "COUNT() must be the only element in the SELECT list")
        where_sql = _where_sql(query, where, include_deleted)
        inner = f"SELECT 1 FROM {_quoted(root.name)} AS t0 {resolver.joins(where.nodes)}{where_sql}{_limit_sql(query)}"
        (total,) = conn.execute(f"SELECT COUNT(*) FROM ({inner})", where.params).fetchone()
        return QueryResult(root.name, total, True, ())

    selected: list[tuple[str, _Resolved, bool]] = []  # (key, field, is a count)
    unnamed = 0
    for item in query.select:
        if isinstance(item, Count):
            r = resolver.resolve(item.field)
            if r.kind == "address":
                raise error_at(text, item.field.pos, "INVALID_FIELD",
                               f"field '{r.field.name}' can not be aggregated in a query call")
            key = item.alias if item.alias is not None else f"expr{unnamed}"
            unnamed += item.alias is None
            selected.append((key, r, True))
        else:
            r = resolver.resolve(item)
            selected.append((r.field.name, r, False))
    where_sql = _where_sql(query, where, include_deleted)
    _check_terms(query, len(query.group_by), query.group_by[0].pos if query.group_by else 0)
    groups = [resolver.resolve(p) for p in query.group_by]
    for g in groups:
        if g.kind == "address":
            raise error_at(text, g.path.pos, "INVALID_FIELD", f"field '{g.field.name}' can not be grouped in a query call")
    grouped = {g.key for g in groups}
    for _, r, is_count in selected:
        if not is_count and r.key not in grouped:
            raise error_at(text, r.path.pos, "MALFORMED_QUERY", f"Field must be grouped or aggregated: {r.field.name}")
    nodes = list(where.nodes) + [g.node for g in groups] + [r.node for _, r, _ in selected]
    order = _order_sql(query, resolver, nodes, grouped) + [g.sql for g in groups]
    columns = [f"COUNT({r.sql})" if is_count else r.sql for _, r, is_count in selected]
    sql = f"SELECT {', '.join(columns)} FROM {_quoted(root.name)} AS t0 {resolver.joins(nodes)}{where_sql}"
    if groups:
        sql += f" GROUP BY {', '.join(g.sql for g in groups)} ORDER BY {', '.join(order)}"
    sql += _limit_sql(query)
    records = []
    for row in conn.execute(sql, where.params):
        record: dict = {"attributes": {"type": "AggregateResult"}}
        for (key, r, is_count), value in zip(selected, row, strict=True):
            record[key] = value if is_count else to_json(r.field, value)
        records.append(record)
    return QueryResult(root.name, len(records), False, tuple(key for key, _, _ in selected),
                       _aggregates=tuple(records))
