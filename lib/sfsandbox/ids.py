"""Salesforce record Ids: 15 case-sensitive characters plus the 3-character case-safety suffix.

The sandbox makes an Id from the object's key prefix and a per-object counter written in base 36 with digits and
upper-case letters only, so Ids sort in creation order whether compared case-sensitively or not
(docs/salesforce.md#ids). The suffix is Salesforce's: for each 5-character chunk, bit ``i`` is set when character
``i`` is an upper-case letter, and the 0-31 value indexes ``_SUFFIX_CHARS``.
"""

from __future__ import annotations

import string

_COUNTER_CHARS = string.digits + string.ascii_uppercase
_COUNTER_WIDTH = 12
_SUFFIX_CHARS = string.ascii_uppercase + "012345"
_ALNUM = frozenset(string.ascii_letters + string.digits)

MAX_COUNTER = len(_COUNTER_CHARS) ** _COUNTER_WIDTH - 1
_UPPER_AS_ONE = str.maketrans({c: "1" if c in string.ascii_uppercase else "0" for c in string.printable})
_TRIPLES = [a + b + c for a in _COUNTER_CHARS for b in _COUNTER_CHARS for c in _COUNTER_CHARS]  # 4 make a counter


_SUFFIX_OF_BITS = {format(i, "05b")[::-1]: ch for i, ch in enumerate(_SUFFIX_CHARS)}  # "10000" -> "B"


def _suffix(id15: str) -> str:
    bits = id15.translate(_UPPER_AS_ONE)   # "1" where the character is an upper-case letter
    return _SUFFIX_OF_BITS[bits[:5]] + _SUFFIX_OF_BITS[bits[5:10]] + _SUFFIX_OF_BITS[bits[10:]]


def make_id(prefix: str, n: int) -> str:
    """The 18-character Id of record number ``n`` of the object whose key prefix is ``prefix``."""
    if len(prefix) != 3 or not set(prefix) <= _ALNUM:
        raise ValueError(f"not a key prefix: {prefix!r}")
    if not 0 <= n <= MAX_COUNTER:
        raise ValueError(f"counter out of range: {n}")
    high, low = divmod(n, 36**6)
    id15 = prefix + _TRIPLES[high // 36**3] + _TRIPLES[high % 36**3] + _TRIPLES[low // 36**3] + _TRIPLES[low % 36**3]
    return id15 + _suffix(id15)


def to18(record_id: str) -> str:
    """The canonical 18-character form of a 15- or 18-character Id.

    An 18-character Id whose letters arrive in the wrong case is repaired from its suffix, as Salesforce
    does; anything else that is not an Id raises ``ValueError``.
    """
    if not isinstance(record_id, str) or len(record_id) not in (15, 18) or not set(record_id) <= _ALNUM:
        raise ValueError(f"malformed id: {record_id!r}")
    if len(record_id) == 15:
        return record_id + _suffix(record_id)
    suffix = record_id[15:].upper()
    chars = []
    for chunk, code in enumerate(suffix):
        bits = _SUFFIX_CHARS.find(code)
        if bits < 0:
            raise ValueError(f"malformed id: {record_id!r}")
        for i, ch in enumerate(record_id[chunk * 5:chunk * 5 + 5]):
            upper = bool(bits >> i & 1)
            if upper and not ch.isalpha():
                raise ValueError(f"malformed id: {record_id!r}")
            chars.append(ch.upper() if upper else ch.lower())
    return "".join(chars) + suffix


def is_valid_id(value: object) -> bool:
    """Whether ``value`` is a well-formed 15- or 18-character Id."""
    try:
        to18(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True
