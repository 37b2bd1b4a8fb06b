"""Checks made before a run writes anything: each failure is a ``UsageError`` saying what to fix (exit 2)."""

from __future__ import annotations

import os
from pathlib import Path

import requests
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..config import ConfigError, Settings
from ..errors import ErrorClass, SyncError, UsageError
from ..store.database import check_url, open_engine
from ..store.tables import sync_meta


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def open_database(url: str) -> tuple[Engine, bool]:
    """An engine for ``url`` once it is known to open, and whether the database exists yet.

    A new SQLite file is not created here (connecting would create it): the caller reads nothing from a
    database that does not exist, and the file appears when the run starts writing.
    """
    try:
        url = check_url(url)
    except ConfigError as exc:
        raise UsageError("; ".join(exc.problems)) from None
    parsed = make_url(url)
    shown = safe_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or parsed.query.get("mode") == "memory":
            raise UsageError(f"database {shown}: an in-memory database cannot be shared with the notebooks' "
                             "kernels; give a file, e.g. --db sqlite:///vms.db")
        path = Path(database)
        if not path.exists():
            parent = path.parent if str(path.parent) else Path(".")
            if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                raise UsageError(f"database {shown}: cannot create {path}, its folder {parent} does not exist "
                                 "or is not writable; create the folder or point --db elsewhere")
            return open_engine(url), False
        if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
            raise UsageError(f"database {shown}: {path} is not a readable and writable file; fix its "
                             "permissions or point --db elsewhere")
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if parsed.get_backend_name() == "sqlite":
                conn.execute(text("SELECT count(*) FROM sqlite_master"))
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise UsageError(f"cannot open the database {shown}: {reason}; check --db / VMSYNC_DB_URL and that "
                         "the server is running") from None
    return engine, True


def recorded_org(engine: Engine) -> str | None:
    """The org the database was synced from (None for a new database); read only."""
    if not inspect(engine).has_table(sync_meta.name):
        return None
    with engine.connect() as conn:
        return conn.execute(select(sync_meta.c.value).where(sync_meta.c.key == "org_id")).scalar()


def check_org(recorded: str | None, org_id: str, *, allow_other_org: bool, shown_db: str) -> None:
    if recorded and recorded != org_id and not allow_other_org:
        raise UsageError(f"the database {shown_db} was synced from org {recorded}, but the credentials log in "
                         f"to org {org_id}; point --db / VMSYNC_DB_URL at this org's database, or pass "
                         "--allow-other-org to rebind it")


LOGIN_SETTINGS = {  # what to check when a login flow (Settings.login_flow) is refused
    "jwt": "SF_USERNAME, SF_CONSUMER_KEY and SF_PRIVATE_KEY_FILE (the connected app must hold the key's "
           "certificate and pre-authorize the user)",
    "client_credentials": "SF_CONSUMER_KEY and SF_CONSUMER_SECRET (and the connected app's Run As user)",
    "oauth_password": "SF_USERNAME, SF_PASSWORD, SF_SECURITY_TOKEN, SF_CONSUMER_KEY and SF_CONSUMER_SECRET",
    "soap": "SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN",
}


def connect_org(settings: Settings):
    """A logged-in client. Wrong credentials, an untrusted certificate or a login URL where nothing answers are
    a ``UsageError`` naming the setting; an org that answers but fails (an outage) is a ``SyncError``."""
    from ..salesforce import connect

    try:
        return connect(settings)
    except SyncError as exc:
        if exc.error_class in (ErrorClass.AUTH, ErrorClass.VALIDATION):
            raise UsageError(f"cannot log in to {settings.sf_login_url}: {exc.message}; check "
                             f"{LOGIN_SETTINGS[settings.login_flow]} (and SF_LOGIN_URL, SF_CA_BUNDLE, and "
                             f"VMSYNC_API_VERSION={settings.api_version}, which the org must serve)") from None
        if _caused_by(exc, requests.exceptions.SSLError):
            raise UsageError(f"the TLS certificate of {settings.sf_login_url} is not trusted: set SF_CA_BUNDLE to "
                             "the PEM bundle of its CA (verification cannot be turned off)") from None
        if _caused_by(exc, requests.exceptions.ConnectionError) and _nothing_answers(exc):
            raise UsageError(f"nothing answers at {settings.sf_login_url} (no such host, or connection refused): "
                             "check SF_LOGIN_URL, and that the network is up") from None
        raise


def _caused_by(exc: BaseException, kind: type) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _nothing_answers(exc: BaseException) -> bool:
    """A host that does not resolve, or a port nobody listens on (not a server that broke off)."""
    text = ""
    while exc is not None:
        text += f" {exc}"
        exc = exc.__cause__ or exc.__context__
    return any(sign in text for sign in ("Name or service not known", "nodename nor servname", "Temporary failure "
                                         "in name resolution", "Connection refused", "No address associated"))
