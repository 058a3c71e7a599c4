"""Telling people off-screen: e-mail (SMTP) and webhook delivery of office notices, with retries.

A `Notice` carries a reference, what kind of thing needs attention, how urgent it is and a link to
the console: never a name, address, medicine or note. Whoever reads the e-mail signs in to the
console to see the details, so a mis-sent or intercepted message reveals nothing about a person.

Delivery is synchronous and bounded (socket timeouts, a fixed number of attempts with growing
waits); callers run it off the event loop. Every attempt's outcome comes back as a `Delivery`, so
the console can show whether a notice reached its channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import httpx

from server.settings import Secret, ServerSettings

SEND_TIMEOUT_S = 10.0
ATTEMPTS = 4
FIRST_WAIT_S = 0.5  # then 1, 2, … : a server that is restarting gets a few seconds


class NotifierError(Exception):
    """A channel refused or could not be reached; the message names the channel, not the notice."""


@dataclass(frozen=True)
class Notice:
    """What a person on call must be told. Holds no personal details, by construction."""

    reference: str  # e.g. "ESC-3F9A1C": the console finds the record by it
    topic: str  # plain words: "Emergency escalation", "Lone-worker red alert"
    severity: str  # a code from the contract: routine / urgent / emergency / amber / red
    link: str  # console URL of the item

    def subject(self) -> str:
        return f"[{self.severity.upper()}] {self.topic} {self.reference}"

    def body(self) -> str:
        return (
            f"{self.topic} {self.reference} needs attention ({self.severity}).\n\n"
            f"Open it in the console to see the details and acknowledge it:\n{self.link}\n\n"
            "This message holds no personal details by design.\n"
        )

    def as_json(self) -> dict[str, str]:
        return {"reference": self.reference, "topic": self.topic,
                "severity": self.severity, "link": self.link}


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending one notice to one target."""

    channel: str  # "email" or "webhook"
    target: str  # the address or URL it went to (staff contact details, not a service user's)
    delivered: bool
    attempts: int
    error: str | None = None  # the last failure, in words that carry no notice content


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, target: str, notice: Notice) -> None: ...


@dataclass(frozen=True)
class SmtpChannel:
    """Plain SMTP with optional STARTTLS and login, as agencies' mail relays offer."""

    host: str
    port: int = 25
    sender: str = "fieldapp@localhost"
    username: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))
    starttls: bool = False
    timeout: float = SEND_TIMEOUT_S
    name: str = "email"

    def send(self, target: str, notice: Notice) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = target
        message["Subject"] = notice.subject()
        message["X-Fieldapp-Reference"] = notice.reference
        message.set_content(notice.body())
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password.value)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifierError(f"the mail server at {self.host}:{self.port} did not accept "
                                f"the message ({type(exc).__name__})") from exc


@dataclass(frozen=True)
class WebhookChannel:
    """An HTTP POST of the notice as JSON, signed with HMAC-SHA256 when a secret is set."""

    secret: Secret = field(default_factory=lambda: Secret(""))
    timeout: float = SEND_TIMEOUT_S
    transport: httpx.BaseTransport | None = None  # tests may inject one; None is the network
    name: str = "webhook"

    def send(self, target: str, notice: Notice) -> None:
        body = json.dumps(notice.as_json(), sort_keys=True).encode()
        headers = {"content-type": "application/json"}
        if self.secret:
            digest = hmac.new(self.secret.value.encode(), body, hashlib.sha256).hexdigest()
            headers["x-fieldapp-signature"] = f"sha256={digest}"
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                answer = client.post(target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise NotifierError(f"the webhook could not be reached ({type(exc).__name__})") from exc
        if answer.status_code >= 300:
            raise NotifierError(f"the webhook answered HTTP {answer.status_code}")


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    """For receivers (and tests): whether a webhook body carries the agency's signature."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


@dataclass
class Notifier:
    """Sends notices through the configured channels, retrying each with growing waits."""

    channels: dict[str, Channel]
    attempts: int = ATTEMPTS
    first_wait: float = FIRST_WAIT_S
    sleep: Callable[[float], None] = time.sleep

    def deliver(self, notice: Notice, targets: Sequence[tuple[str, str]]) -> list[Delivery]:
        """Send `notice` to each (channel name, target); one result per target, never raises."""
        return [self._deliver_one(notice, channel, target) for channel, target in targets]

    def _deliver_one(self, notice: Notice, channel_name: str, target: str) -> Delivery:
        channel = self.channels.get(channel_name)
        if channel is None:
            return Delivery(channel_name, target, False, 0,
                            f"no {channel_name} channel is configured on this server")
        wait, error = self.first_wait, None
        for attempt in range(1, self.attempts + 1):
            try:
                channel.send(target, notice)
                return Delivery(channel_name, target, True, attempt)
            except NotifierError as exc:
                error = str(exc)
            if attempt < self.attempts:
                self.sleep(wait)
                wait *= 2
        return Delivery(channel_name, target, False, self.attempts, error)


def notifier_from_settings(settings: ServerSettings) -> Notifier:
    """The channels this server can use: webhooks always, e-mail when an SMTP host is set."""
    channels: dict[str, Channel] = {"webhook": WebhookChannel(secret=settings.webhook_secret)}
    if settings.smtp_host:
        channels["email"] = SmtpChannel(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
            username=settings.smtp_username, password=settings.smtp_password,
            starttls=settings.smtp_starttls)
    return Notifier(channels)
