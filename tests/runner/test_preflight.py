"""Everything a run needs is checked before it writes anything: the steps' settings, the runs folder and the
room on its disk, the sandbox's state folder. Each refusal is exit 2, names the setting, and leaves no run folder
and no database behind (a SQLite file or PostgreSQL tables)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from sfsandbox import Sandbox
from vmsync.cli import _sandbox_org
from vmsync.runner import RunOptions, run_suite
from vmsync.runner.check import CheckOptions, run_check

from .conftest import run_in_process


def _no_database(db_url: str) -> None:
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        assert not os.path.exists(url.database), "no SQLite file made"
        return
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == [], "no table made"
    finally:
        engine.dispose()


@pytest.mark.parametrize(("case", "setting", "message"), [
    ("missing file", "VMSYNC_PATHFUL_SOURCE", "no such file"),
    ("a folder", "VMSYNC_PATHFUL_SOURCE", "not a file"),
    ("http", "VMSYNC_PATHFUL_SOURCE", "only local files and https:// URLs are read (not http://)"),
    ("bad time zone", "VMSYNC_TIMEZONE", "must be an IANA time zone"),
])
def test_a_step_setting_that_would_fail_is_refused_before_anything_is_written(sandbox, db_url, tmp_path,
                                                                               monkeypatch, case, setting, message):
    connection = dict(sandbox.connection)
    if case == "missing file":
        connection["pathful_report"] = str(tmp_path / "no-such-report.xlsx")
    elif case == "a folder":
        connection["pathful_report"] = str(tmp_path)
    elif case == "http":
        connection["pathful_report"] = "http://sheets.example.org/report.csv"
    else:
        monkeypatch.setenv("VMSYNC_TIMEZONE", "Mars/Olympus_Mons")
    result, printed = run_in_process(sandbox, tmp_path, connection=connection, db_url=db_url)
    assert result.exit_code == 2, printed
    assert setting in printed and message in printed
    assert not (tmp_path / "runs").exists()
    _no_database(db_url)

    out = io.StringIO()
    assert run_check(CheckOptions(connection=connection, db_url=db_url, env_file=None,
                                  runs_dir=tmp_path / "runs"), out) == 2
    assert setting in out.getvalue() and message in out.getvalue()
    assert not (tmp_path / "runs").exists()
    _no_database(db_url)


def test_a_runs_folder_that_cannot_be_created_is_refused(sandbox, db_url, tmp_path):
    runs = Path("/proc/vmsync-runs")  # not even root may make a folder there
    result, printed = run_in_process(sandbox, tmp_path, runs_dir=runs, db_url=db_url)
    assert result.exit_code == 2
    assert "runs folder /proc/vmsync-runs (--runs-dir or VMSYNC_RUNS_DIR) cannot be created or written" in printed
    assert "Traceback" not in printed
    _no_database(db_url)
    out = io.StringIO()
    assert run_check(CheckOptions(connection=sandbox.connection, db_url=db_url, env_file=None,
                                  runs_dir=runs), out) == 2
    assert "cannot be created or written" in out.getvalue()


def test_too_little_free_disk_for_a_run_is_refused(sandbox, db_url, tmp_path):
    earlier = tmp_path / "runs" / "20260101T000000Z-abcd"  # a run as big as no disk here can hold twice
    earlier.mkdir(parents=True)
    (earlier / "run.json").write_text(json.dumps({"run_id": earlier.name}))
    with open(earlier / "01-schools.ipynb", "wb") as notebook:
        notebook.truncate(2**43)  # sparse: 8 TB by its size, nothing on the disk
    result, printed = run_in_process(sandbox, tmp_path, db_url=db_url)
    assert result.exit_code == 2
    assert "MB free, and a run needs about" in printed and "VMSYNC_RUNS_DIR" in printed
    assert "vmsync prune" in printed
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [earlier.name], "no new run folder"
    _no_database(db_url)


def test_a_run_has_room_when_the_last_runs_fit(sandbox, tmp_path):
    out = io.StringIO()
    assert run_check(CheckOptions(connection=sandbox.connection, db_url=f"sqlite:///{tmp_path / 'vms.db'}",
                                  env_file=None, runs_dir=tmp_path / "runs"), out) == 0, out.getvalue()
    assert "ok    runs folder" in out.getvalue() and "with room for a run (about 20 MB)" in out.getvalue()


def test_a_sandbox_state_folder_in_use_is_refused(tmp_path):
    state = tmp_path / "state"
    with Sandbox.start(preset="tiny", state_dir=state) as serving:
        out = io.StringIO()
        result = run_suite(RunOptions(sandbox=True, sandbox_preset="tiny", sandbox_dir=state, open_sandbox=_sandbox_org,
                                      db_url=f"sqlite:///{tmp_path / 'vms.db'}", runs_dir=tmp_path / "runs",
                                      env_file=None, live=False), out=out, report=out)
        assert result.exit_code == 2
        assert f"the sandbox state folder {state} is in use by another sandbox (pid" in out.getvalue()
        assert serving.url in out.getvalue() and "Traceback" not in out.getvalue()
        assert not (tmp_path / "runs").exists() and not (tmp_path / "vms.db").exists()
        check = io.StringIO()
        assert run_check(CheckOptions(sandbox=True, sandbox_preset="tiny", sandbox_dir=state,
                                      open_sandbox=_sandbox_org, db_url=f"sqlite:///{tmp_path / 'vms.db'}",
                                      env_file=None, runs_dir=tmp_path / "runs"), check) == 2
        assert "is in use by another sandbox" in check.getvalue()
