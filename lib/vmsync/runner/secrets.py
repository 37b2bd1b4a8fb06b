"""After every run, every file of the run folder is searched for secrets; a hit is redacted and fails the run.

Only values that can be told from ordinary text are searched for (``choose_secrets``): a password that is
short, common, or part of a user name or the database URL (``postgres:postgres@...``) would be "found" in every
run, in ``postgresql`` or in the org's data. Such a value is reported once per run as a warning saying what to
do, and never fails a run.

Searched for: the configured secret values (``Settings.secret_values()``: the Salesforce password, security
token and consumer secret, the database password, plus any the caller adds, such as a sandbox's admin token)
as written raw, JSON-escaped (an ``.ipynb``) and HTML-escaped (an ``.html``); and anything shaped like a
Salesforce session id (``<15-character org id>!<token>``), which no artifact has a reason to hold.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REDACTED = b"***"
SESSION_ID_RE = re.compile(rb"00D[A-Za-z0-9]{12}![A-Za-z0-9._\-]{20,}")
MIN_SECRET_LENGTH = 4  # shorter values would match ordinary text everywhere
SAFE_SECRET_LENGTH = 8  # shorter secrets are warned about and not searched for
COMMON_SECRETS = frozenset({  # passwords people really use for databases and test users
    "password", "passw0rd", "postgres", "postgresql", "admin", "administrator", "secret", "changeme", "root",
    "letmein", "welcome", "qwerty", "123456", "12345678", "123456789", "test", "testing", "default", "vmsync",
    "salesforce", "sandbox", "example", "database", "p@ssw0rd", "password1", "superuser",
})


@dataclass(frozen=True)
class Leak:
    path: str
    kind: str
    count: int

    def __str__(self) -> str:
        return f"{self.path}: {self.count} x {self.kind}"


def choose_secrets(named: Mapping[str, Iterable[str]], public: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the values to search for, one warning per secret setting that cannot be searched for safely).

    ``named`` maps a setting to its secret strings; ``public`` holds the non-secret text a secret must not be
    part of (user names, the database URL's driver, host and name).
    """
    public_lower = [p.lower() for p in public if p]
    scan: list[str] = []
    warnings: list[str] = []
    for name, values in named.items():
        reasons = {reason for v in values if v and (reason := _unsafe(v, public_lower))}
        scan += [v for v in values if v and not _unsafe(v, public_lower)]
        for reason in sorted(reasons):
            warnings.append(f"{name} is {reason}, so run folders are not searched for it (it cannot be told from "
                            "ordinary text): give it a long random value, e.g. from `python -c \"import secrets; "
                            "print(secrets.token_urlsafe(24))\"`")
    return list(dict.fromkeys(scan)), warnings


def _unsafe(value: str, public_lower: list[str]) -> str | None:
    if len(value) < SAFE_SECRET_LENGTH:
        return f"shorter than {SAFE_SECRET_LENGTH} characters"
    if value.lower() in COMMON_SECRETS:
        return "a common password"
    if any(value.lower() in p for p in public_lower):
        return "part of a user name or of the database URL"
    return None


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
