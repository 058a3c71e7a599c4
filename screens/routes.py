"""The route table: which screen answers which address. The one module importing every screen."""

from __future__ import annotations

import re
from collections.abc import Callable

from screens import day, enrol, escalate, handover, mar, nav, outbox, security, sos, unlock, visit

# Addresses without a parameter: the screen's state takes the app only.
FIXED: dict[str, Callable[[nav.Shell], nav.ScreenState]] = {
    nav.ENROL: enrol.EnrolScreen, nav.UNLOCK: unlock.UnlockScreen,
    nav.SECURITY: security.SecurityScreen, nav.DAY: day.DayScreen,
    nav.OUTBOX: outbox.OutboxScreen, nav.ESCALATE: escalate.EscalateScreen,
    nav.HANDOVER: handover.HandoverScreen,
}

# Addresses naming one record (a visit, an SOS): the screen's state takes the app and its id.
BY_ID: list[tuple[re.Pattern[str], Callable[[nav.Shell, str], nav.ScreenState]]] = [
    (re.compile(r"^/visits/([\w-]+)$"), visit.VisitScreen),
    (re.compile(r"^/visits/([\w-]+)/mar$"), mar.MarScreen),
    (re.compile(r"^/visits/([\w-]+)/escalate$"), escalate.EscalateScreen),
    (re.compile(r"^/sos/([\w-]+)$"), sos.SosScreen),
]


def build(app: nav.Shell, route: str) -> nav.ScreenState | None:
    """The screen for `route` (a fresh view state), or None for an address the app lacks."""
    path = route.split("?", 1)[0]
    if path in FIXED:
        return FIXED[path](app)
    for pattern, make in BY_ID:
        found = pattern.match(path)
        if found:
            return make(app, found.group(1))
    return None


def enrol_screen(app: nav.Shell, message: str = "") -> nav.ScreenState:
    return enrol.EnrolScreen(app, message)
