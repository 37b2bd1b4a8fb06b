"""Value rules every mapping shares: text, names, emails, phones, dates, picklists.

These are vmsync's decisions (docs/vms-org.md#decisions): blank text is NULL, emails are trimmed and lower-cased,
phones normalised, date-times kept with their time in UTC, booleans read as booleans, multi-select picklists split
on ``;``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from .spec import Reject

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BLOCK_TAG_RE = re.compile(r"(?i)<\s*/?\s*(?:p|div|br|li|ul|ol|tr|td|th|table|h[1-6]|blockquote|hr)\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


def text(value: object) -> str | None:
    """Stripped text, or None when blank."""
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def required(record: dict, field: str) -> str:
    """The stripped text of a required field; a blank one rejects the record."""
    value = text(record.get(field))
    if value is None:
        raise Reject("MISSING_REQUIRED_FIELD", field, f"{field} is blank")
    return value


def boolean(value: object) -> bool:
    """A Salesforce checkbox: JSON booleans as they are, the strings 'true'/'false' as what they say."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def smart_title(name: str | None) -> str | None:
    """ALL-CAPS names in title case (O'BRIEN -> O'Brien, MCCARTHY -> McCarthy); other names as they are."""
    if not name or name != name.upper() or not any(c.isalpha() for c in name):
        return name

    def word(part: str) -> str:
        part = "-".join(p.capitalize() for p in part.split("-"))
        part = "'".join(p[:1].upper() + p[1:] for p in part.split("'"))
        for prefix in ("Mc", "Mac"):
            if part.startswith(prefix) and len(part) > len(prefix) + 1 and len(part) > 3:
                part = prefix + part[len(prefix)].upper() + part[len(prefix) + 1:]
        return part

    return " ".join(word(p) for p in name.lower().split(" "))


def email(value: object) -> str | None:
    """A trimmed, lower-cased address, or None when blank; an address that is not one is rejected."""
    s = text(value)
    if s is None:
        return None
    s = s.lower()
    if not _EMAIL_RE.match(s):
        raise Reject("INVALID_EMAIL", "", f"not an email address: {s!r}")
    return s


def phone(value: object) -> str | None:
    """A phone number as digits: North American numbers as +1NXXNXXXXXX, others as +digits; extensions kept."""
    s = text(value)
    if s is None:
        return None
    main, ext = s, ""
    m = re.search(r"(?i)(?:ext\.?|x)\s*(\d+)\s*$", s)
    if m:
        main, ext = s[: m.start()], m.group(1)
    digits = re.sub(r"\D", "", main)
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) < 7:
        raise Reject("INVALID_PHONE", "", f"not a phone number: {s!r}")
    return "+" + digits + (f" x{ext}" if ext else "")


def to_date(value: object, field: str = "") -> date | None:
    """A date from a date, a date-time or ``YYYY-MM-DD`` text; anything else rejects the record."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise Reject("INVALID_DATE", field, f"{field}: not a date: {value!r}") from exc


def to_utc(value: object, field: str = "") -> datetime | None:
    """An aware UTC date-time; naive values (as SQLite returns them) are UTC already."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Reject("INVALID_DATE", field, f"{field}: not a date-time: {value!r}") from exc
    return to_utc(parsed)


def number(value: object, field: str = "") -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise Reject("INVALID_NUMBER", field, f"{field}: not a number: {value!r}") from exc


def count(value: object, field: str = "") -> int:
    """A count: a whole number that is not negative (NULL is 0); a negative one rejects the record."""
    n = number(value, field)
    if n is None:
        return 0
    if n < 0:
        raise Reject("NEGATIVE_COUNT", field, f"{field}: a count cannot be negative: {n:g}")
    return int(n)


def split_multi(value: object, sep: str = ";") -> list[str]:
    """The values of a multi-select picklist (or a separated text list), stripped, blanks dropped."""
    s = text(value)
    if s is None:
        return []
    return [p.strip() for p in s.split(sep) if p.strip()]


def html_to_text(value: object) -> str | None:
    """Text from HTML: block tags become spaces, inline tags vanish, entities decoded, white space collapsed."""
    s = text(value)
    if s is None:
        return None
    return text(_SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", s)))))


def pick(value: object, choices: dict[str, str], field: str, *, default: str | None = None) -> str | None:
    """A picklist value mapped through ``choices`` (matched case-insensitively); an unknown one rejects."""
    s = text(value)
    if s is None:
        return default
    key = s.lower()
    for k, v in choices.items():
        if k.lower() == key:
            return v
    raise Reject("INVALID_PICKLIST", field, f"{field}: unknown value {s!r}")


def name_key(value: object) -> str | None:
    """A name as names are matched: lower-cased, punctuation dropped, white space collapsed."""
    s = text(value)
    if s is None:
        return None
    return text(_SPACE_RE.sub(" ", re.sub(r"[^\w\s]", " ", s.lower()))) or None


def skill_name(value: str) -> str:
    """One spelling per skill: white space collapsed, first letter capitalised, the rest as written."""
    s = _SPACE_RE.sub(" ", value.strip())
    return s[:1].upper() + s[1:]


# The type a raw field's value has when it already fits its column (as the extractor hands values over):
# ``coerce`` would give such a value back unchanged (date-times, converted to UTC, are not among them).
_FITS = {"text": str, "bool": bool, "number": float, "date": date}


def coercer(fields: dict[str, str]) -> Callable[[dict], dict]:
    """``coerce`` of every field of ``fields`` (name: kind) of a record, into a new record of those fields;
    values that already fit their column are taken as they are."""
    plan = [(name, kind, _FITS.get(kind)) for name, kind in fields.items()]

    def typed(record: dict) -> dict:
        out = {}
        for name, kind, fits in plan:
            value = record.get(name)
            out[name] = value if value is None or type(value) is fits else coerce(kind, value, name)
        return out

    return typed


def coerce(kind: str, value: object, field: str) -> object:
    """A value as the raw mirror's column of ``kind`` holds it (text, bool, number, date, datetime, json)."""
    if value is None or kind == "json":
        return value
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    if kind == "bool":
        return boolean(value)
    if kind == "number":
        return number(value, field)
    if kind == "date":
        return to_date(value, field)
    if kind == "datetime":
        return to_utc(value, field)
    raise ValueError(f"unknown raw field kind {kind!r} for {field}")
