"""``--sandbox``: the command line starts an sfsandbox org for the command and stops it after; the runner only
calls the opener it is handed (it imports no sandbox)."""

from __future__ import annotations

import io

from vmsync.cli import main
from vmsync.runner.check import CheckOptions, run_check


def test_check_with_sandbox_starts_an_org_for_the_command_and_stops_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    state = tmp_path / "org"
    code = main(["check", "--sandbox", "--sandbox-preset", "tiny", "--sandbox-dir", str(state),
                 "--db", f"sqlite:///{tmp_path / 'vms.db'}"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "ok    login to https://127.0.0.1:" in printed
    assert (state / "tls" / "ca.pem").is_file(), "the org was served from the state folder given"
    assert not (state / "connection.json").exists(), "the org was stopped when the command ended"


def test_the_runner_without_an_opener_refuses_sandbox_with_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    code = run_check(CheckOptions(sandbox=True, sandbox_dir=tmp_path / "org", env_file=None,
                                  db_url=f"sqlite:///{tmp_path / 'vms.db'}"), out)
    assert code == 2
    assert "--sandbox needs a sandbox org to start" in out.getvalue()
    assert not (tmp_path / "org").exists()
