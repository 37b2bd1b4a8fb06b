"""The sandbox org: a local HTTPS stand-in for the VMS Salesforce org that unmodified simple-salesforce talks to.

Start one in a line, use it, stop it::

    with Sandbox.start(preset="tiny", seed=1, state_dir=tmp) as sb:
        sf = sb.client()                      # a logged-in simple_salesforce.Salesforce
        sf.query_all("SELECT Id FROM Contact")
        sb.control.freeze("2024-01-31T12:00:00Z")
        sb.control.add_fault({"kind": "query", "effect": "error", "status": 503, "times": 1})

``sb.connection`` holds what a client needs (also written to ``<state_dir>/connection.json``, mode 0600):
``login_url``, ``instance_url``, ``username``, ``password``, ``security_token``, ``consumer_key``,
``consumer_secret``, ``private_key_file`` and ``consumer_certificate`` (the JWT bearer flow's key pair: the
certificate is what the server verifies against), ``ca_bundle``, ``admin_token``. The server runs in a thread of this process by default,
or in a subprocess (``in_process=False``, the same as ``sfsandbox serve``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

from .faults import load_rules
from .sessions import DEFAULT_SESSION_TTL
from .usage import DEFAULT_DAILY_LIMIT

DEFAULT_VERSION = "59.0"
GRANTS = ("soap", "password", "client_credentials", "jwt")


class SandboxError(RuntimeError):
    """The sandbox could not start, or its control API refused a request."""


def http_session(ca_bundle: str | os.PathLike) -> requests.Session:
    """A ``requests.Session`` that trusts the sandbox CA and ignores ``REQUESTS_CA_BUNDLE`` and proxies."""
    session = requests.Session()
    session.trust_env = False  # otherwise REQUESTS_CA_BUNDLE silently overrides verify
    session.verify = str(ca_bundle)
    return session


class Control:
    """A small client of the control API (``/__sandbox__/``) over HTTPS."""

    def __init__(self, connection: dict):
        self._base = connection["instance_url"] + "/__sandbox__/"
        self._http = http_session(connection["ca_bundle"])
        self._http.headers["X-Sandbox-Admin"] = connection["admin_token"]

    def _call(self, method: str, action: str, payload=None):
        response = self._http.request(method, self._base + action, json=payload, timeout=60)
        if response.status_code >= 300:
            raise SandboxError(f"control {method} {action}: {response.status_code} {response.text}")
        return response.json()

    def clock(self) -> dict:
        return self._call("GET", "clock")

    def freeze(self, at: datetime | str | None = None) -> dict:
        """Freeze the org's clock at ``at`` (a datetime, naive = UTC, or Salesforce text), or at its now."""
        if isinstance(at, datetime):
            at = at.isoformat() if at.tzinfo else at.isoformat() + "Z"
        return self._call("POST", "clock/freeze", {"at": at} if at else {})

    def advance(self, seconds: float) -> dict:
        return self._call("POST", "clock/advance", {"seconds": seconds})

    def run(self) -> dict:
        return self._call("POST", "clock/run", {})

    def add_fault(self, rule: dict | list[dict] | None = None, **fields) -> list[dict]:
        """Add a fault rule (a dict, keyword fields, or a list of dicts); returns the rules as stored."""
        return self._call("POST", "faults", rule if rule is not None else fields)

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")

    def clear_faults(self) -> int:
        return self._call("DELETE", "faults")["removed"]

    def reset(self) -> dict:
        return self._call("POST", "reset", {})

    def usage(self) -> dict:
        return self._call("GET", "usage")

    def change_field(self, sobject: str, field: str, change: str, **details: str) -> dict:
        """Change one field as an admin would: ``remove``, ``rename`` (``to=``), ``retype`` or ``add``
        (``type=``); returns the changed objects' fields. A reset restores the generated fields."""
        return self._call("POST", "fields", {"object": sobject, "field": field, "change": change, **details})

    def set_limit(self, daily: int | None = None, used: int | None = None) -> dict:
        """Set the daily API allocation and/or the calls already used; returns the usage."""
        payload = {}
        if daily is not None:
            payload["daily_api_requests"] = daily
        if used is not None:
            payload["used"] = used
        return self._call("POST", "limits", payload)

    def sessions(self, ttl: float | None = None, expire_all: bool = False) -> dict:
        """Change the session idle timeout and/or end every live session."""
        payload: dict = {"expire_all": expire_all}
        if ttl is not None:
            payload["ttl"] = ttl
        return self._call("POST", "sessions", payload)

    def close(self) -> None:
        self._http.close()


class Sandbox:
    """A running sandbox org; use ``Sandbox.start(...)``."""

    def __init__(self, connection: dict, state_dir: Path, *, server=None, process: subprocess.Popen | None = None,
                 temporary: bool = False):
        self.connection = connection
        self.state_dir = state_dir
        self._server = server
        self._process = process
        self._temporary = temporary
        self._control: Control | None = None

    @classmethod
    def start(cls, preset: str = "tiny", seed: int = 1, state_dir: str | os.PathLike | None = None,
              faults: list[dict] | str | os.PathLike | None = None, port: int = 0, in_process: bool = True, *,
              daily_api_limit: int = DEFAULT_DAILY_LIMIT, session_ttl: float = DEFAULT_SESSION_TTL,
              cache_dir: str | os.PathLike | None = None, startup_timeout: float = 600.0) -> Sandbox:
        """Generate (or reuse) the org for (preset, seed), serve it on 127.0.0.1 and return once it answers.

        ``state_dir`` defaults to a temporary directory removed by ``stop()``. ``faults`` is a list of rule
        dicts or the path of a JSON file holding one.
        """
        temporary = state_dir is None
        state = Path(tempfile.mkdtemp(prefix="vmsync-sandbox-") if temporary else state_dir).resolve()
        state.mkdir(parents=True, exist_ok=True)
        try:
            rules = load_rules(Path(faults)) if isinstance(faults, (str, os.PathLike)) else list(faults or [])
            if not in_process:
                return cls._start_process(state, preset, seed, rules, port, daily_api_limit, session_ttl,
                                          cache_dir, startup_timeout, temporary)
            from .server import open_sandbox

            server = open_sandbox(state, preset, seed, port=port, faults=rules, daily_limit=daily_api_limit,
                                  session_ttl=session_ttl, cache_dir=Path(cache_dir) if cache_dir else None)
        except BaseException:
            if temporary:
                shutil.rmtree(state, ignore_errors=True)
            raise
        server.start_thread()
        return cls(server.connection, state, server=server, temporary=temporary)

    @classmethod
    def _start_process(cls, state: Path, preset, seed, rules, port, daily_api_limit, session_ttl, cache_dir,
                       startup_timeout, temporary) -> Sandbox:
        command = [sys.executable, "-m", "sfsandbox", "serve", "--preset", preset, "--seed", str(seed),
                   "--port", str(port), "--state-dir", str(state), "--daily-api-limit", str(daily_api_limit),
                   "--session-ttl", str(session_ttl)]
        if rules:
            faults_file = state / "faults.json"
            faults_file.write_text(json.dumps(rules))
            command += ["--faults", str(faults_file)]
        if cache_dir:
            command += ["--cache-dir", str(cache_dir)]
        connection_file = state / "connection.json"
        connection_file.unlink(missing_ok=True)
        with open(state / "sandbox.log", "ab") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SandboxError(f"sandbox exited with {process.returncode}; see {state / 'sandbox.log'}")
            if connection_file.exists():
                connection = json.loads(connection_file.read_text())
                if connection.get("pid") == process.pid:
                    return cls(connection, state, process=process, temporary=temporary)
            time.sleep(0.05)
        process.kill()
        process.wait()
        raise SandboxError(f"sandbox did not start within {startup_timeout:.0f} s; see {state / 'sandbox.log'}")

    @property
    def url(self) -> str:
        return self.connection["instance_url"]

    @property
    def control(self) -> Control:
        if self._control is None:
            self._control = Control(self.connection)
        return self._control

    def http_session(self) -> requests.Session:
        return http_session(self.connection["ca_bundle"])

    def client(self, grant: str = "soap", version: str = DEFAULT_VERSION, session: requests.Session | None = None,
               **kwargs):
        """A logged-in ``simple_salesforce.Salesforce`` (auto re-login on expired sessions included).

        ``grant`` picks the login: ``soap`` (username, password + security token; API 64.0 at most),
        ``password`` (OAuth username-password), ``client_credentials`` or ``jwt`` (OAuth JWT bearer). Login goes through the domain-fragment trick
        (docs/salesforce.md#login-url), so the client stays unmodified.
        """
        from simple_salesforce import Salesforce

        c = self.connection
        host = c["instance_url"].removeprefix("https://")
        session = session or self.http_session()
        if grant == "soap":
            return Salesforce(username=c["username"], password=c["password"], security_token=c["security_token"],
                              domain=f"{host}/services/Soap/u/{version}#", version=version, session=session,
                              **kwargs)
        oauth_domain = f"{host}/services/oauth2/token#"
        if grant == "password":
            return Salesforce(username=c["username"], password=c["password"] + c["security_token"],
                              consumer_key=c["consumer_key"], consumer_secret=c["consumer_secret"],
                              domain=oauth_domain, version=version, session=session, **kwargs)
        if grant == "client_credentials":
            return Salesforce(consumer_key=c["consumer_key"], consumer_secret=c["consumer_secret"],
                              domain=oauth_domain, version=version, session=session, **kwargs)
        if grant == "jwt":
            return Salesforce(username=c["username"], consumer_key=c["consumer_key"],
                              privatekey_file=c["private_key_file"], domain=oauth_domain, version=version,
                              session=session, **kwargs)
        raise ValueError(f"grant must be one of {', '.join(GRANTS)}; got {grant!r}")

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._temporary:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


__all__ = ["Control", "Sandbox", "SandboxError", "http_session"]
