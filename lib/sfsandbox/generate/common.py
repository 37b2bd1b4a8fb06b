"""Small building blocks shared by the generator's parts: weighted picks, names, phones, addresses, emails."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from itertools import accumulate

from . import pools


class Weighted:
    """A fixed weighted choice, drawn with one ``random()`` and a bisect."""

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def spread(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """``total`` split in proportion to ``weights``, each part at least ``minimum`` (largest remainders)."""
    base = [minimum] * len(weights)
    left = total - minimum * len(weights)
    if left <= 0:
        return base
    scale = left / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: left - sum(parts)]:
        parts[i] += 1
    return [b + p for b, p in zip(base, parts, strict=True)]


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)


def phone(rng: random.Random) -> str:
    """A Kansas City phone number in one of the shapes people type."""
    area = rng.choice(("816", "913", "816", "913", "660", "785"))
    exchange, line = rng.randint(200, 989), rng.randint(0, 9999)
    shape = rng.random()
    if shape < 0.45:
        return f"({area}) {exchange}-{line:04d}"
    if shape < 0.75:
        return f"{area}-{exchange}-{line:04d}"
    if shape < 0.9:
        return f"{area}{exchange}{line:04d}"
    return f"+1 {area}.{exchange}.{line:04d}"


def street(rng: random.Random) -> str:
    line = f"{rng.randint(100, 19999)} {rng.choice(pools.STREET_NAMES)}"
    if chance(rng, 0.12):
        line += rng.choice((f"\nApt {rng.randint(1, 40)}", f" Suite {rng.randint(100, 900)}", f" #{rng.randint(1, 30)}"))
    return line


def place(rng: random.Random) -> tuple[str, str, str]:
    """A (city, state, zip) from the metro area."""
    city, state, zips = rng.choice(pools.CITIES)
    return city, state, rng.choice(zips)


def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def odd_case(rng: random.Random, email: str) -> str:
    """The same address as people sometimes type it: capitalised, shouting, or wrapped in spaces."""
    shape = rng.random()
    if shape < 0.4:
        local, _, domain = email.partition("@")
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    if shape < 0.7:
        return email.upper()
    if shape < 0.85:
        return f" {email}"
    return f"{email} "


def other_case(rng: random.Random, email: str) -> str:
    """``email`` in a case different from the stored one (what mail headers tend to carry)."""
    stripped = email.strip()
    for candidate in (stripped.lower(), stripped.upper(), stripped.title()):
        if candidate != stripped and chance(rng, 0.6):
            return candidate
    return stripped.swapcase()


def html_paragraphs(*lines: str) -> str:
    return "".join(f"<p>{line}</p>" for line in lines if line)
