"""The README's cron line and systemd units, run as written: a plain shell stands in for cron, and the service's
ExecStart runs in its WorkingDirectory with the bare environment systemd gives. Only the project folder
(``/srv/vmsync``) is moved to a temporary one; its ``.env`` points at the test sandbox."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess

import pytest

from vmsync.runner.environment import sandbox_environment

from .conftest import REPO

BARE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # what cron and systemd give a job, roughly


def _scheduling_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Scheduling\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.*?)```", section, flags=re.S)


@pytest.fixture
def project(sandbox, tmp_path):
    """A project folder as an operator sets it up: the venv, and a ``.env`` for the sandbox org."""
    folder = tmp_path / "srv-vmsync"
    folder.mkdir()
    (folder / ".venv").symlink_to(REPO / ".venv")
    settings = sandbox_environment(sandbox.connection) | {"VMSYNC_DB_URL": "sqlite:///vms.db"}
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items() if v))
    return folder


def test_the_cron_line_runs_as_written_into_a_runs_folder_that_does_not_exist_yet(project, tmp_path):
    [line] = [b for b in _scheduling_blocks() if "vmsync run" in b and "[Unit]" not in b]
    fields = line.strip().split(None, 5)
    assert fields[:5] == ["15", "2", "*", "*", "*"]
    command = fields[5].replace("/srv/vmsync", str(project))
    assert not (project / "runs").exists()
    done = subprocess.run(["/bin/sh", "-c", command], env={**BARE_ENV, "HOME": str(tmp_path), "SHELL": "/bin/sh"},
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr == "", "everything went to the log"
    log = (project / "runs" / "cron.log").read_text()
    assert log.startswith("--- vmsync run, started ") and re.search(r"Run \S+ succeeded", log)
    assert (project / "vms.db").is_file()


def test_the_systemd_units_run_as_written(project):
    blocks = _scheduling_blocks()
    [service_text] = [b for b in blocks if "[Service]" in b]
    [timer_text] = [b for b in blocks if "[Timer]" in b]
    service, timer = configparser.ConfigParser(), configparser.ConfigParser()
    service.optionxform = timer.optionxform = str  # systemd keys are case-sensitive
    service.read_string(service_text.replace("/srv/vmsync", str(project)))
    timer.read_string(timer_text)
    assert service["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:15:00" and timer["Install"]["WantedBy"] == "timers.target"
    done = subprocess.run(shlex.split(service["Service"]["ExecStart"]), cwd=service["Service"]["WorkingDirectory"],
                          env=BARE_ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Run \S+ succeeded", done.stdout), "the journal shows how the run went"


def test_a_log_file_that_cannot_be_written_exits_2_before_anything_runs(project):
    done = subprocess.run([".venv/bin/vmsync", "run", "--log", "/proc/vmsync/cron.log"], cwd=project,
                          env=BARE_ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "vmsync run: --log /proc/vmsync/cron.log: cannot write it" in done.stderr
    assert not (project / "runs").exists() and not (project / "vms.db").exists()
