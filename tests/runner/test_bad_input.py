"""Bad input exits 2 with a message saying what to fix, before anything is written."""

from __future__ import annotations

import io
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vmsync.entities import ENTITIES
from vmsync.runner import RunOptions, run_suite

from .conftest import run_in_process, vmsync


def _nothing_written(tmp_path, *, except_: tuple[str, ...] = ()) -> None:
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in except_) == []


@pytest.mark.parametrize(("options", "message"), [
    ({"only": ["schools", "nope"]}, "unknown entity nope; known: " + ", ".join(ENTITIES)),
    ({"exclude": ["gone"]}, "unknown entity gone"),
    ({"only": ["schools"], "exclude": ["schools"]}, "leave no entity to run"),
    ({"resume": "20200101T000000Z-abcd"}, "no run '20200101T000000Z-abcd'"),
    ({"resume": "../../etc"}, "'../../etc' is not a run id"),
    ({"parallel": 0}, "--parallel must be 1 or more"),
    ({"resume": "20200101T000000Z-abcd", "full": True}, "leave out --only, --exclude and --full"),
])
def test_bad_run_options_exit_2(sandbox, tmp_path, options, message):
    result, printed = run_in_process(sandbox, tmp_path, **options)
    assert result.exit_code == 2
    assert message in printed
    _nothing_written(tmp_path)


def test_unwritable_runs_folder_exits_2(sandbox, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result, printed = run_in_process(sandbox, tmp_path, runs_dir=tmp_path / "a-file" / "runs")
    assert result.exit_code == 2 and "is not a folder" in printed
    _nothing_written(tmp_path, except_=("a-file",))


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite:///{tmp}/no/such/folder/vms.db", "does not exist or is not writable"),
    ("sqlite:///{tmp}/not-a-db", "file is not a database"),
    ("sqlite://", "an in-memory database cannot be shared"),
    ("postgresql+psycopg://vmsync:secret-pw@127.0.0.1:9/vms", "cannot open the database"),
    ("mysql://x@y/z", "only sqlite"),
])
def test_database_that_cannot_be_opened_exits_2(sandbox, tmp_path, url, message):
    if "not-a-db" in url:
        (tmp_path / "not-a-db").write_bytes(b"this is not SQLite " * 100)
    result, printed = run_in_process(sandbox, tmp_path, db_url=url.format(tmp=tmp_path))
    assert result.exit_code == 2
    assert message in printed
    assert "secret-pw" not in printed
    _nothing_written(tmp_path, except_=("not-a-db",))


def test_missing_credentials_exit_2(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith(("SF_", "VMSYNC_"))]:
        monkeypatch.delenv(name)
    out = io.StringIO()
    result = run_suite(RunOptions(db_url=f"sqlite:///{tmp_path / 'vms.db'}", runs_dir=tmp_path / "runs",
                                  env_file=None), out=out, report=out)
    assert result.exit_code == 2
    assert "SF_USERNAME is not set" in out.getvalue() and "SF_PASSWORD is not set" in out.getvalue()
    _nothing_written(tmp_path)


def test_refused_login_exits_2_without_writing(sandbox, tmp_path, tmp_path_factory):
    other_key = tmp_path_factory.mktemp("keys") / "other.key"
    other_key.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    wrong = dict(sandbox.connection, private_key_file=str(other_key))  # not the key of the app's certificate
    out = io.StringIO()
    result = run_suite(RunOptions(connection=wrong, db_url=f"sqlite:///{tmp_path / 'vms.db'}",
                                  runs_dir=tmp_path / "runs", env_file=None), out=out, report=out)
    assert result.exit_code == 2
    assert "cannot log in" in out.getvalue() and "invalid assertion" in out.getvalue()
    assert "SF_PRIVATE_KEY_FILE" in out.getvalue(), "the message names the settings of the flow in use"
    _nothing_written(tmp_path)


def test_database_of_another_org_is_refused_unless_allowed(sandbox, tmp_path):
    from vmsync.entities import create_schema
    from vmsync.store.database import open_engine
    from vmsync.store.runs import check_org

    engine = open_engine(f"sqlite:///{tmp_path / 'vms.db'}")
    create_schema(engine)
    with engine.begin() as conn:
        check_org(conn, "00D000000000999AAA")
    engine.dispose()
    result, printed = run_in_process(sandbox, tmp_path, only=["schools"])
    assert result.exit_code == 2 and "was synced from org 00D000000000999AAA" in printed
    assert not (tmp_path / "runs").exists()

    result, printed = run_in_process(sandbox, tmp_path, only=["schools"], allow_other_org=True)
    assert result.exit_code == 0, printed
    assert result.record["org_id"] == sandbox.connection["org_id"]


def test_cli_usage_errors_exit_2(tmp_path):
    process = vmsync("run", "--parallel", "0", env=dict(os.environ), cwd=tmp_path)
    assert process.wait() == 2 and "must be 1 or more" in process.output()[1]
    process = vmsync("status", "nope", "--runs-dir", str(tmp_path / "runs"), env=dict(os.environ), cwd=tmp_path)
    assert process.wait() == 2 and "'nope' is not a run id" in process.output()[1]
