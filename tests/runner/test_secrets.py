"""Secrets in the run folder: found in every form they take in a file, redacted, and the run failed."""

from __future__ import annotations

import html
import json
import re

from sqlalchemy.engine import make_url

from vmsync.runner.secrets import choose_secrets, scan_and_redact

from ..conftest import postgres_schema, private_key_lines
from .conftest import make_notebook, run_in_process

SESSION = "00D000000000001!AQ" + "x7Yz_-" * 10


def test_secrets_are_found_raw_json_escaped_and_html_escaped_and_redacted(tmp_path):
    secret = 'pa"ss<w>rd&1'
    (tmp_path / "a.ipynb").write_text(json.dumps({"text": f"password {secret}", "s": SESSION}))
    (tmp_path / "a.html").write_text(f"<pre>{html.escape(secret)}</pre><pre>{secret}</pre>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "clean.txt").write_text("nothing to see; 00D is not a session")
    (tmp_path / "short.txt").write_text("abc abc")

    leaks = scan_and_redact(tmp_path, [secret, "abc", ""])

    assert sorted(map(str, leaks)) == ["a.html: 2 x configured secret", "a.ipynb: 1 x Salesforce session id",
                                       "a.ipynb: 1 x configured secret"]
    for path in tmp_path.rglob("*.*"):
        text = path.read_text()
        assert secret not in text and json.dumps(secret)[1:-1] not in text and html.escape(secret) not in text
        assert SESSION not in text
    assert json.loads((tmp_path / "a.ipynb").read_text()) == {"text": "password ***", "s": "***"}
    assert (tmp_path / "short.txt").read_text() == "abc abc", "values too short to scan are left alone"
    assert scan_and_redact(tmp_path, [secret]) == []


def test_a_notebook_that_prints_credentials_fails_the_run_and_is_redacted(sandbox, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    make_notebook(notebooks / "schools.ipynb",
                  "import os\nprint('key:', open(os.environ['SF_PRIVATE_KEY_FILE']).read())",
                  "from vmsync.config import load_settings\nfrom vmsync.salesforce import connect\n"
                  "print('session:', connect(load_settings()).sf.session_id)")
    result, report = run_in_process(sandbox, tmp_path, only=["schools"], notebooks_dir=notebooks)

    assert result.exit_code == 1, report
    assert result.record["status"] == "failed"
    assert result.record["steps"][0]["status"] == "succeeded", "the step did run; the leak fails the run"
    found = "\n".join(result.record["secrets_found"])
    assert re.search(r"01-schools\.ipynb: \d+ x configured secret", found), "the private key printed"
    assert "01-schools.ipynb: 1 x Salesforce session id" in found and "01-schools.html" in found
    assert "secret found and redacted" in report
    key_lines = private_key_lines(sandbox.connection)
    for path in (tmp_path / "runs").rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not any(line in text for line in key_lines)
            assert sandbox.connection["org_id"][:15] + "!" not in text
    assert '"key: -----BEGIN PRIVATE KEY-----\\n",\n      "***\\n"' in (result.folder / "01-schools.ipynb").read_text()


def test_only_secrets_that_can_be_told_from_ordinary_text_are_searched_for():
    named = {"SF_PASSWORD": ("Xk4-q9Lm-Tz7w",), "SF_SECURITY_TOKEN": ("short",),
             "the password in VMSYNC_DB_URL": ("postgres",), "SF_CONSUMER_SECRET": ("sync.user",),
             "SF_PRIVATE_KEY_FILE": ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDF", "")}
    scan, warnings = choose_secrets(named, ["postgresql+psycopg", "postgres", "127.0.0.1", "sync.user@vms.org"])
    assert scan == ["Xk4-q9Lm-Tz7w", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDF"]
    assert [w.split(",")[0] for w in warnings] == [
        "SF_SECURITY_TOKEN is shorter than 8 characters",
        "the password in VMSYNC_DB_URL is a common password",
        "SF_CONSUMER_SECRET is part of a user name or of the database URL"]
    assert all("give it a long random value" in w for w in warnings)


def test_a_database_password_that_is_also_its_user_name_warns_once_and_never_fails_the_run(sandbox, pg_url,
                                                                                          tmp_path):
    with postgres_schema(pg_url) as schema_url:  # the server trusts 127.0.0.1: any password logs in
        url = make_url(schema_url).set(username="postgres", password="postgres").render_as_string(
            hide_password=False)
        result, printed = run_in_process(sandbox, tmp_path, only=["schools"], db_url=url)
    assert result.exit_code == 0, printed
    assert result.record["secrets_found"] == [] and "secret found and redacted" not in printed
    assert printed.count("warning: the password in VMSYNC_DB_URL is a common password") == 1
    assert result.record["database"].startswith("postgresql+psycopg://postgres:***@127.0.0.1")
