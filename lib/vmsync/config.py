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

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_DB_URL = "sqlite:///vms.db"  # in the project folder, as a relative SQLite path always is
DEFAULT_RUNS_DIR = "runs"
DEFAULT_API_VERSION = "59.0"
MASK = "***"
PROJECT_MARKERS = (".env", "pyproject.toml")

DB_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_API_VERSION_RE = re.compile(r"^\d{2,3}\.\d$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    db_url: Secret
    runs_dir: Path
    api_version: str

    @property
    def db_url_safe(self) -> str:
        """The database URL with its password masked, fit for a report or a log."""
        return make_url(self.db_url.reveal()).render_as_string(hide_password=True)

    @property
    def uses_oauth(self) -> bool:
        """True when a connected app's consumer key and secret are configured."""
        return bool(self.sf_consumer_key and self.sf_consumer_secret)

    def secret_values(self) -> tuple[str, ...]:
        """The secret strings an artifact must never contain (non-empty ones only)."""
        db_password = make_url(self.db_url.reveal()).password
        values = (
            self.sf_password.reveal(),
            self.sf_security_token.reveal(),
            self.sf_consumer_secret.reveal(),
            str(db_password) if db_password else "",
        )
        return tuple(dict.fromkeys(v for v in values if v))

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = self.db_url_safe if f.name == "db_url" else getattr(self, f.name)
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def read_env_file(path: str | os.PathLike) -> dict[str, str]:
    """KEY=VALUE lines of a ``.env`` file: ``#`` comments, optional ``export``, optional quotes.

    Malformed lines are reported by line number only, never echoed: they may hold a secret.
    """
    values: dict[str, str] = {}
    problems: list[str] = []
    text = Path(path).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _ENV_KEY_RE.match(key):
            problems.append(f"{path} line {number} is not KEY=VALUE: fix or remove that line")
            continue
        try:
            values[key] = _env_value(value.strip())
        except ValueError:
            problems.append(f"{path} line {number} ({key}) has an unclosed quote: close it")
    if problems:
        raise ConfigError(problems)
    return values


def _env_value(text: str) -> str:
    """The value part of a ``.env`` line: quoted (with escapes inside double quotes) or bare up to ``#``."""
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = _closing_quote(text, quote)
        inner = text[1:end]
        if quote == '"':
            inner = re.sub(r'\\([\\"nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), inner)
        return inner
    return re.split(r"\s#", text, maxsplit=1)[0].strip()


def _closing_quote(text: str, quote: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\" and quote == '"':
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    raise ValueError("unclosed quote")


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
    if bool(consumer_key) != bool(consumer_secret):
        given, absent = ("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET") if consumer_key else \
            ("SF_CONSUMER_SECRET", "SF_CONSUMER_KEY")
        problems.append(f"{absent} is not set but {given} is: set both for OAuth, or neither for SOAP login")
    client_credentials = bool(consumer_key and consumer_secret) and not get("SF_USERNAME")

    username, password = get("SF_USERNAME"), get("SF_PASSWORD")
    if need_salesforce and not client_credentials:
        if username is None:
            missing("SF_USERNAME")
        if password is None:
            missing("SF_PASSWORD")

    login_url = _check_login_url(get("SF_LOGIN_URL") or DEFAULT_LOGIN_URL, problems)
    ca_bundle = _check_ca_bundle(get("SF_CA_BUNDLE"), problems)
    db_url = project_db_url(get("VMSYNC_DB_URL") or DEFAULT_DB_URL, environ)
    _check_db_url(db_url, problems)
    api_version = get("VMSYNC_API_VERSION") or DEFAULT_API_VERSION
    if not _API_VERSION_RE.match(api_version):
        problems.append(f"VMSYNC_API_VERSION must look like 59.0 (no leading v), not {api_version!r}")

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
        db_url=Secret(db_url),
        runs_dir=in_project(get("VMSYNC_RUNS_DIR") or DEFAULT_RUNS_DIR, environ),
        api_version=api_version,
    )


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
