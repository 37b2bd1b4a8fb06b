"""SOQL text -> syntax tree, with Salesforce-shaped errors.

A hand-written tokenizer and recursive-descent parser for the subset of SOQL in docs/salesforce.md#soql
(python-soql-parser is tied to pyparsing 2 and misses most of it). It knows nothing of the org's objects:
``query`` resolves names against ``schema``. Every failure, whatever the input, is a ``SoqlError`` carrying the
Salesforce error code and a message laid out as Salesforce lays it out::

    \\nSELECT Id FRM Account\\n          ^\\nERROR at Row:1:Column:11\\nunexpected token: 'FRM'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .values import parse_datetime, stored_datetime

MAX_QUERY_LENGTH = 100_000
MAX_STRING_LENGTH = 4_000
MAX_OFFSET = 2_000
MAX_NESTING = 100

# Salesforce's reserved words, plus the clause words of this grammar: none can start a field path.
RESERVED = frozenset({
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST", "LIKE",
    "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH", "ORDER", "BY", "OFFSET", "TRUE", "FALSE",
})
FIXED_DATE_LITERALS = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
N_DATE_LITERALS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})

_TOKEN_RE = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<datetime>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))
    |(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})
    |(?P<number>[+-]?[0-9]+(?:\.[0-9]+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>!=|<>|<=|>=|=|<|>)
    |(?P<punct>[(),.:])
    |(?P<string>')
    """,
    re.VERBOSE | re.ASCII,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\",
            "_": "_", "%": "%"}


class SoqlError(Exception):
    """A query Salesforce would refuse: ``error_code`` (e.g. MALFORMED_QUERY) and its message."""

    def __init__(self, error_code: str, message: str):
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


def error_at(text: str, pos: int, error_code: str, message: str) -> SoqlError:
    """A ``SoqlError`` pointing at character ``pos`` of ``text`` the way Salesforce does."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:] if line_end < 0 else text[line_start:line_end]
    column = pos - line_start + 1
    return SoqlError(error_code, f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}")


# --- syntax tree -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldPath:
    """A dotted field reference as written, e.g. ``npe5__Contact__r.Name``."""

    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Count:
    """``COUNT()`` (field None) or ``COUNT(field) [alias]``."""

    field: FieldPath | None
    alias: str | None
    pos: int


@dataclass(frozen=True)
class Literal:
    """A value in WHERE. ``kind``: string, number, boolean, null, date, datetime or relative_date.

    ``value``: the decoded string; the number's text; a bool; None; ``YYYY-MM-DD``; the store's UTC
    datetime text; or ``(NAME, n)`` for a relative date literal. ``like``: for strings, the SQL LIKE
    pattern (escape character ``\\``) the string means in a LIKE.
    """

    kind: str
    value: object
    pos: int
    text: str
    like: str | None = None


@dataclass(frozen=True)
class Comparison:
    field: FieldPath
    op: str  # = != < <= > >= ('<>' is read as '!=')
    value: Literal


@dataclass(frozen=True)
class InList:
    field: FieldPath
    values: tuple[Literal, ...]
    pos: int


@dataclass(frozen=True)
class Like:
    field: FieldPath
    pattern: Literal


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Like | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool
    nulls_first: bool | None  # None: not written


@dataclass(frozen=True)
class Query:
    text: str
    select: tuple[FieldPath | Count, ...]
    object_name: str
    object_pos: int
    alias: str | None
    where: Condition | None
    group_by: tuple[FieldPath, ...]
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


# --- tokenizer -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str  # ident, number, date, datetime, string, op, punct, eof
    text: str
    pos: int
    value: object = None
    like: str | None = None

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "ident" else ""


def _read_string(text: str, start: int) -> Token:
    """The string literal opening at ``start``: its plain value and its LIKE pattern."""
    plain: list[str] = []
    like: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            return Token("string", text[start:i + 1], start, "".join(plain), "".join(like))
        if ch == "\\":
            code = text[i + 1:i + 2]
            decoded = _ESCAPES.get(code.lower())
            if decoded is None:
                seq = text[i:i + 2]
                raise error_at(text, i, "MALFORMED_QUERY",
                               f"Invalid string literal '{seq}'. Illegal character sequence '{seq}' "
                               "in string literal.")
            plain.append(decoded)
            like.append("\\" + decoded if decoded in "%_\\" else decoded)
            i += 2
            continue
        plain.append(ch)
        like.append(ch)
        i += 1
    raise error_at(text, len(text), "MALFORMED_QUERY", "mismatched character '<EOF>' expecting '''")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``eof`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise error_at(text, pos, "MALFORMED_QUERY", f"unexpected token: '{text[pos]}'")
        kind = m.lastgroup
        if kind == "string":
            token = _read_string(text, pos)
            tokens.append(token)
            pos += len(token.text)
            continue
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


# --- parser ----------------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "eof":
            self.i += 1
        return token

    def error(self, token: Token, code: str = "MALFORMED_QUERY", message: str | None = None) -> SoqlError:
        return error_at(self.text, token.pos, code, message or f"unexpected token: '{token.text}'")

    def at_keyword(self, *words: str) -> bool:
        return self.tok.upper in words

    def keyword(self, word: str) -> Token:
        if self.tok.upper != word:
            raise self.error(self.tok)
        return self.advance()

    def punct(self, ch: str) -> Token:
        if not (self.tok.kind == "punct" and self.tok.text == ch):
            raise self.error(self.tok)
        return self.advance()

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == ch

    def integer(self) -> tuple[int, Token]:
        token = self.tok
        if token.kind != "number" or not token.text.isdigit():
            raise self.error(token)
        self.advance()
        return int(token.text), token

    # grammar
    def query(self) -> Query:
        self.keyword("SELECT")
        select = self.select_list()
        self.keyword("FROM")
        obj = self.tok
        if obj.kind != "ident" or obj.upper in RESERVED:
            raise self.error(obj)
        self.advance()
        alias = None
        if self.tok.kind == "ident" and self.tok.upper not in RESERVED:
            alias = self.advance().text
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.condition()
        group_by: tuple[FieldPath, ...] = ()
        if self.at_keyword("GROUP"):
            self.advance()
            self.keyword("BY")
            group_by = tuple(self.comma_separated(self.field_path))
        order_by: tuple[OrderItem, ...] = ()
        if self.at_keyword("ORDER"):
            self.advance()
            self.keyword("BY")
            order_by = tuple(self.comma_separated(self.order_item))
        limit = offset = None
        if self.at_keyword("LIMIT"):
            self.advance()
            limit, _ = self.integer()
        if self.at_keyword("OFFSET"):
            self.advance()
            offset, token = self.integer()
            if offset > MAX_OFFSET:
                raise self.error(token, "NUMBER_OUTSIDE_VALID_RANGE",
                                 f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if self.tok.kind != "eof":
            raise self.error(self.tok)
        return Query(self.text, tuple(select), obj.text, obj.pos, alias, where, group_by, order_by, limit,
                     offset)

    def comma_separated(self, item):
        items = [item()]
        while self.at_punct(","):
            self.advance()
            items.append(item())
        return items

    def select_list(self) -> list[FieldPath | Count]:
        return self.comma_separated(self.select_item)

    def select_item(self) -> FieldPath | Count:
        token = self.tok
        nxt = self.tokens[self.i + 1] if token.kind != "eof" else token
        if token.upper == "COUNT" and nxt.kind == "punct" and nxt.text == "(":
            self.advance()
            self.advance()
            field = None if self.at_punct(")") else self.field_path()
            self.punct(")")
            alias = None
            if self.tok.kind == "ident" and self.tok.upper not in RESERVED:
                alias = self.advance().text
            return Count(field, alias, token.pos)
        return self.field_path()

    def field_path(self) -> FieldPath:
        first = self.tok
        if first.kind != "ident" or first.upper in RESERVED:
            raise self.error(first)
        parts = [self.advance().text]
        while self.at_punct("."):
            self.advance()
            part = self.tok
            if part.kind != "ident":
                raise self.error(part)
            parts.append(self.advance().text)
        return FieldPath(tuple(parts), first.pos)

    def order_item(self) -> OrderItem:
        field = self.field_path()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
        nulls_first = None
        if self.at_keyword("NULLS"):
            self.advance()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.error(self.tok)
            nulls_first = self.advance().upper == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(token, "QUERY_TOO_COMPLICATED",
                             f"Query is too complicated: more than {MAX_NESTING} nested conditions")

    def condition(self) -> Condition:
        """Conditions joined by AND or by OR; mixing them needs parentheses, as in SOQL."""
        first = self.unary()
        if not self.at_keyword("AND", "OR"):
            return first
        op = self.tok.upper
        operands = [first]
        while self.at_keyword(op):
            self.advance()
            operands.append(self.unary())
        if self.at_keyword("AND", "OR"):
            raise self.error(self.tok)
        return BoolOp(op, tuple(operands))

    def unary(self) -> Condition:
        token = self.tok
        if token.upper == "NOT":
            self.advance()
            self.nest(token)
            operand = self.unary()
            self.depth -= 1
            return Not(operand)
        if self.at_punct("("):
            self.advance()
            self.nest(token)
            inner = self.condition()
            self.depth -= 1
            self.punct(")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        field = self.field_path()
        token = self.tok
        if token.kind == "op":
            self.advance()
            op = "!=" if token.text == "<>" else token.text
            return Comparison(field, op, self.value())
        negated = False
        if token.upper == "NOT":
            self.advance()
            negated = True
        if self.at_keyword("IN"):
            in_token = self.advance()
            self.punct("(")
            values = self.comma_separated(self.value)
            self.punct(")")
            node: Condition = InList(field, tuple(values), in_token.pos)
        elif self.at_keyword("LIKE"):
            self.advance()
            pattern = self.value()
            if pattern.kind != "string":
                raise error_at(self.text, pattern.pos, "MALFORMED_QUERY", f"unexpected token: '{pattern.text}'")
            node = Like(field, pattern)
        else:
            raise self.error(self.tok)
        return Not(node) if negated else node

    def value(self) -> Literal:
        token = self.advance()
        kind, upper = token.kind, token.upper
        if kind == "string":
            if len(token.value) > MAX_STRING_LENGTH:
                raise self.error(token, message=f"String literal is longer than {MAX_STRING_LENGTH} characters")
            return Literal("string", token.value, token.pos, token.text, token.like)
        if kind == "number":
            return Literal("number", token.text, token.pos, token.text)
        if upper in ("TRUE", "FALSE"):
            return Literal("boolean", upper == "TRUE", token.pos, token.text)
        if upper == "NULL":
            return Literal("null", None, token.pos, token.text)
        if kind == "date":
            try:
                value = date.fromisoformat(token.text).isoformat()
            except ValueError:
                raise self.error(token, message=f"invalid date: {token.text}") from None
            return Literal("date", value, token.pos, token.text)
        if kind == "datetime":
            try:
                value = stored_datetime(parse_datetime(token.text))
            except (ValueError, OverflowError):
                raise self.error(token, message=f"invalid dateTime: {token.text}") from None
            return Literal("datetime", value, token.pos, token.text)
        if upper in FIXED_DATE_LITERALS:
            return Literal("relative_date", (upper, 0), token.pos, token.text)
        if upper in N_DATE_LITERALS:
            self.punct(":")
            n, last = self.integer()
            text = self.text[token.pos:last.pos + len(last.text)]
            return Literal("relative_date", (upper, n), token.pos, text)
        raise self.error(token)


def parse(text: str) -> Query:
    """The syntax tree of the SOQL ``text``; raises ``SoqlError`` for anything Salesforce would refuse."""
    if not isinstance(text, str) or not text.strip():
        raise SoqlError("MALFORMED_QUERY", "A query string must be provided")
    if len(text) > MAX_QUERY_LENGTH:
        raise SoqlError("MALFORMED_QUERY",
                        f"Query is too long: {len(text)} characters, the maximum is {MAX_QUERY_LENGTH}")
    return _Parser(text).query()
