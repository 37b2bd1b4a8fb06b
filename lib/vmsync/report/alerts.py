"""Telling someone when a run fails or leaves new problems: any service apprise knows, a webhook, an email, a
command.

Settings come from the environment (or ``.env``):

* ``VMSYNC_ALERT_URLS``: apprise URLs (separated by commas or spaces), one per service: ``slack://...``,
  ``msteams://...``, ``discord://...``, ``mailtos://...``, ``json://host/path``, ...; the message goes as it is,
  with the subject as its title;
* ``VMSYNC_ALERT_WEBHOOK``: a URL that gets the alert as a JSON POST (``text`` holds the message, so Slack,
  Teams or Mattermost incoming webhooks show it as it is);
* ``VMSYNC_ALERT_EMAIL``: addresses (comma-separated) mailed through ``VMSYNC_SMTP_HOST`` (localhost) and
  ``VMSYNC_SMTP_PORT`` (25; 465 is TLS from the start), ``VMSYNC_SMTP_STARTTLS`` (on by default for port 587),
  ``VMSYNC_SMTP_USER`` / ``VMSYNC_SMTP_PASSWORD`` and ``VMSYNC_SMTP_FROM``;
* ``VMSYNC_ON_FAILURE``: a shell command run with the run folder as ``$1``, ``VMSYNC_RUN_ID``,
  ``VMSYNC_RUN_DIR``, ``VMSYNC_RUN_STATUS`` and ``VMSYNC_ALERT_SUBJECT`` in its environment and the message on
  its standard input; only when the run did not succeed, as its name says;
* ``VMSYNC_ALERT_ON``: ``problems`` (default: a failed run, or one that found new problems) or ``failure``.

A channel that fails is reported and never fails the sync. The message holds no secret: known secret values
are masked in it, and a channel's failure is told without its URL or password.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..config import Secret, environment

WEBHOOK_TIMEOUT = 10
SMTP_TIMEOUT = 30
COMMAND_TIMEOUT = 300
ON_CHOICES = ("problems", "failure")
MIN_SECRET = 4
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Alert:
    run_id: str
    status: str
    folder: Path
    subject: str
    text: str
    payload: dict
    failed: bool
    new_problems: int


def new_problems(engine: Engine | None, run_id: str) -> dict[str, int]:
    """Issues the run found that are still open, per entity ({} when the database holds no run records, or
    cannot be read: the alert of a failed run goes out all the same)."""
    from . import records

    if engine is None:
        return {}
    try:
        with engine.connect() as conn:
            return records.new_open_issues(conn, run_id) if records.has_run_records(conn) else {}
    except SQLAlchemyError:
        return {}


def new_shape_changes(engine: Engine | None, run_id: str) -> list[str]:
    """The changes in the org's fields this run was the first to see, in words (told once: the next run's
    alert does not repeat them); none when the database cannot be read."""
    from . import records

    if engine is None:
        return []
    try:
        with engine.connect() as conn:
            changes = records.org_shape(conn, run_id) if records.has_run_records(conn) else []
    except SQLAlchemyError:
        return []
    return [c["message"] for c in changes if c["first_run_id"] == run_id and not c["resolution"]]


def _mask(value, secrets: list[str]):
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, dict):
        return {k: _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secrets) for v in value]
    return value


def build(record: dict, folder: Path, problems: dict[str, int] | None = None,
          secrets: Iterable[str] = (), shape: list[str] = ()) -> Alert:
    """The alert for a finished run (``run.json``'s record), whether or not one is due; ``shape`` are the
    changes in the org's fields it first saw (``new_shape_changes``)."""
    run_id, status = record.get("run_id") or folder.name, record.get("status") or "unknown"
    steps = [s for s in record.get("steps") or [] if isinstance(s, dict)]
    failed = [s for s in steps if s.get("status") in ("failed", "interrupted")]
    skipped = [s for s in steps if s.get("status") == "skipped"]
    problems = problems or {}
    totals = {k: sum(((s.get("counts") or {}).get(k) or 0) for s in steps)
              for k in ("extracted", "new", "updated", "deleted", "rejected", "orphaned")}
    report = (record.get("summary") or {}).get("html")
    where = folder / report if report else folder
    new_total = sum(problems.values())

    if record.get("error"):
        subject = f"vmsync run {run_id} {status} before any step: {record['error']}"
    elif failed:
        subject = f"vmsync run {run_id} {status}: " + ", ".join(
            f"{s['entity']} ({s.get('error_class') or '?'})" for s in failed)
    elif status != "succeeded":
        subject = f"vmsync run {run_id} {status}"
    else:
        subject = f"vmsync run {run_id} succeeded with {new_total} new problem(s)"
    took = f" in {record['duration_s']:.0f} s" if record.get("duration_s") else ""
    lines = [f"Run {run_id}: {status}{took} ({record.get('mode') or '?'}, org {record.get('org_id') or '?'}, "
             f"database {record.get('database') or '?'})."]
    if record.get("error"):
        lines.append(f"Stopped before any step: {record['error']}")
    lines += [f"Failed: {s['entity']}: {s.get('error_class') or '?'}: {(s.get('error_message') or '')[:300]}"
              for s in failed]
    if skipped:
        lines.append("Skipped: " + ", ".join(f"{s['entity']} ({s.get('reason') or 'not run'})"
                                             for s in skipped))
    lines.append("Records: " + ", ".join(f"{v:,} {k}" for k, v in totals.items()) + ".")
    if new_total:
        lines.append(f"New problems: {new_total} (" + ", ".join(f"{k} {v}" for k, v in problems.items())
                     + ")")
    lines += [f"Org shape: {change}" for change in shape]
    lines.append(f"Summary: {where}")
    if status != "succeeded":
        lines.append(f"Resume: vmsync run --resume {run_id}")
    payload = {
        "text": subject + "\n" + "\n".join(lines), "subject": subject, "run_id": run_id, "status": status,
        "failed": [{"entity": s["entity"], "status": s.get("status"), "error_class": s.get("error_class"),
                    "error_message": s.get("error_message")} for s in failed],
        "skipped": [s["entity"] for s in skipped], "error": record.get("error"), "counts": totals,
        "new_problems": problems, "org_shape": list(shape), "summary": str(where), "run_dir": str(folder),
    }
    hidden = [s for s in secrets if s and len(s) >= MIN_SECRET]
    return Alert(run_id, status, folder, _mask(subject, hidden), _mask("\n".join(lines), hidden),
                 _mask(payload, hidden), status != "succeeded", new_total)


@dataclass(frozen=True)
class AlertSettings:
    urls: tuple[Secret, ...] = ()
    """apprise URLs; secrets, as most hold a token."""
    webhook: str | None = None
    email: tuple[str, ...] = ()
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: Secret = field(default_factory=lambda: Secret(""))
    smtp_from: str = ""
    command: str | None = None
    on: str = "problems"
    problems: tuple[str, ...] = ()
    """Settings that could not be read; reported when an alert is due, never raised."""

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None, env_file: str | None = ".env", *,
                         command: str | None = None) -> AlertSettings:
        """From ``environ`` (default ``os.environ``) over ``env_file``; ``command`` overrides
        ``VMSYNC_ON_FAILURE``."""
        problems: list[str] = []
        try:
            env = environment(environ, env_file)
        except Exception as exc:  # a damaged .env was reported by the run's own settings
            problems.append(f"{env_file}: {exc}")
            env = environment(environ, None)

        def get(name: str) -> str:
            return env.get(name, "").strip()

        port_text = get("VMSYNC_SMTP_PORT") or "25"
        try:
            port = int(port_text)
        except ValueError:
            problems.append(f"VMSYNC_SMTP_PORT must be a port number, not {port_text!r}")
            port = 25
        starttls_text = get("VMSYNC_SMTP_STARTTLS").lower()
        if starttls_text not in _TRUE + _FALSE:
            problems.append(f"VMSYNC_SMTP_STARTTLS must be 1 or 0, not {starttls_text!r}")
        starttls = starttls_text in _TRUE or (not starttls_text and port == 587)
        on = get("VMSYNC_ALERT_ON").lower() or "problems"
        if on not in ON_CHOICES:
            problems.append(f"VMSYNC_ALERT_ON must be problems or failure, not {on!r}")
            on = "problems"
        return cls(
            urls=tuple(Secret(u) for u in re.split(r"[,\s]+", get("VMSYNC_ALERT_URLS")) if u),
            webhook=get("VMSYNC_ALERT_WEBHOOK") or None,
            email=tuple(a.strip() for a in get("VMSYNC_ALERT_EMAIL").split(",") if a.strip()),
            smtp_host=get("VMSYNC_SMTP_HOST") or "localhost", smtp_port=port, smtp_starttls=starttls,
            smtp_user=get("VMSYNC_SMTP_USER") or None, smtp_password=Secret(get("VMSYNC_SMTP_PASSWORD")),
            smtp_from=get("VMSYNC_SMTP_FROM") or f"vmsync@{socket.gethostname()}",
            command=command if command is not None else (get("VMSYNC_ON_FAILURE") or None),
            on=on, problems=tuple(problems))


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"alert {self.channel}: {'sent' if self.ok else 'FAILED'}{detail}"


def due(alert: Alert, settings: AlertSettings) -> bool:
    return alert.failed or (settings.on == "problems" and alert.new_problems > 0)


def send(alert: Alert, settings: AlertSettings, out: TextIO | None = None) -> list[Delivery]:
    """Send ``alert`` through every configured channel when it is due; each outcome is printed to ``out``."""
    deliveries: list[Delivery] = []
    if due(alert, settings):
        deliveries += [Delivery("settings", False, p) for p in settings.problems]
        for number, url in enumerate(settings.urls, start=1):
            deliveries.append(_guard(f"VMSYNC_ALERT_URLS #{number} ({_service(url)})", lambda u=url: _notify(alert, u),
                                     hide=[url.reveal()]))
        if settings.webhook:
            deliveries.append(_guard("webhook", lambda: _post(alert, settings.webhook)))
        if settings.email:
            deliveries.append(_guard(f"email to {', '.join(settings.email)}", lambda: _mail(alert, settings),
                                     hide=[settings.smtp_password.reveal()]))
        if settings.command and alert.failed:
            deliveries.append(_guard("VMSYNC_ON_FAILURE", lambda: run_hook(
                "VMSYNC_ON_FAILURE", settings.command, alert.folder,
                {"VMSYNC_RUN_ID": alert.run_id, "VMSYNC_RUN_STATUS": alert.status,
                 "VMSYNC_ALERT_SUBJECT": alert.subject}, stdin=alert.text + "\n")))
    for delivery in deliveries:
        if out is not None:
            print(delivery, file=out, flush=True)
    return deliveries


def _guard(channel: str, action, hide: list[str] = ()) -> Delivery:
    """Run one channel; whatever goes wrong becomes a failed delivery saying what, never an exception."""
    try:
        return Delivery(channel, True, action() or "")
    except Exception as exc:  # an alert channel must never fail the run
        detail = _mask(f"{type(exc).__name__}: {exc}", [h for h in hide if h])
        return Delivery(channel, False, detail[:300])


def _service(url: Secret) -> str:
    """The service an apprise URL names (its scheme), the one part of it that may be shown."""
    return url.reveal().partition("://")[0].lower() or "no scheme"


def _notify(alert: Alert, url: Secret) -> str:
    """Send through apprise; its own log lines (which may quote the URL) are kept out of the output."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url.reveal()):
        raise ValueError("apprise does not know this URL: check the service's prefix and the form apprise's "
                         "documentation gives for it")
    apprise_log = logging.getLogger("apprise")
    level, apprise_log.level = apprise_log.level, logging.CRITICAL + 1
    try:
        sent = notifier.notify(title=alert.subject, body=alert.text)
    finally:
        apprise_log.setLevel(level)
    if not sent:
        raise ConnectionError("the service did not take the message")
    return ""


def _post(alert: Alert, url: str) -> str:
    import requests

    try:
        response = requests.post(url, json=alert.payload, timeout=WEBHOOK_TIMEOUT)
    except requests.RequestException as exc:  # its text holds the URL, which may hold a token
        raise ConnectionError(f"{type(exc).__name__} reaching the webhook") from None
    if response.status_code >= 300:
        raise ConnectionError(f"the webhook answered HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def _mail(alert: Alert, settings: AlertSettings) -> str:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.email)
    message.set_content(alert.text + "\n")
    ssl_from_start = settings.smtp_port == 465
    smtp_class = smtplib.SMTP_SSL if ssl_from_start else smtplib.SMTP
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_starttls and not ssl_from_start:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.reveal())
        smtp.send_message(message)
    return f"through {settings.smtp_host}:{settings.smtp_port}"


def run_hook(name: str, command: str, folder: Path, env: dict[str, str], *, stdin: str = "") -> str:
    """Run a hook command of a run (``VMSYNC_ON_FAILURE``, ``VMSYNC_AFTER_RUN``) through the shell, with the
    run folder as ``$1`` and ``VMSYNC_RUN_DIR``, ``env`` added to its environment and ``stdin`` as its input;
    it gets ``COMMAND_TIMEOUT`` seconds. Raises ``OSError``, ``subprocess.TimeoutExpired`` or
    ``RuntimeError`` (a non-zero exit) when it did not succeed."""
    done = subprocess.run(["/bin/sh", "-c", command, name.lower(), str(folder)], input=stdin, text=True,
                          env={**os.environ, "VMSYNC_RUN_DIR": str(folder), **env}, timeout=COMMAND_TIMEOUT,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"exited with {done.returncode}")
    return ""
