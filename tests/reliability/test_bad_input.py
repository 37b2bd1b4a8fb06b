"""Bad input, as a user would give it: every setting missing, empty, malformed, pointing nowhere, with wrong
credentials or an untrusted certificate; every option of ``vmsync run`` and every notebook parameter with
wrong types and values, SOQL-injection attempts included. Each is refused (``vmsync run`` exits 2, Python
raises ``ConfigError``) with a message naming what to fix, and nothing is written: no database file, no run
folder. Option and parameter errors are refused before the org is even asked anything.
"""

from __future__ import annotations

import os
import re

import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from vmsync import notebook
from vmsync.cli import main as vmsync
from vmsync.config import ConfigError, load_settings

from ..conftest import environ
from .conftest import scrub_environment

INJECTION = "x'; DELETE FROM sync_run; --"
NOTEBOOKS = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks")


@pytest.fixture
def user(sandbox, tmp_path, monkeypatch):
    """A user in an empty folder whose environment points vmsync at the sandbox and a database there."""
    scrub_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    good = environ(sandbox, f"sqlite:///{tmp_path}/vms.db") | {"VMSYNC_RUNS_DIR": str(tmp_path / "runs")}
    for name, value in good.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "a-file").write_text("not a folder, not a certificate")
    return tmp_path


def requests_seen(sandbox) -> dict:
    return {k: v for k, v in sandbox.control.usage()["requests"].items() if k != "control"}


def run_cli(*args: str, capsys) -> tuple[int, str]:
    """``vmsync ARGS`` in this process: its exit code and everything it printed."""
    try:
        code = vmsync(list(args))
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def nothing_written(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "a-file")


# --- settings --------------------------------------------------------------------------------------------

SETTINGS = [  # (id, changes to the environment (None: unset), what the message must name)
    ("username-missing", {"SF_USERNAME": None}, "SF_USERNAME"),
    ("username-empty", {"SF_USERNAME": "  "}, "SF_USERNAME"),
    ("username-wrong", {"SF_USERNAME": "nobody@example.org"}, "SF_USERNAME"),
    ("password-missing", {"SF_PASSWORD": None}, "SF_PASSWORD"),
    ("password-empty", {"SF_PASSWORD": ""}, "SF_PASSWORD"),
    ("password-wrong", {"SF_PASSWORD": "Not-The-Password-7"}, "SF_PASSWORD"),
    ("token-missing", {"SF_SECURITY_TOKEN": None}, "SF_SECURITY_TOKEN"),
    ("token-wrong", {"SF_SECURITY_TOKEN": "WRONGTOKEN123"}, "SF_SECURITY_TOKEN"),
    ("login-url-no-scheme", {"SF_LOGIN_URL": "login.salesforce.com"}, "SF_LOGIN_URL"),
    ("login-url-http", {"SF_LOGIN_URL": "http://127.0.0.1:8443"}, "SF_LOGIN_URL"),
    ("login-url-path", {"SF_LOGIN_URL": "https://login.salesforce.com/services/Soap"}, "SF_LOGIN_URL"),
    ("login-url-credentials", {"SF_LOGIN_URL": "https://me:Secret-In-Url@login.salesforce.com"},
     "SF_LOGIN_URL"),
    ("login-url-port", {"SF_LOGIN_URL": "https://127.0.0.1:99999"}, "SF_LOGIN_URL"),
    pytest.param("login-url-nowhere", {"SF_LOGIN_URL": "https://127.0.0.1:9"}, "SF_LOGIN_URL",
                 marks=pytest.mark.soak, id="login-url-nowhere"),
    pytest.param("login-url-unresolvable", {"SF_LOGIN_URL": "https://vmsync-test.invalid"}, "SF_LOGIN_URL",
                 marks=pytest.mark.soak, id="login-url-unresolvable"),
    ("ca-bundle-missing-file", {"SF_CA_BUNDLE": "/no/such/ca.pem"}, "SF_CA_BUNDLE"),
    ("ca-bundle-a-folder", {"SF_CA_BUNDLE": "/"}, "SF_CA_BUNDLE"),
    ("ca-bundle-not-pem", {"SF_CA_BUNDLE": "a-file"}, "SF_CA_BUNDLE"),
    ("certificate-untrusted", {"SF_CA_BUNDLE": None}, "SF_CA_BUNDLE"),
    ("db-url-malformed", {"VMSYNC_DB_URL": "not a database url"}, "VMSYNC_DB_URL"),
    ("db-url-unsupported", {"VMSYNC_DB_URL": "mysql://vms@localhost/vms"}, "VMSYNC_DB_URL"),
    ("db-url-nowhere", {"VMSYNC_DB_URL": "postgresql+psycopg://vms:Db-Secret-9@127.0.0.1:9/vms"},
     "VMSYNC_DB_URL"),
    ("db-url-no-folder", {"VMSYNC_DB_URL": "sqlite:///no/such/folder/vms.db"}, "--db"),
    ("db-url-memory", {"VMSYNC_DB_URL": "sqlite://"}, "--db"),
    ("runs-dir-a-file", {"VMSYNC_RUNS_DIR": "a-file"}, "--runs-dir"),
    ("api-version-malformed", {"VMSYNC_API_VERSION": "v59"}, "VMSYNC_API_VERSION"),
    pytest.param("api-version-nowhere", {"VMSYNC_API_VERSION": "12.0"}, "VMSYNC_API_VERSION",
                 id="api-version-nowhere"),
    ("consumer-key-alone", {"SF_CONSUMER_KEY": "3MVG9key"}, "SF_CONSUMER_SECRET"),
    ("consumer-secret-alone", {"SF_CONSUMER_SECRET": "Consumer-Secret-5"}, "SF_CONSUMER_KEY"),
]
SECRETS_IN_CASES = ("Not-The-Password-7", "Secret-In-Url", "Db-Secret-9", "Consumer-Secret-5",
                    "WRONGTOKEN123")


def _ids(cases):
    return [c.id if hasattr(c, "id") else c[0] for c in cases]


@pytest.mark.parametrize(("case", "changes", "named"), SETTINGS, ids=_ids(SETTINGS))
def test_a_bad_setting_is_refused_by_vmsync_run_naming_it(user, monkeypatch, capsys, case, changes, named):
    for name, value in changes.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code, printed = run_cli("run", "--only", "schools", capsys=capsys)
    assert code == 2, printed
    assert named in printed, printed
    assert not any(secret in printed for secret in SECRETS_IN_CASES), printed
    assert nothing_written(user) == []


# the settings load_settings itself refuses (the others need a login or a database to be found out)
LOADED = {
    "username-missing", "username-empty", "password-missing", "password-empty", "login-url-no-scheme",
    "login-url-http", "login-url-path", "login-url-credentials", "login-url-port", "ca-bundle-missing-file",
    "ca-bundle-a-folder", "db-url-malformed", "db-url-unsupported", "api-version-malformed",
    "consumer-key-alone", "consumer-secret-alone",
}


@pytest.mark.parametrize(("case", "changes", "named"), [c for c in SETTINGS if _ids([c])[0] in LOADED],
                         ids=sorted(LOADED, key=_ids(SETTINGS).index))
def test_a_bad_setting_is_a_config_error_in_python_naming_it(sandbox, tmp_path, case, changes, named):
    given = environ(sandbox, f"sqlite:///{tmp_path}/vms.db") | changes
    env = {k: v for k, v in given.items() if v is not None}
    env = {k: (str(tmp_path / v) if v == "a-file" else v) for k, v in env.items()}
    with pytest.raises(ConfigError) as refused:
        load_settings(environ=env, env_file=None)
    assert named in str(refused.value)


@pytest.mark.parametrize(("text", "named"), [
    ("SF_USERNAME=someone@example.org\nthis line is not a setting\n", "line 2 is not KEY=VALUE"),
    ('SF_PASSWORD="Unclosed-Quote-Secret\n', "line 1 (SF_PASSWORD) has an unclosed quote"),
])
def test_a_malformed_env_file_is_refused_without_echoing_it(user, monkeypatch, capsys, text, named):
    monkeypatch.delenv("SF_USERNAME")
    monkeypatch.delenv("SF_PASSWORD")
    (user / ".env").write_text(text)
    code, printed = run_cli("run", "--only", "schools", capsys=capsys)
    assert code == 2 and named in printed, printed
    assert "Unclosed-Quote-Secret" not in printed and "this line" not in printed
    assert nothing_written(user) == [".env"]


# --- options of vmsync run -------------------------------------------------------------------------------

OPTIONS = [  # (arguments, what the message must name)
    (["--only", "nope"], "unknown entity nope"),
    (["--only", f"schools,{INJECTION}"], "unknown entit"),
    (["--exclude", INJECTION], "unknown entit"),
    (["--only", ""], "--only"),
    (["--exclude", " , "], "--exclude"),
    (["--only", "schools", "--exclude", "schools"], "leave no entity"),
    (["--parallel", "0"], "--parallel"),
    (["--parallel", "-3"], "--parallel"),
    (["--parallel", "two"], "--parallel"),
    (["--parallel", "1.5"], "--parallel"),
    (["--resume", "20200101T000000Z-abcd"], "20200101T000000Z-abcd"),
    (["--resume", "../../etc"], "../../etc"),
    (["--resume", INJECTION], "is not a run id"),
    (["--resume", "20200101T000000Z-abcd", "--full"], "--full"),
    (["--db", "mysql://vms@localhost/vms"], "VMSYNC_DB_URL"),
    (["--db", "sqlite://"], "--db"),
    (["--db", INJECTION], "VMSYNC_DB_URL"),
    (["--runs-dir", "a-file"], "--runs-dir"),
    (["--cell-timeout", "-1"], "--cell-timeout"),
    (["--cell-timeout", "soon"], "--cell-timeout"),
    (["--step-timeout", "-5"], "--step-timeout"),
    (["--sandbox-preset", "huge"], "--sandbox-preset"),
    (["--frobnicate"], "--frobnicate"),
    (["schools"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("args", "named"), OPTIONS, ids=[" ".join(a) for a, _ in OPTIONS])
def test_a_bad_option_of_vmsync_run_is_refused_before_anything_is_asked_or_written(
        sandbox, user, capsys, args, named):
    before = requests_seen(sandbox)
    code, printed = run_cli("run", *args, capsys=capsys)
    assert code == 2, printed
    assert named in printed, printed
    assert nothing_written(user) == []
    assert requests_seen(sandbox) == before, "a refused run still talked to the org"


# --- notebook parameters -----------------------------------------------------------------------------------

PARAMETERS = [  # (parameter, value)
    ("run_id", 123), ("run_id", ""), ("run_id", "x" * 41), ("run_id", INJECTION), ("run_id", "../../etc/passwd"),
    ("run_id", "two words"), ("mode", "fast"), ("mode", ""), ("mode", 1), ("mode", f"full{INJECTION}"),
    ("db_url", "mysql://vms@localhost/vms"), ("db_url", "not a url"), ("db_url", INJECTION),
    ("lookback_minutes", -1), ("lookback_minutes", "10"), ("lookback_minutes", True),
    ("lookback_minutes", float("nan")), ("lookback_minutes", float("inf")), ("lookback_minutes", 10**9),
    ("page_size", 199), ("page_size", 2001), ("page_size", "2000"), ("page_size", 2000.0),
    ("page_size", True),
    ("dry_run", "False"), ("dry_run", 0), ("dry_run", None), ("api", "soap"), ("api", ""), ("api", None),
    ("bulk_threshold", -1), ("bulk_threshold", "x"), ("bulk_threshold", 1.5), ("allow_other_org", "yes"),
]


@pytest.mark.parametrize(("name", "value"), PARAMETERS, ids=[f"{n}={v!r}"[:40] for n, v in PARAMETERS])
def test_a_bad_notebook_parameter_is_a_config_error_before_anything_is_asked_or_written(
        sandbox, user, name, value):
    before = requests_seen(sandbox)
    with pytest.raises(ConfigError) as refused:
        notebook.sync("schools", **{name: value})
    assert name in str(refused.value)
    assert nothing_written(user) == []
    assert requests_seen(sandbox) == before


def test_a_bad_parameter_given_to_the_notebook_itself_stops_it_naming_the_parameter(sandbox, user):
    """As an analyst (or papermill) passes it: a string where a number belongs."""
    with pytest.raises(PapermillExecutionError) as stopped:
        pm.execute_notebook(os.path.join(NOTEBOOKS, "schools.ipynb"), str(user / "out.ipynb"),
                            parameters={"page_size": "2000"}, progress_bar=False, kernel_name="python3")
    assert stopped.value.ename == "ConfigError"
    assert re.search(r"page_size must be a whole number", stopped.value.evalue)
    assert nothing_written(user) == ["out.ipynb"]
