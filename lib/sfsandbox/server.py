"""The sandbox org's HTTPS server: stdlib ``ThreadingHTTPServer`` with TLS, HTTP/1.1 keep-alive, on 127.0.0.1.

Each connection gets a thread; the TLS handshake happens there, not in the accept loop. A request goes
through one pipeline: route -> session check (401) -> API budget (403) -> faults -> handler, and every answer
is written in a single send with an exact ``Content-Length`` (simple-salesforce reuses the connection, and
one write avoids Nagle stalls). A bug in a handler never escapes as a bare 500: it is logged and answered
with Salesforce's ``UNKNOWN_EXCEPTION`` error list.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import ssl
import struct
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote_plus, urlsplit

from . import bulk1, control, login, routes
from .faults import FaultRule
from .org import Org
from .pathful import write_report
from .request import Request
from .responses import ApiError, Response, not_found
from .routes import Route
from .sessions import DEFAULT_SESSION_TTL, write_private_json
from .statelock import hold_state_folder
from .tls import ensure_certificates
from .usage import DEFAULT_DAILY_LIMIT

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 15.0
IDLE_TIMEOUT = 120.0
MAX_URI = 16_384
CONNECTION_FILE = "connection.json"
DEFAULT_API_VERSION = "59.0"
_SESSION_EXPIRED = "Session expired or invalid"


class SandboxServer(ThreadingHTTPServer):
    """Serves one ``Org`` over TLS on 127.0.0.1 (port 0 picks a free port)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, org: Org, tls: ssl.SSLContext, port: int = 0):
        self.org = org
        self.tls = tls
        self.connection: dict = {}
        self.connection_path: Path | None = None
        self.state_lock: IO[str] | None = None  # held while serving (statelock)
        self._serving = False
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), SandboxHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def track(self, conn: socket.socket, live: bool) -> None:
        with self._connections_lock:
            if live:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def start_thread(self) -> threading.Thread:
        """Serve in a daemon thread; returns it."""
        self._serving = True
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                  name=f"sandbox-org-{self.port}", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop serving: cut open keep-alive connections, close the socket and the org, and remove
        ``connection.json`` (it would point at a port nobody answers on)."""
        if self._serving:
            self.shutdown()
            self._serving = False
        with self._connections_lock:
            open_now = list(self._connections)
        for conn in open_now:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        self.server_close()
        self.org.close()
        if self.connection_path is not None:
            self.connection_path.unlink(missing_ok=True)
        if self.state_lock is not None:
            self.state_lock.close()  # the state folder is free for another sandbox
            self.state_lock = None

    def handle_error(self, request, client_address) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SandboxOrg/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True
    server: SandboxServer

    def setup(self) -> None:
        self.request.settimeout(HANDSHAKE_TIMEOUT)
        self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)
            self.connection.close()

    def log_message(self, format: str, *args) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        started = time.perf_counter()
        response, rule = self._handle()
        self._write(response, rule)
        log.debug("%s %s -> %s in %.1f ms", self.command, self.path[:200], response.status,
                  (time.perf_counter() - started) * 1000)

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    # --- the pipeline ----------------------------------------------------------------------------------------

    def _handle(self) -> tuple[Response, FaultRule | None]:
        org = self.server.org
        if len(self.path) > MAX_URI:
            self.close_connection = True
            return ApiError(414, "URI_TOO_LONG", f"The request URI is longer than {MAX_URI} bytes").response(), None
        target = urlsplit(self.path)
        body = self._read_body()
        found = routes.resolve(target.path)
        if found is None:
            org.usage.note_request("unknown")
            return not_found().response(), None
        route, params = found
        kind = routes.kind_of(route, self.command)
        org.usage.note_request(kind)
        req = Request(self.command, target.path, routes.parse_query_string(target.query), self.headers, body,
                      params, self.server.base_url)
        limit_info = None
        try:
            handler = route.methods.get(self.command)
            if handler is None:
                raise ApiError(405, "METHOD_NOT_ALLOWED",
                               f"HTTP Method '{self.command}' not allowed. Allowed are {routes.allowed(route)}")
            if route.auth == "admin":
                self._check_admin(org)
                return handler(org, req), None
            if route.auth in ("session", "sfdc_session"):
                req.session = (self.headers.get("X-SFDC-Session") if route.auth == "sfdc_session"
                               else _bearer(self.headers.get("Authorization", "")))
                if not org.sessions.check(req.session):
                    raise ApiError(401, "INVALID_SESSION_ID", _SESSION_EXPIRED, headers={"WWW-Authenticate": "Token"})
            if route.counted:
                spent = org.usage.spend()
                limit_info = org.usage.limit_info()
                if not spent:
                    raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            rule = self._apply_faults(org, kind, req)
            response = handler(org, req)
        except ApiError as exc:
            response, rule = _render_error(route, exc), None
        except Exception:
            log.exception("sandbox handler failed on %s %s", self.command, self.path[:500])
            response, rule = _render_error(route, ApiError(
                500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you "
                f"contact support: {secrets.randbelow(10**9)}-sandbox")), None
        if limit_info:
            response.headers["Sforce-Limit-Info"] = limit_info
        return response, rule

    def _check_admin(self, org: Org) -> None:
        given = self.headers.get("X-Sandbox-Admin") or _bearer(self.headers.get("Authorization", "")) or ""
        if not secrets.compare_digest(given.encode(), org.admin_token.encode()):
            raise ApiError(401, "UNAUTHORIZED", "the control API needs the admin token "
                                                "(Authorization: Bearer … or X-Sandbox-Admin)")

    def _apply_faults(self, org: Org, kind: str, req: Request) -> FaultRule | None:
        """Wait for delay faults, raise an error fault, or return the rule that will cut the answer short."""
        decision = org.faults.decide(kind, unquote_plus(self.path))
        if decision.delay:
            time.sleep(decision.delay)
        rule = decision.rule
        if rule is None:
            return None
        if rule.effect == "error":
            if rule.status == 401 and rule.error_code == "INVALID_SESSION_ID":
                org.sessions.invalidate(req.session)
            headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
            if rule.status == 401:
                headers["WWW-Authenticate"] = "Token"
            raise ApiError(rule.status, rule.error_code, rule.message, headers=headers)
        if rule.effect == "fail_job":
            req.fail_job = rule.message
            return None
        return rule

    def _read_body(self) -> bytes:
        raw = self.headers.get("Content-Length")
        if not raw:
            return b""
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return b""
        return self.rfile.read(length)

    # --- writing ---------------------------------------------------------------------------------------------

    def _head(self, response: Response) -> bytes:
        status = response.status
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Status"
        now = self.server.org.clock.now().timestamp()  # the org's clock, frozen or moved as tests set it
        lines = [f"HTTP/1.1 {status} {reason}", f"Date: {formatdate(now, usegmt=True)}",
                 f"Server: {self.server_version}"]
        if response.content_type:
            lines.append(f"Content-Type: {response.content_type}")
        if status not in (204, 304):
            lines.append(f"Content-Length: {len(response.body)}")
        lines.extend(f"{name}: {value}" for name, value in response.headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _write(self, response: Response, rule: FaultRule | None) -> None:
        data = self._head(response) + response.body
        if rule is None:
            self.wfile.write(data)
            return
        # A drop or truncate fault: send part of the answer, then end the connection under the client.
        if rule.effect == "drop" and rule.at == "start":
            cut = 0
        elif response.body:
            head = len(data) - len(response.body)
            cut = head + min(int(len(response.body) * rule.fraction), len(response.body) - 1)
        else:
            cut = (len(data) - len(response.body)) // 2
        if cut:
            self.wfile.write(data[:cut])
        self.close_connection = True
        if rule.effect == "drop":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            socket.socket.shutdown(self.connection, socket.SHUT_RDWR)


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def _render_error(route: Route, error: ApiError) -> Response:
    if route.errors == "soap":
        return login.soap_fault(error)
    if route.errors == "oauth":
        return login.oauth_error(error)
    if route.errors == "async":
        return bulk1.async_error(error)
    if route.errors == "control":
        return control.control_error(error)
    return error.response()


PATHFUL_REPORT = "pathful-session-report.xlsx"  # the org's virtual sessions, as Pathful would export them


def open_sandbox(state_dir: Path, preset: str = "tiny", seed: int = 1, *, port: int = 0,
                 faults: list[dict] | None = None, daily_limit: int = DEFAULT_DAILY_LIMIT,
                 session_ttl: float = DEFAULT_SESSION_TTL, cache_dir: Path | None = None) -> SandboxServer:
    """Build the org and its server, bound but not yet serving, and write ``state_dir/connection.json`` (and the
    org's Pathful session report beside it, for the virtual sessions step)."""
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    state_lock = hold_state_folder(state_dir)
    try:
        org = Org(state_dir, preset, seed, faults=faults, daily_limit=daily_limit, session_ttl=session_ttl,
                  cache_dir=cache_dir)
    except BaseException:
        state_lock.close()
        raise
    try:
        certificates = ensure_certificates(state_dir)
        server = SandboxServer(org, certificates.server_context(), port)
    except BaseException:
        org.close()
        state_lock.close()
        raise
    server.state_lock = state_lock
    creds = org.credentials
    report = state_dir / PATHFUL_REPORT
    write_report(org.db_path, report, seed)
    server.connection = {
        "login_url": server.base_url, "instance_url": server.base_url, "api_version": DEFAULT_API_VERSION,
        "username": creds.username, "password": creds.password, "security_token": creds.security_token,
        "consumer_key": creds.consumer_key, "consumer_secret": creds.consumer_secret,
        "private_key_file": str(org.consumer_certificate.private_key),
        "consumer_certificate": str(org.consumer_certificate.certificate),
        "ca_bundle": str(certificates.ca_cert), "admin_token": org.admin_token, "org_id": org.org_id,
        "preset": preset, "seed": seed, "pid": os.getpid(), "pathful_report": str(report),
    }
    server.connection_path = state_dir / CONNECTION_FILE
    write_private_json(server.connection_path, server.connection)
    return server
