"""Who may call the sandbox: the org's one integration user's credentials, and the session tokens it holds.

Credentials are made once per state directory and kept there (mode 0600), so a restarted sandbox accepts the
same ``.env``. So is the connected app's certificate for the JWT bearer flow (``ConsumerCertificate``): the
sandbox makes a key pair as an operator would, keeps the private key for the client and verifies assertions
against the certificate, which may be replaced by the operator's own. Sessions look like Salesforce's (``00D…!<random>``) and expire after ``ttl`` seconds without
use (Salesforce's idle timeout, on the wall clock so that freezing or moving the org's clock never logs a
client out by surprise); a fault or the control API can end one, and a fresh login always works.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEFAULT_SESSION_TTL = 7200.0
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str

    @classmethod
    def load_or_create(cls, state_dir: Path, username: str) -> Credentials:
        """The credentials kept in ``state_dir`` (made on first use) for the org's user ``username``."""
        path = Path(state_dir) / "credentials.json"
        try:
            kept = cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            kept = None  # none yet, or unreadable: make new ones
        if kept is not None and kept.username == username:
            return kept
        made = kept or cls(
            username=username,
            password=secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
            consumer_key="3MVG9sandbox" + secrets.token_hex(20),
            consumer_secret=secrets.token_hex(32).upper(),
        )
        made = replace(made, username=username)
        write_private_json(path, asdict(made))
        return made

    def password_matches(self, sent: str, token_required: bool = True) -> bool:
        """Whether ``sent`` is the password with the security token appended (or alone, when allowed)."""
        sent_bytes, password = sent.encode(), self.password.encode()  # compare_digest takes ASCII str only
        if secrets.compare_digest(sent_bytes, password + self.security_token.encode()):
            return True
        return not token_required and secrets.compare_digest(sent_bytes, password)


@dataclass(frozen=True)
class ConsumerCertificate:
    """The connected app's certificate (what Salesforce is given) and the private key that signs assertions."""

    certificate: Path
    private_key: Path

    @classmethod
    def load_or_create(cls, state_dir: Path) -> ConsumerCertificate:
        """The pair kept in ``state_dir/jwt`` (made on first use: RSA 2048, self-signed, valid two years)."""
        folder = Path(state_dir) / "jwt"
        made = cls(folder / "consumer.crt", folder / "consumer.key")
        if made.certificate.is_file() and made.private_key.is_file():
            return made
        folder.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfsandbox connected app")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=730)).sign(key, hashes.SHA256()))
        write_private_bytes(made.private_key, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        made.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return made

    def public_key(self):
        """The certificate's public key, read at each use so that a replaced certificate counts at once."""
        return x509.load_pem_x509_certificate(self.certificate.read_bytes()).public_key()


class Sessions:
    """The live session tokens and when each was last used."""

    def __init__(self, org_id: str, ttl: float = DEFAULT_SESSION_TTL, clock: Callable[[], float] = time.monotonic):
        self._prefix = org_id[:15] + "!"
        self.ttl = float(ttl)
        self._clock = clock
        self._last_used: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = self._prefix + "AQ" + secrets.token_urlsafe(72)
        now = self._clock()
        with self._lock:
            if len(self._last_used) >= MAX_SESSIONS:
                self._drop_expired(now)
                for old in sorted(self._last_used, key=self._last_used.get)[: MAX_SESSIONS // 10]:
                    del self._last_used[old]
            self._last_used[token] = now
        return token

    def check(self, token: str | None) -> bool:
        """True when ``token`` is a live session (and mark it used); an expired one is forgotten."""
        if not token:
            return False
        now = self._clock()
        with self._lock:
            last = self._last_used.get(token)
            if last is None:
                return False
            if now - last > self.ttl:
                del self._last_used[token]
                return False
            self._last_used[token] = now
            return True

    def invalidate(self, token: str | None) -> None:
        with self._lock:
            self._last_used.pop(token or "", None)

    def clear(self) -> int:
        with self._lock:
            count = len(self._last_used)
            self._last_used.clear()
            return count

    def _drop_expired(self, now: float) -> None:
        for token in [t for t, last in self._last_used.items() if now - last > self.ttl]:
            del self._last_used[token]


def write_private_json(path: Path, payload: dict) -> None:
    """Write ``payload`` to ``path`` readable by the owner only, atomically (readers never see half a file)."""
    write_private_bytes(path, (json.dumps(payload, indent=2) + "\n").encode())


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only, atomically (readers never see half a file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
