"""The notifier against real local receivers: an aiosmtpd SMTP server and an HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from server.notifier import (
    Notice,
    Notifier,
    SmtpChannel,
    WebhookChannel,
    notifier_from_settings,
    signature_ok,
)
from server.settings import Secret, ServerSettings
from tests.support.mail import Inbox
from tests.support.procs import free_port

NOTICE = Notice(reference="ESC-3F9A1C", topic="Emergency escalation", severity="emergency",
                link="http://127.0.0.1:8700/console/escalations/ESC-3F9A1C")


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    bodies: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).bodies.append((body, self.headers.get("x-fieldapp-signature", "")))
        status = type(self).answers.pop(0) if type(self).answers else 204
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def webhook_url() -> Iterator[str]:
    Receiver.answers, Receiver.bodies = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def notifier(waits: list[float], **channels: Any) -> Notifier:
    return Notifier(channels, sleep=waits.append)


def test_an_email_reaches_the_local_mail_server_with_reference_and_link(
        smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    waits: list[float] = []
    result = notifier(waits, email=SmtpChannel("127.0.0.1", port)).deliver(
        NOTICE, [("email", "oncall@agency.example")])
    assert result[0].delivered and result[0].attempts == 1 and waits == []
    (rcpt, message), = inbox.messages
    assert rcpt == ["oncall@agency.example"]
    assert "ESC-3F9A1C" in message["Subject"] and "EMERGENCY" in message["Subject"]
    body = message.get_payload()
    assert NOTICE.link in body and "no personal details" in body


def test_a_mail_server_that_says_try_later_is_retried_with_growing_waits(
        smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    inbox.refuse_first = 2
    waits: list[float] = []
    result = notifier(waits, email=SmtpChannel("127.0.0.1", port)).deliver(
        NOTICE, [("email", "oncall@agency.example")])
    assert result[0].delivered and result[0].attempts == 3
    assert waits == [0.5, 1.0]
    assert len(inbox.messages) == 1


def test_an_unreachable_mail_server_ends_undelivered_naming_the_server_not_the_notice() -> None:
    waits: list[float] = []
    port = free_port()  # nothing listens there
    result = notifier(waits, email=SmtpChannel("127.0.0.1", port, timeout=2)).deliver(
        NOTICE, [("email", "oncall@agency.example")])
    assert not result[0].delivered and result[0].attempts == 4
    assert waits == [0.5, 1.0, 2.0]
    assert f"127.0.0.1:{port}" in (result[0].error or "")
    assert "ESC-3F9A1C" not in (result[0].error or "")


def test_a_webhook_gets_the_signed_notice_and_a_failing_one_is_retried(webhook_url: str) -> None:
    Receiver.answers = [500]
    waits: list[float] = []
    channel = WebhookChannel(secret=Secret("agency-webhook-secret"))
    result = notifier(waits, webhook=channel).deliver(NOTICE, [("webhook", webhook_url)])
    assert result[0].delivered and result[0].attempts == 2 and waits == [0.5]
    body, signature = Receiver.bodies[-1]
    assert json.loads(body) == NOTICE.as_json()
    assert signature_ok("agency-webhook-secret", body, signature)
    assert not signature_ok("another-secret", body, signature)


def test_each_target_gets_its_own_result_and_a_missing_channel_is_said(
        smtp_server: tuple[Inbox, int], webhook_url: str) -> None:
    _inbox, port = smtp_server
    result = notifier([], email=SmtpChannel("127.0.0.1", port), webhook=WebhookChannel()).deliver(
        NOTICE, [("email", "a@agency.example"), ("webhook", webhook_url), ("sms", "07700900000")])
    assert [d.delivered for d in result] == [True, True, False]
    assert result[2].error == "no sms channel is configured on this server"


def test_smtp_settings_come_from_the_environment_and_hide_the_password() -> None:
    settings = ServerSettings.from_env({
        "FIELDAPP_SMTP_HOST": "mail.agency.example", "FIELDAPP_SMTP_PORT": "587",
        "FIELDAPP_SMTP_FROM": "alerts@agency.example", "FIELDAPP_SMTP_USER": "alerts",
        "FIELDAPP_SMTP_PASSWORD": "hunter2-long-secret", "FIELDAPP_SMTP_STARTTLS": "true",
        "FIELDAPP_PUBLIC_URL": "https://office.agency.example/"})
    built = notifier_from_settings(settings)
    email = built.channels["email"]
    assert isinstance(email, SmtpChannel)
    assert (email.host, email.port, email.sender, email.starttls) == (
        "mail.agency.example", 587, "alerts@agency.example", True)
    assert "hunter2" not in repr(settings) and "hunter2" not in repr(email)
    assert settings.console_url() == "https://office.agency.example/console"
    assert "email" not in notifier_from_settings(ServerSettings.from_env({})).channels
