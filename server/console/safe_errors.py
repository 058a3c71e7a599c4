"""The console never shows a traceback: a page that fails shows a reference, the log keeps it.

Flet 1.0.5 answers an exception in an event handler by sending the whole traceback to the
browser as a "session crashed" message (flet.messaging.session.Session.error). A traceback can
quote code, paths and the values in an exception's message, so the coordinator's browser gets a
plain sentence and a short reference instead; the server log line carries the same reference
and the exception's type (never its message, which may hold personal data).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

import flet as ft

log = logging.getLogger("fieldapp.console")
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)", re.MULTILINE)

PLAIN = ("Something went wrong on this page. Reference {ref}. Reload the page to carry on: "
         "nothing already saved has been lost. Quote the reference to your administrator.")


def error_type(report: str) -> str:
    """The exception's type from Flet's report: the last unindented "package.Type: ..." line."""
    names = [m.group(1) for m in _EXCEPTION_LINE.finditer(report) if m.group(1) != "Traceback"]
    return names[-1].rsplit(".", 1)[-1] if names else "Error"


def shield(page: ft.Page) -> None:
    """Replace this page's crash report with a plain message and a reference."""
    session = page.session
    send: Callable[[str], None] = session.error

    def report(message: str) -> None:
        ref = secrets.token_hex(4).upper()
        log.error("console page failed: reference %s (%s)", ref, error_type(message))
        send(PLAIN.format(ref=ref))

    session.error = report  # type: ignore[method-assign]
