"""A real SMTP server for the tests (aiosmtpd on loopback) that keeps what it accepts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.procs import free_port


class Inbox:
    """An aiosmtpd handler that keeps each accepted message and may refuse the first few."""

    def __init__(self, refuse_first: int = 0) -> None:
        self.messages: list[Any] = []  # (recipients, email.message.Message)
        self.refuse_first = refuse_first
        self.tries = 0

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        self.tries += 1
        if self.tries <= self.refuse_first:
            return "451 Requested action aborted: try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def local_smtp() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 and a free port: yields its inbox and the port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
