"""Settings from the environment and an optional ``.env`` file; secrets never show in a repr, a log or a file.

Every setting is checked before anything is written, and every problem is reported at once, each naming
the setting and what to do about it. Secrets live in ``Secret`` objects that print as ``'***'``; only
``reveal()`` gives the value, at the one place that needs it (the login, the database engine).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from dotenv.parser import parse_stream
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_DB_URL = "sqlite:///vms.db"  # in the project folder, as a relative SQLite path always is
DEFAULT_RUNS_DIR = "runs"
DEFAULT_API_VERSION = "66.0"
SOAP_LAST_API_VERSION = "64.0"  # SOAP login() is gone from API 65.0 (docs/salesforce.md#login)
MASK = "***"
PROJECT_MARKERS = (".env", "pyproject.toml")

DB_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_API_VERSION_RE = re.compile(r"^\d{2,3}\.\d$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_ASSIGNMENT_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['\"]")


class ConfigError(Exception):
    """One or more settings are missing or malformed; ``problems`` holds one message per setting."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Secret:
    """A value that prints as ``'***'`` everywhere; ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return repr(MASK)

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything vmsync reads from its environment, checked and typed."""

    sf_username: str | None
    sf_password: Secret
    sf_security_token: Secret
    sf_login_url: str
    sf_ca_bundle: Path | None
    sf_consumer_key: str | None
    sf_consumer_secret: Secret
    sf_private_key_file: Path | None
    db_url: Secret
    runs_dir: Path
    api_version: str
    prune_keep: int | None = None
    prune_days: int | None = None

    @property
    def db_url_safe(self) -> str:
        """The database URL with its password masked, fit for a report or a log."""
        return make_url(self.db_url.reveal()).render_as_string(hide_password=True)

    @property
    def login_flow(self) -> str:
        """How vmsync logs in: ``jwt`` (consumer key, user, private key), ``client_credentials`` (consumer key
        and secret, no user), ``oauth_password`` (consumer key and secret with a user) or ``soap``."""
        if self.sf_consumer_key and self.sf_private_key_file:
            return "jwt"
        if self.sf_consumer_key and self.sf_consumer_secret:
            return "oauth_password" if self.sf_username else "client_credentials"
        return "soap"

    def secret_values(self) -> tuple[str, ...]:
        """The secret strings an artifact must never contain (non-empty ones only)."""
        values = (v for named in self.named_secrets().values() for v in named)
        return tuple(dict.fromkeys(v for v in values if v))

    def named_secrets(self) -> dict[str, tuple[str, ...]]:
        """Each secret setting and the strings it puts in the world (a private key: its lines)."""
        db_password = make_url(self.db_url.reveal()).password
        return {
            "SF_PASSWORD": (self.sf_password.reveal(),),
            "SF_SECURITY_TOKEN": (self.sf_security_token.reveal(),),
            "SF_CONSUMER_SECRET": (self.sf_consumer_secret.reveal(),),
            "the password in VMSYNC_DB_URL": (str(db_password) if db_password else "",),
            "SF_PRIVATE_KEY_FILE": tuple(self._private_key_lines()),
        }

    def public_values(self) -> tuple[str, ...]:
        """Settings that are not secret but show up in reports: a secret inside one cannot be told from it."""
        url = make_url(self.db_url.reveal())
        values = (self.sf_username, self.sf_login_url, url.drivername, url.username, url.host, url.database)
        return tuple(v for v in values if v)

    def _private_key_lines(self) -> list[str]:
        """The base64 lines of the JWT private key: a printed key shows them, one per output line."""
        if self.sf_private_key_file is None:
            return []
        try:
            text = self.sf_private_key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return []
        return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")]

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = self.db_url_safe if f.name == "db_url" else getattr(self, f.name)
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def read_env_file(path: str | os.PathLike) -> dict[str, str]:
    """The settings of a ``.env`` file, read by python-dotenv: ``#`` comments, optional ``export``, single or
    double quotes (escapes inside double quotes), values over several lines inside quotes. Values are taken as
    written: no ``${VAR}`` expansion, which would change a password holding ``${``.

    Malformed lines are reported by line number (and key, when there is one), never echoed: they may hold a
    secret.
    """
    values: dict[str, str] = {}
    problems: list[str] = []
    with open(path, encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            number, key = binding.original.line, binding.key
            if binding.error:
                named = _ENV_ASSIGNMENT_RE.match(binding.original.string)
                problems.append(f"{path} line {number} ({named[1]}) has an unclosed quote: close it" if named else
                                f"{path} line {number} is not KEY=VALUE: fix or remove that line")
            elif key is not None and (binding.value is None or not _ENV_KEY_RE.match(key)):
                problems.append(f"{path} line {number} is not KEY=VALUE: fix or remove that line")
            elif key is not None:
                values[key] = binding.value
    if problems:
        raise ConfigError(problems)
    return values


def project_dir(environ: Mapping[str, str] | None = None, start: Path | None = None) -> Path:
    """The project folder: ``VMSYNC_HOME``, else the nearest folder from ``start`` (default: the current one)
    upward that holds ``.env`` or ``pyproject.toml``, else ``start`` itself.

    A kernel opened from ``notebooks/`` starts there; its settings and its database are still the project's.
    """
    home = (os.environ if environ is None else environ).get("VMSYNC_HOME", "").strip()
    if home:
        return Path(home).expanduser().absolute()
    here = (start or Path.cwd()).absolute()
    return next((folder for folder in (here, *here.parents)
                 if any((folder / marker).is_file() for marker in PROJECT_MARKERS)), here)


def in_project(path: str | os.PathLike, environ: Mapping[str, str] | None = None) -> Path:
    """``path`` as it is meant: a relative one lies in the project folder (``project_dir``)."""
    given = Path(path).expanduser()
    return given if given.is_absolute() else project_dir(environ) / given


def project_db_url(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``url`` with a relative SQLite file placed in the project folder; any other URL as it is."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # reported by the check that follows
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str(in_project(parsed.database, environ))).render_as_string(hide_password=False)


def environment(environ: Mapping[str, str] | None = None,
                env_file: str | os.PathLike | None = ".env") -> dict[str, str]:
    """Every setting: ``environ`` (default ``os.environ``) over ``env_file`` (skipped when absent; a relative
    one is in the project folder).

    A malformed ``env_file`` raises ``ConfigError`` (``read_env_file``).
    """
    path = None if env_file is None else in_project(env_file, environ)
    env = read_env_file(path) if path is not None and path.is_file() else {}
    env.update(os.environ if environ is None else environ)
    return env


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | os.PathLike | None = ".env",
    *,
    need_salesforce: bool = True,
) -> Settings:
    """Settings from ``environ`` (default ``os.environ``) over ``env_file`` (skipped when absent).

    ``need_salesforce=False`` serves commands that only read the database: the SF_* settings may then be
    missing, but the ones given are still checked. Raises ``ConfigError`` listing every problem.
    """
    env = environment(environ, env_file)
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    looked_in = "" if env_file is None else f" or in {in_project(env_file, environ)}"

    def missing(name: str) -> None:
        problems.append(f"{name} is not set: put it in the environment{looked_in}")

    consumer_key, consumer_secret = get("SF_CONSUMER_KEY"), get("SF_CONSUMER_SECRET")
    private_key_file = _check_private_key_file(get("SF_PRIVATE_KEY_FILE"), problems)
    username, password = get("SF_USERNAME"), get("SF_PASSWORD")
    jwt = bool(get("SF_PRIVATE_KEY_FILE"))
    if jwt and not consumer_key:
        problems.append("SF_CONSUMER_KEY is not set but SF_PRIVATE_KEY_FILE is: the JWT bearer flow needs the "
                        "connected app's consumer key, SF_USERNAME and the private key file")
    elif not jwt and consumer_key and not consumer_secret:
        problems.append("SF_CONSUMER_SECRET is not set but SF_CONSUMER_KEY is: set SF_PRIVATE_KEY_FILE for the "
                        "JWT bearer flow, or SF_CONSUMER_SECRET for client credentials")
    elif consumer_secret and not consumer_key:
        problems.append("SF_CONSUMER_KEY is not set but SF_CONSUMER_SECRET is: set both for OAuth, or neither "
                        "for SOAP login")
    client_credentials = bool(consumer_key and consumer_secret) and not username and not jwt

    if need_salesforce and not client_credentials:
        if username is None:
            missing("SF_USERNAME")
        if password is None and not jwt:
            missing("SF_PASSWORD")
    soap = not consumer_key

    login_url = _check_login_url(get("SF_LOGIN_URL") or DEFAULT_LOGIN_URL, problems)
    ca_bundle = _check_ca_bundle(get("SF_CA_BUNDLE"), problems)
    db_url = project_db_url(get("VMSYNC_DB_URL") or DEFAULT_DB_URL, environ)
    _check_db_url(db_url, problems)
    api_version = get("VMSYNC_API_VERSION") or (SOAP_LAST_API_VERSION if soap else DEFAULT_API_VERSION)
    if not _API_VERSION_RE.match(api_version):
        problems.append(f"VMSYNC_API_VERSION must look like {DEFAULT_API_VERSION} (no leading v), not "
                        f"{api_version!r}")
    elif soap and need_salesforce and float(api_version) > float(SOAP_LAST_API_VERSION):
        problems.append(f"VMSYNC_API_VERSION is {api_version} but SOAP login (SF_USERNAME and SF_PASSWORD "
                        f"without SF_CONSUMER_KEY) is gone from API 65.0: log in with the JWT bearer flow or "
                        f"client credentials (README), or set VMSYNC_API_VERSION={SOAP_LAST_API_VERSION}")

    prune_keep = _positive_int("VMSYNC_PRUNE_KEEP", get("VMSYNC_PRUNE_KEEP"), "runs", problems)
    prune_days = _positive_int("VMSYNC_PRUNE_DAYS", get("VMSYNC_PRUNE_DAYS"), "days", problems)

    if problems:
        raise ConfigError(problems)
    return Settings(
        sf_username=username,
        sf_password=Secret(password or ""),
        sf_security_token=Secret(env.get("SF_SECURITY_TOKEN", "").strip()),
        sf_login_url=login_url,
        sf_ca_bundle=ca_bundle,
        sf_consumer_key=consumer_key,
        sf_consumer_secret=Secret(consumer_secret or ""),
        sf_private_key_file=private_key_file,
        db_url=Secret(db_url),
        runs_dir=in_project(get("VMSYNC_RUNS_DIR") or DEFAULT_RUNS_DIR, environ),
        api_version=api_version,
        prune_keep=prune_keep,
        prune_days=prune_days,
    )


def _positive_int(name: str, value: str | None, unit: str, problems: list[str]) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        problems.append(f"{name} must be a whole number of {unit}, 1 or more, not {value!r}")
        return None
    return int(value)


def _check_login_url(url: str, problems: list[str]) -> str:
    """``https://host[:port]`` with any trailing slash removed; anything else is a problem."""
    parts = urlsplit(url)
    shown = url if "@" not in url else "a URL with credentials in it"
    if parts.scheme == "http":
        problems.append(f"SF_LOGIN_URL must use https:// (Salesforce and the sandbox only speak TLS), not {shown}")
        return url
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme != "https" or not parts.hostname or not port_ok or parts.path.strip("/") \
            or parts.query or parts.fragment or parts.username:
        problems.append(f"SF_LOGIN_URL must be https://host[:port], e.g. {DEFAULT_LOGIN_URL}, not {shown}")
        return url
    return f"https://{parts.netloc}"


def _check_private_key_file(value: str | None, problems: list[str]) -> Path | None:
    """The JWT bearer flow's private key: a readable PEM file (its content is never shown)."""
    if value is None:
        return None
    path = Path(value).expanduser()
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        problems.append(f"SF_PRIVATE_KEY_FILE points to {path}, which cannot be read: give the path of the PEM "
                        "private key whose certificate the connected app holds")
        return None
    if "PRIVATE KEY-----" not in text:
        problems.append(f"SF_PRIVATE_KEY_FILE points to {path}, which holds no PEM private key (-----BEGIN "
                        "PRIVATE KEY-----): give the key that signed the connected app's certificate")
        return None
    return path


def _check_ca_bundle(value: str | None, problems: list[str]) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        problems.append(f"SF_CA_BUNDLE points to {path}, which is not a file: give the path of a PEM CA bundle")
        return None
    return path


def _check_db_url(url: str, problems: list[str]) -> None:
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        problems.append("VMSYNC_DB_URL is not a database URL: use sqlite:///path.db or "
                        "postgresql+psycopg://user:password@host/db")
        return
    if driver not in DB_DRIVERS:
        problems.append(f"VMSYNC_DB_URL uses {driver!r}: only {', '.join(DB_DRIVERS)} are supported")
