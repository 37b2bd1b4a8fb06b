"""Alerts: a failed run (or one that leaves new problems) reaches a local webhook, a local SMTP server and the
VMSYNC_ON_FAILURE command; a failing channel is reported and never fails the run; no secret is sent."""

from __future__ import annotations

import io
import json

from vmsync.report.alerts import AlertSettings, build, send

from .conftest import SMTP_PASSWORD
from .receivers import SMTPReceiver, WebhookReceiver

RECORD = {"run_id": "20260101T000000Z-abcd", "status": "failed", "mode": "incremental", "org_id": "00Dx",
          "database": "sqlite:///vms.db", "duration_s": 12.0, "error": None,
          "summary": {"html": "summary.html"},
          "steps": [{"entity": "schools", "status": "failed", "error_class": "AUTH",
                     "error_message": "INVALID_LOGIN: password hunter22 refused", "counts": {"extracted": 3}},
                    {"entity": "classes", "status": "skipped", "reason": "schools did not succeed"},
                    {"entity": "organizations", "status": "succeeded", "counts": {"extracted": 7, "new": 2}}]}


def _posted(history, run_id: str) -> list[dict]:
    return [r["json"] for r in history.webhook.received if r["json"]["run_id"] == run_id]


def _mailed(history, run_id: str):
    return [m for m in history.smtp.messages if run_id in m["Subject"]]


def test_a_failed_run_reaches_the_webhook_the_mailbox_and_the_command(history):
    result = history.failed
    [posted] = _posted(history, result.run_id)
    assert posted["status"] == "failed"
    assert posted["failed"] == [{"entity": "schools", "status": "failed", "error_class": "VALIDATION",
                                 "error_message": posted["failed"][0]["error_message"]}]
    assert "MALFORMED_QUERY" in posted["failed"][0]["error_message"]
    assert posted["skipped"] == ["classes"]
    assert posted["summary"] == str(result.folder / "summary.html")
    assert posted["counts"]["extracted"] == sum((s["counts"] or {}).get("extracted", 0)
                                                for s in result.record["steps"] if s.get("counts"))
    assert posted["text"].startswith(f"vmsync run {result.run_id} failed: schools (VALIDATION)")

    [mail] = _mailed(history, result.run_id)
    assert mail["Subject"] == f"vmsync run {result.run_id} failed: schools (VALIDATION)"
    assert mail["To"] == "ops@example.org, data@example.org" and mail["From"] == "vmsync@example.org"
    body = mail.get_payload(decode=True).decode()
    assert "Failed: schools: VALIDATION" in body and f"vmsync run --resume {result.run_id}" in body
    assert history.smtp.logins and history.smtp.logins[0] == ("vmsync", SMTP_PASSWORD)

    hook = history.hook_file.read_text()
    assert hook.startswith(f"{result.folder} vmsync run {result.run_id} failed: schools (VALIDATION)\n")
    assert "Failed: schools: VALIDATION" in hook
    printed = history.printed[result.run_id]
    assert "alert webhook: sent" in printed
    assert "alert email to ops@example.org, data@example.org: sent" in printed
    assert "alert VMSYNC_ON_FAILURE: sent" in printed


def test_a_run_that_leaves_new_problems_is_told_and_a_clean_one_is_not(history):
    [posted] = _posted(history, history.first.run_id)
    assert posted["status"] == "succeeded" and posted["failed"] == []
    assert sum(posted["new_problems"].values()) > 0
    assert posted["subject"].endswith(f"succeeded with {sum(posted['new_problems'].values())} new problem(s)")
    assert _mailed(history, history.first.run_id)


def test_a_clean_run_is_not_told(tmp_path):
    webhook = WebhookReceiver()
    try:
        settings = AlertSettings.from_environment({"VMSYNC_ALERT_WEBHOOK": webhook.url}, None)
        clean = {**RECORD, "status": "succeeded", "steps": RECORD["steps"][2:]}
        assert send(build(clean, tmp_path, {}), settings) == []
    finally:
        webhook.close()
    assert webhook.received == []


def test_no_secret_reaches_an_alert(history, sandbox):
    secrets = [sandbox.connection["password"], sandbox.connection["security_token"], SMTP_PASSWORD]
    sent = json.dumps([r["json"] for r in history.webhook.received])
    sent += "".join(m.as_string() for m in history.smtp.messages) + history.hook_file.read_text()
    assert all(secret not in sent for secret in secrets)


def test_known_secrets_are_masked_in_the_message(tmp_path):
    alert = build(RECORD, tmp_path, {"schools": 2}, secrets=["hunter22"])
    assert "hunter22" not in alert.text + alert.subject + json.dumps(alert.payload)
    assert "password *** refused" in alert.text


def test_failing_channels_are_reported_and_never_raise(tmp_path):
    webhook = WebhookReceiver(status=500)
    closed = SMTPReceiver()
    closed.close()  # nothing listens on its port any more
    try:
        settings = AlertSettings.from_environment(
            {"VMSYNC_ALERT_WEBHOOK": webhook.url, "VMSYNC_ALERT_EMAIL": "ops@example.org",
             "VMSYNC_SMTP_HOST": "127.0.0.1", "VMSYNC_SMTP_PORT": str(closed.port),
             "VMSYNC_SMTP_PASSWORD": "mail-secret-9", "VMSYNC_ON_FAILURE": "exit 3"}, None)
        out = io.StringIO()
        deliveries = send(build(RECORD, tmp_path, {}), settings, out)
    finally:
        webhook.close()
    assert [(d.channel, d.ok) for d in deliveries] == [
        ("webhook", False), ("email to ops@example.org", False), ("VMSYNC_ON_FAILURE", False)]
    printed = out.getvalue()
    assert "alert webhook: FAILED (ConnectionError: the webhook answered HTTP 500)" in printed
    assert "ConnectionRefusedError" in printed and "exited with 3" in printed
    assert "s3cr3t-token" not in printed, "the webhook URL (which may hold a token) is never shown"
    assert "mail-secret-9" not in printed


def test_an_unreachable_webhook_is_told_without_its_url(tmp_path):
    closed = WebhookReceiver()
    closed.close()
    settings = AlertSettings.from_environment({"VMSYNC_ALERT_WEBHOOK": closed.url}, None)
    [delivery] = send(build(RECORD, tmp_path, {}), settings)
    assert not delivery.ok and "ConnectionError" in delivery.detail and "s3cr3t" not in delivery.detail


def test_alert_on_failure_only_and_bad_settings(tmp_path):
    webhook = WebhookReceiver()
    try:
        quiet = AlertSettings.from_environment({"VMSYNC_ALERT_WEBHOOK": webhook.url,
                                                "VMSYNC_ALERT_ON": "failure",
                                                "VMSYNC_ON_FAILURE": f"touch {tmp_path / 'ran'}"}, None)
        succeeded = {**RECORD, "status": "succeeded", "steps": RECORD["steps"][2:]}
        assert send(build(succeeded, tmp_path, {"organizations": 4}), quiet) == []
        told = AlertSettings.from_environment({"VMSYNC_ALERT_WEBHOOK": webhook.url,
                                               "VMSYNC_ON_FAILURE": f"touch {tmp_path / 'ran'}"}, None)
        deliveries = send(build(succeeded, tmp_path, {"organizations": 4}), told)
        assert [d.channel for d in deliveries] == ["webhook"], "the command is for failures only"
        assert not (tmp_path / "ran").exists()
        bad = AlertSettings.from_environment({"VMSYNC_ALERT_WEBHOOK": webhook.url, "VMSYNC_SMTP_PORT": "smtp",
                                              "VMSYNC_ALERT_ON": "always"}, None)
        deliveries = send(build(RECORD, tmp_path, {}), bad)
    finally:
        webhook.close()
    assert [d.ok for d in deliveries] == [False, False, True]
    assert "VMSYNC_SMTP_PORT must be a port number" in deliveries[0].detail
    assert "VMSYNC_ALERT_ON must be problems or failure" in deliveries[1].detail
    assert len(webhook.received) == 2


def test_settings_come_from_dot_env_too(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("VMSYNC_ALERT_EMAIL=a@example.org,b@example.org\nVMSYNC_SMTP_PORT=587\n")
    settings = AlertSettings.from_environment({}, str(env_file))
    assert settings.email == ("a@example.org", "b@example.org")
    assert settings.smtp_port == 587 and settings.smtp_starttls, "STARTTLS by default on the submission port"
    assert str(settings.smtp_password) == "***"


def test_an_alert_reaches_a_local_receiver_through_an_apprise_url(tmp_path):
    receiver = WebhookReceiver(status=200)
    apprise_url = receiver.url.replace("http://", "json://")  # apprise's JSON service, over plain HTTP
    try:
        settings = AlertSettings.from_environment(
            {"VMSYNC_ALERT_URLS": f"{apprise_url}, nosuchservice://s3cr3t-token@example.org"}, None)
        out = io.StringIO()
        alert = build(RECORD, tmp_path, {}, secrets=["hunter22"])
        deliveries = send(alert, settings, out)
    finally:
        receiver.close()
    [got] = receiver.received
    assert got["path"] == "/hook/s3cr3t-token" and got["json"]["title"] == alert.subject
    assert got["json"]["message"] == alert.text and "Failed: schools: AUTH" in got["json"]["message"]
    assert [(d.channel, d.ok) for d in deliveries] == [("VMSYNC_ALERT_URLS #1 (json)", True),
                                                       ("VMSYNC_ALERT_URLS #2 (nosuchservice)", False)]
    printed = out.getvalue()
    assert "alert VMSYNC_ALERT_URLS #2 (nosuchservice): FAILED (ValueError: apprise does not know this URL" in printed
    assert "s3cr3t-token" not in printed and "hunter22" not in got["json"]["message"]
    assert "s3cr3t-token" not in repr(settings), "apprise URLs are secrets"


def test_an_unreachable_apprise_service_is_told_without_its_url(tmp_path):
    closed = WebhookReceiver()
    closed.close()
    settings = AlertSettings.from_environment({"VMSYNC_ALERT_URLS": closed.url.replace("http://", "json://")}, None)
    [delivery] = send(build(RECORD, tmp_path, {}), settings)
    assert not delivery.ok and "the service did not take the message" in delivery.detail
    assert "s3cr3t" not in str(delivery)
