"""Retention: ``vmsync prune`` and the prune after each run remove old run folders by the rules, never a run in
progress nor the last failed run before a success, and leave the database's run records alone."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from vmsync.cli import main
from vmsync.runner.prune import Retention, prune
from vmsync.store.tables import sync_run

from .conftest import run_in_process

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _runs(runs_dir, *runs: tuple[str, str]) -> None:
    """Run folders as runs leave them: ``(run id, status)``, each with its run.json and a notebook."""
    for run_id, status in runs:
        folder = runs_dir / run_id
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"run_id": run_id, "status": status}))
        (folder / "01-schools.ipynb").write_text("{}")


def _left(runs_dir) -> list[str]:
    return sorted(p.name for p in runs_dir.iterdir() if p.is_dir())


def test_keep_the_last_runs_but_never_a_run_in_progress_nor_the_last_failure_before_a_success(tmp_path):
    _runs(tmp_path, ("20260601T020000Z-aaaa", "running"),  # killed long ago: still resumable
          ("20260602T020000Z-bbbb", "failed"), ("20260603T020000Z-cccc", "failed"),
          ("20260604T020000Z-dddd", "succeeded"), ("20260605T020000Z-eeee", "succeeded"),
          ("20260606T020000Z-ffff", "succeeded"))
    out = io.StringIO()
    gone = prune(tmp_path, Retention(keep=2), out, now=NOW)
    assert gone == ["20260602T020000Z-bbbb", "20260604T020000Z-dddd"]
    assert _left(tmp_path) == ["20260601T020000Z-aaaa", "20260603T020000Z-cccc", "20260605T020000Z-eeee",
                               "20260606T020000Z-ffff"]
    assert "removed run 20260602T020000Z-bbbb" in out.getvalue() and (tmp_path / "index.html").is_file()


def test_keep_the_runs_of_the_last_days_and_a_dry_run_removes_nothing(tmp_path):
    _runs(tmp_path, ("20260501T020000Z-aaaa", "succeeded"), ("20260625T020000Z-bbbb", "succeeded"),
          ("20260629T020000Z-cccc", "succeeded"))
    out = io.StringIO()
    assert prune(tmp_path, Retention(days=7), out, now=NOW, dry_run=True) == ["20260501T020000Z-aaaa"]
    assert "would remove run 20260501T020000Z-aaaa" in out.getvalue() and len(_left(tmp_path)) == 3
    assert prune(tmp_path, Retention(keep=1, days=7), io.StringIO(), now=NOW) == ["20260501T020000Z-aaaa"]
    assert _left(tmp_path) == ["20260625T020000Z-bbbb", "20260629T020000Z-cccc"], "either rule keeps a run"


def test_the_prune_command_takes_its_rules_from_options_or_settings(tmp_path, monkeypatch, capsys):
    _runs(tmp_path, ("20200101T020000Z-aaaa", "succeeded"), ("20200102T020000Z-bbbb", "succeeded"))
    monkeypatch.chdir(tmp_path)
    for name in ("VMSYNC_PRUNE_KEEP", "VMSYNC_PRUNE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    assert main(["prune", "--runs-dir", str(tmp_path)]) == 2
    assert "say what to keep: --keep N" in capsys.readouterr().err
    assert main(["prune", "--runs-dir", str(tmp_path), "--keep", "0"]) == 2
    monkeypatch.setenv("VMSYNC_PRUNE_KEEP", "1")
    assert main(["prune", "--runs-dir", str(tmp_path)]) == 0
    assert _left(tmp_path) == ["20200102T020000Z-bbbb"]


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_a_bad_prune_setting_is_refused_before_a_run_writes_anything(sandbox, tmp_path, monkeypatch, value):
    monkeypatch.setenv("VMSYNC_PRUNE_KEEP", value)
    result, printed = run_in_process(sandbox, tmp_path)
    assert result.exit_code == 2 and "VMSYNC_PRUNE_KEEP must be a whole number of runs, 1 or more" in printed
    assert not (tmp_path / "runs").exists()


def test_prune_after_each_run_keeps_the_database_records(sandbox, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VMSYNC_PRUNE_KEEP", "1")
    first, _ = run_in_process(sandbox, tmp_path, only=["schools"], db_url=db_url)
    second, printed = run_in_process(sandbox, tmp_path, only=["schools"], db_url=db_url)
    assert first.exit_code == second.exit_code == 0, printed
    assert f"removed run {first.run_id}" in printed
    assert _left(tmp_path / "runs") == [second.run_id]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(sync_run)).scalar() == 2
    engine.dispose()
