"""After every run, every file of the run folder is searched for secrets; a hit is redacted and fails the run.

Searched for: the configured secret values (``Settings.secret_values()``: the Salesforce password, security
token and consumer secret, the database password, plus any the caller adds, such as a sandbox's admin token)
as written raw, JSON-escaped (an ``.ipynb``) and HTML-escaped (an ``.html``); and anything shaped like a
Salesforce session id (``<15-character org id>!<token>``), which no artifact has a reason to hold.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REDACTED = b"***"
SESSION_ID_RE = re.compile(rb"00D[A-Za-z0-9]{12}![A-Za-z0-9._\-]{20,}")
MIN_SECRET_LENGTH = 4  # shorter values would match ordinary text everywhere


@dataclass(frozen=True)
class Leak:
    path: str
    kind: str
    count: int

    def __str__(self) -> str:
        return f"{self.path}: {self.count} x {self.kind}"


def _variants(secret: str) -> set[bytes]:
    forms = {secret, json.dumps(secret)[1:-1], html.escape(secret), html.escape(json.dumps(secret)[1:-1])}
    return {f.encode("utf-8") for f in forms if f}


def scan_and_redact(folder: Path, secrets: Iterable[str]) -> list[Leak]:
    """Redact every secret and session id found in the files under ``folder``; returns what was found."""
    patterns = sorted({v for s in secrets if len(s) >= MIN_SECRET_LENGTH for v in _variants(s)}, key=len,
                      reverse=True)
    leaks: list[Leak] = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        original = data
        secret_hits = 0
        for pattern in patterns:
            secret_hits += data.count(pattern)
            data = data.replace(pattern, REDACTED)
        data, session_hits = SESSION_ID_RE.subn(REDACTED, data)
        relative = str(path.relative_to(folder))
        if secret_hits:
            leaks.append(Leak(relative, "configured secret", secret_hits))
        if session_hits:
            leaks.append(Leak(relative, "Salesforce session id", session_hits))
        if data != original:
            path.write_bytes(data)
    return leaks
