"""Settings: defaults, .env parsing, checks that name the setting, and secrets that never print."""

import logging
from pathlib import Path

import pytest

from vmsync.config import ConfigError, Secret, Settings, load_settings, project_dir, read_env_file

BASE = {"SF_USERNAME": "sync@vms.org", "SF_PASSWORD": "pw-S3cret!", "SF_SECURITY_TOKEN": "tok123"}


def load(extra=None, env_file=None, **kw) -> Settings:
    return load_settings({**BASE, **(extra or {})}, env_file=env_file, **kw)


def problems(environ, **kw) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(environ, env_file=None, **kw)
    return info.value.problems


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load()
    assert s.sf_username == "sync@vms.org"
    assert s.sf_password.reveal() == "pw-S3cret!"
    assert s.sf_login_url == "https://login.salesforce.com"
    assert s.sf_ca_bundle is None
    assert s.db_url.reveal() == f"sqlite:///{tmp_path / 'vms.db'}"  # in the project folder, here
    assert s.runs_dir == tmp_path / "runs"
    assert s.api_version == "64.0", "SOAP login is gone from API 65.0: a SOAP login stays at 64.0"
    assert s.login_flow == "soap"


def test_missing_credentials_name_the_setting_and_the_remedy():
    found = problems({})
    assert "SF_USERNAME is not set: put it in the environment" in found
    assert "SF_PASSWORD is not set: put it in the environment" in found


def test_security_token_may_be_empty_or_absent():
    s = load_settings({"SF_USERNAME": "u", "SF_PASSWORD": "p"}, env_file=None)
    assert s.sf_security_token.reveal() == ""
    assert s.secret_values() == ("p",)


def test_database_only_commands_need_no_salesforce_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings({}, env_file=None, need_salesforce=False)
    assert s.sf_username is None
    assert s.db_url_safe == f"sqlite:///{tmp_path / 'vms.db'}"


def project(tmp_path, marker: str) -> Path:
    """A project folder holding ``marker`` with a ``notebooks/`` folder under it, where a kernel starts."""
    (tmp_path / marker).write_text("SF_USERNAME=sync@vms.org\nSF_PASSWORD=pw\n" if marker == ".env" else "")
    (tmp_path / "notebooks").mkdir()
    return tmp_path / "notebooks"


@pytest.mark.parametrize("marker", [".env", "pyproject.toml"])
def test_a_kernel_in_a_subfolder_finds_the_project_settings_and_database(tmp_path, monkeypatch, marker):
    monkeypatch.chdir(project(tmp_path, marker))
    assert project_dir({}) == tmp_path
    if marker == ".env":
        s = load_settings({})
        assert s.sf_username == "sync@vms.org"  # read from the project's .env, not from notebooks/
    s = load_settings({"VMSYNC_DB_URL": "sqlite:///sandbox.db"}, need_salesforce=False)
    assert s.db_url.reveal() == f"sqlite:///{tmp_path / 'sandbox.db'}"  # never a new notebooks/sandbox.db
    assert s.runs_dir == tmp_path / "runs"
    assert load_settings({"VMSYNC_DB_URL": "postgresql+psycopg://u@h/db"}, need_salesforce=False).db_url.reveal() \
        == "postgresql+psycopg://u@h/db"


def test_vmsync_home_names_the_project_and_messages_name_the_file_looked_for(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(project(tmp_path, ".env"))
    assert project_dir({"VMSYNC_HOME": str(home)}) == home
    with pytest.raises(ConfigError) as info:
        load_settings({"VMSYNC_HOME": str(home)})
    assert f"SF_USERNAME is not set: put it in the environment or in {home / '.env'}" in info.value.problems
    assert load_settings({"VMSYNC_HOME": str(home)}, need_salesforce=False).db_url.reveal() == \
        f"sqlite:///{home / 'vms.db'}"


def test_without_a_project_marker_up_the_tree_the_project_is_where_it_starts(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert not any((p / m).is_file() for p in tmp_path.parents for m in (".env", "pyproject.toml"))
    assert project_dir({}, start=tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "a" / "pyproject.toml").write_text("")
    assert project_dir({}, start=tmp_path / "a" / "b") == tmp_path / "a"


@pytest.mark.parametrize("url, expected", [
    ("https://test.salesforce.com", "https://test.salesforce.com"),
    ("https://127.0.0.1:8443/", "https://127.0.0.1:8443"),
    ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
])
def test_login_urls_accepted(url, expected):
    assert load({"SF_LOGIN_URL": url}).sf_login_url == expected


def test_http_login_url_refused_with_a_reason():
    [message] = problems({**BASE, "SF_LOGIN_URL": "http://127.0.0.1:8080"})
    assert message.startswith("SF_LOGIN_URL must use https://")


@pytest.mark.parametrize("url", ["ftp://x", "https://", "https://host/services/Soap", "login.salesforce.com",
                                 "https://host:99999"])
def test_malformed_login_urls_refused(url):
    [message] = problems({**BASE, "SF_LOGIN_URL": url})
    assert message.startswith("SF_LOGIN_URL must be https://host[:port]")


def test_ca_bundle_must_exist(tmp_path):
    [message] = problems({**BASE, "SF_CA_BUNDLE": str(tmp_path / "nope.pem")})
    assert message.startswith("SF_CA_BUNDLE points to")
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert load({"SF_CA_BUNDLE": str(pem)}).sf_ca_bundle == pem


@pytest.mark.parametrize("url", ["sqlite:////srv/x.db", "sqlite://", "postgresql://u:p@h/db",
                                 "postgresql+psycopg://u:p@h:5432/db"])
def test_supported_database_urls(url):
    assert load({"VMSYNC_DB_URL": url}).db_url.reveal() == url


@pytest.mark.parametrize("url, fragment", [("mysql://u:p@h/db", "'mysql'"),
                                           ("postgresql+psycopg2://u:p@h/db", "'postgresql+psycopg2'"),
                                           ("not a url", "is not a database URL")])
def test_unsupported_database_urls(url, fragment):
    [message] = problems({**BASE, "VMSYNC_DB_URL": url})
    assert message.startswith("VMSYNC_DB_URL") and fragment in message
    assert "p@h" not in message


def test_api_version_checked():
    [message] = problems({**BASE, "VMSYNC_API_VERSION": "v59.0"})
    assert message.startswith("VMSYNC_API_VERSION must look like 66.0")


def test_soap_login_refused_at_an_api_version_without_it():
    [message] = problems({**BASE, "VMSYNC_API_VERSION": "65.0"})
    assert message.startswith("VMSYNC_API_VERSION is 65.0 but SOAP login") and "JWT bearer" in message
    assert load({"VMSYNC_API_VERSION": "62.0"}).api_version == "62.0"
    oauth = load_settings({"SF_CONSUMER_KEY": "ck", "SF_CONSUMER_SECRET": "cs"}, env_file=None)
    assert oauth.api_version == "66.0", "the OAuth flows use a current API version by default"


def test_consumer_key_and_secret_come_in_pairs():
    [message] = problems({**BASE, "SF_CONSUMER_KEY": "ck"})
    assert message.startswith("SF_CONSUMER_SECRET is not set but SF_CONSUMER_KEY is")
    assert "SF_PRIVATE_KEY_FILE" in message
    s = load({"SF_CONSUMER_KEY": "ck", "SF_CONSUMER_SECRET": "cs-value"})
    assert s.login_flow == "oauth_password" and "cs-value" in s.secret_values()


def test_client_credentials_need_no_username():
    s = load_settings({"SF_CONSUMER_KEY": "ck", "SF_CONSUMER_SECRET": "cs"}, env_file=None)
    assert s.sf_username is None and s.login_flow == "client_credentials"


PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"


def test_jwt_bearer_needs_a_consumer_key_a_user_and_a_private_key_file(tmp_path):
    key = tmp_path / "server.key"
    key.write_text(PEM_KEY)
    s = load_settings({"SF_USERNAME": "u@x.org", "SF_CONSUMER_KEY": "ck", "SF_PRIVATE_KEY_FILE": str(key)},
                      env_file=None)
    assert s.login_flow == "jwt" and s.sf_private_key_file == key and s.api_version == "66.0"
    assert "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC7" in s.secret_values(), "a printed key is a leak"
    assert "MIIE" not in repr(s)
    [message] = problems({"SF_USERNAME": "u@x.org", "SF_PRIVATE_KEY_FILE": str(key)})
    assert message.startswith("SF_CONSUMER_KEY is not set but SF_PRIVATE_KEY_FILE is")
    [message] = problems({"SF_CONSUMER_KEY": "ck", "SF_PRIVATE_KEY_FILE": str(key)})
    assert message.startswith("SF_USERNAME is not set")
    [message] = problems({"SF_USERNAME": "u", "SF_CONSUMER_KEY": "ck", "SF_PRIVATE_KEY_FILE": str(tmp_path / "no")})
    assert message.startswith("SF_PRIVATE_KEY_FILE points to") and "cannot be read" in message
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    [message] = problems({"SF_USERNAME": "u", "SF_CONSUMER_KEY": "ck",
                          "SF_PRIVATE_KEY_FILE": str(tmp_path / "cert.pem")})
    assert "holds no PEM private key" in message


def test_every_problem_reported_at_once():
    found = problems({"SF_LOGIN_URL": "http://x", "VMSYNC_DB_URL": "mysql://x/y"})
    assert [p.split()[0] for p in found] == ["SF_USERNAME", "SF_PASSWORD", "SF_LOGIN_URL", "VMSYNC_DB_URL"]


def test_env_file_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# credentials\n"
        "export SF_USERNAME=file@vms.org\n"
        "SF_PASSWORD='single # not a comment'\n"
        'SF_SECURITY_TOKEN="tok \\"quoted\\""  # trailing comment\n'
        "\n"
        "VMSYNC_RUNS_DIR = out/runs   # comment\n"
    )
    s = load_settings({"SF_USERNAME": "env@vms.org"}, env_file=env_file)
    assert s.sf_username == "env@vms.org"
    assert s.sf_password.reveal() == "single # not a comment"
    assert s.sf_security_token.reveal() == 'tok "quoted"'
    assert s.runs_dir == project_dir({}) / "out" / "runs"


def test_missing_env_file_is_skipped(tmp_path):
    assert load(env_file=tmp_path / "absent.env").sf_username == "sync@vms.org"


def test_malformed_env_file_lines_named_by_number_not_echoed(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SF_USERNAME=u\nhunter2-password-line\nSF_PASSWORD='unclosed\n")
    with pytest.raises(ConfigError) as info:
        read_env_file(env_file)
    text = str(info.value)
    assert "line 2 is not KEY=VALUE" in text and "line 3 (SF_PASSWORD) has an unclosed quote" in text
    assert "hunter2" not in text and "'unclosed" not in text


def test_secret_never_prints():
    secret = Secret("hunter2")
    shown = [str(secret), repr(secret), f"{secret}", f"{secret:>10}", f"{secret!r}", "%s" % (secret,)]  # noqa: UP031
    assert not any("hunter2" in s for s in shown)
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2") and secret != Secret("other")
    assert not Secret("")


def test_settings_repr_and_log_line_show_no_secret(caplog):
    s = load({"SF_CONSUMER_KEY": "ck", "SF_CONSUMER_SECRET": "consumer-S3cret",
              "VMSYNC_DB_URL": "postgresql+psycopg://vms:db-S3cret@db.local:5432/vms"})
    secrets = s.secret_values()
    assert set(secrets) == {"pw-S3cret!", "tok123", "consumer-S3cret", "db-S3cret"}
    with caplog.at_level(logging.INFO):
        logging.getLogger("vmsync.test").info("settings: %s / %r", s, s)
    for text in (repr(s), str(s), caplog.text):
        assert not any(secret in text for secret in secrets)
    assert "db.local" in repr(s) and "sync@vms.org" in repr(s)
    assert s.db_url_safe == "postgresql+psycopg://vms:***@db.local:5432/vms"


def test_settings_are_frozen():
    s = load()
    with pytest.raises(AttributeError):
        s.sf_username = "other"  # type: ignore[misc]


def test_env_file_is_read_as_python_dotenv_reads_it(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "export SF_USERNAME = sync@vms.org   # spaces around = and a comment\n"
        "SF_PASSWORD='pa$${not}expanded\"x'\n"
        'VMSYNC_SMTP_FROM="vmsync <ops@example.org>"\n'
        'NOTE="a value over\n'
        'two lines"\n'
        "EMPTY=\n")
    values = read_env_file(env_file)
    assert values == {"SF_USERNAME": "sync@vms.org", "SF_PASSWORD": 'pa$${not}expanded"x',
                      "VMSYNC_SMTP_FROM": "vmsync <ops@example.org>", "NOTE": "a value over\ntwo lines",
                      "EMPTY": ""}
    env_file.write_text("SF_USERNAME=u\nNOTE=\"fine\"\nSF_PASSWORD='never closed\nVMSYNC_DB_URL=sqlite:///x.db\n")
    with pytest.raises(ConfigError) as info:
        read_env_file(env_file)
    assert info.value.problems == [f"{env_file} line 3 (SF_PASSWORD) has an unclosed quote: close it"]
    assert "never closed" not in str(info.value)
