"""How names from the report are compared with names in the database.

The report carries no email, so people, schools, districts and companies are found by name. Names are compared
folded: accents, case, punctuation and spacing ignored, a hyphen read as a space (``O'Brien`` = ``OBrien``,
``Smith-Hale`` = ``smith hale``). A person's name is split the way the VMS splits it (docs/pathful.md#names): one
leading title dropped, the first word is the first name and the rest the last name; one word is a last name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof"})
COMPANY_SUFFIXES = frozenset({"inc", "llc", "company", "corp", "co", "ltd", "incorporated", "corporation",
                              "group"})
_DROPPED = re.compile(r"[.,'\u2019`]")
_SPACED = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)  # a report repeats the same names, schools and companies on thousands of rows
def fold(value: str | None) -> str:
    """``value`` lower-cased, without accents or punctuation, words separated by one space."""
    if not value:
        return ""
    s = unicodedata.normalize("NFKD", value)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().replace("&", " and ")
    return _SPACED.sub(" ", _DROPPED.sub("", s)).strip()


def parse_name(name: str | None) -> tuple[str, str]:
    """(first, last) of a full name: ``Dr. Mary Viveros`` -> (Mary, Viveros); ``Madonna`` -> ("", Madonna)."""
    words = (name or "").split()
    if len(words) > 1 and fold(words[0]) in TITLES:
        words = words[1:]
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return words[0], " ".join(words[1:])


def person_key(first: str | None, last: str | None) -> str:
    """The key a person is matched on: folded first and last name."""
    return " ".join(p for p in (fold(first), fold(last)) if p)


def school_keys(name: str | None) -> tuple[str, ...]:
    """A school name folded, then also without a trailing ``school`` and with ``elem`` spelled out."""
    words = ["elementary" if w == "elem" else w for w in fold(name).split()]
    if not words:
        return ()
    keys = [" ".join(words)]
    if len(words) > 1 and words[-1] == "school":
        keys.append(" ".join(words[:-1]))
    return tuple(keys)


def company_key(name: str | None) -> str:
    """A company name folded (what organizations are matched on)."""
    return fold(name)


def company_stem(name: str | None) -> str:
    """A company name without its legal suffix (``Next Level, Inc.`` -> ``next level``): for hints only."""
    return " ".join(w for w in fold(name).split() if w not in COMPANY_SUFFIXES)


_ACRONYM = re.compile(r"\(([A-Za-z][A-Za-z0-9-]{1,15})\)")


def acronym(name: str | None) -> str | None:
    """The short name a district string carries in parentheses: ``Kansas City, KS (KCKPS) Public Schools``."""
    m = _ACRONYM.search(name or "")
    return m.group(1) if m else None
