"""The sandbox as a process (``vmsync sandbox serve``, ``Sandbox.start(in_process=False)``) and its TLS files."""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509

from sfsandbox import Sandbox, http_session
from sfsandbox.tls import ensure_certificates
from vmsync.cli import main

VMSYNC = Path(sys.executable).with_name("vmsync")


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {seconds} s")


def test_vmsync_sandbox_serve_writes_connection_json_answers_and_stops_on_sigterm(tmp_path):
    state = tmp_path / "state"
    process = subprocess.Popen([str(VMSYNC), "sandbox", "serve", "--state-dir", str(state), "--seed", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        connection = _wait_for(state / "connection.json", process)
        assert (state / "connection.json").stat().st_mode & 0o777 == 0o600
        assert {"login_url", "instance_url", "username", "password", "security_token", "ca_bundle"} <= set(connection)
        http = http_session(connection["ca_bundle"])
        assert http.get(connection["instance_url"] + "/services/data/", timeout=30).status_code == 200
        sf = Sandbox(connection, state).client()
        assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert connection["instance_url"] in out and str(state.resolve() / "connection.json") in out
    assert not (state / "connection.json").exists()


def test_sandbox_started_in_a_subprocess(tmp_path):
    with Sandbox.start(state_dir=tmp_path, in_process=False, daily_api_limit=1234) as sb:
        assert sb.connection["pid"] != os.getpid()
        sf = sb.client(grant="password")
        assert sf.limits()["DailyApiRequests"]["Max"] == 1234
        assert sb.control.usage()["api_calls_used"] == 1
    assert not (tmp_path / "connection.json").exists()
    with pytest.raises(requests.exceptions.ConnectionError):
        http_session(sb.connection["ca_bundle"]).get(sb.url + "/services/data/", timeout=10)


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["--preset", "huge"], "invalid choice"),
    (["--port", "70000"], "not a port"),
    (["--seed", "-3"], "must be 0 or more"),
    (["--faults", "/nonexistent/faults.json"], "cannot read"),
    (["--faults", "BAD"], "rule 1"),
    (["--unknown"], "unrecognized arguments"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, arguments, complaint):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"kind": "query", "effect": "explode"}]')
    arguments = [str(bad) if a == "BAD" else a for a in arguments]
    with pytest.raises(SystemExit) as stopped:
        main(["sandbox", "serve", "--state-dir", str(tmp_path), *arguments])
    assert stopped.value.code == 2
    assert complaint in capsys.readouterr().err


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2


def test_certificates_are_reused_and_remade_when_broken(tmp_path):
    first = ensure_certificates(tmp_path)
    ca, leaf = first.ca_cert.read_bytes(), first.server_cert.read_bytes()
    assert ensure_certificates(tmp_path).server_cert.read_bytes() == leaf
    assert (tmp_path / "tls" / "ca.key").stat().st_mode & 0o777 == 0o600

    cert = x509.load_pem_x509_certificate(leaf)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca))

    first.server_cert.write_text("garbage")
    again = ensure_certificates(tmp_path)
    assert again.ca_cert.read_bytes() == ca and again.server_cert.read_bytes() != leaf

    (tmp_path / "tls" / "ca.key").unlink()
    renewed = ensure_certificates(tmp_path)
    new_ca = x509.load_pem_x509_certificate(renewed.ca_cert.read_bytes())
    assert renewed.ca_cert.read_bytes() != ca
    x509.load_pem_x509_certificate(renewed.server_cert.read_bytes()).verify_directly_issued_by(new_ca)
