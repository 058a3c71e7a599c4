"""The route table: which screen answers which address. The one module importing every screen."""

from __future__ import annotations

import re
from collections.abc import Callable

from screens import day, enrol, escalate, handover, mar, nav, outbox, security, sos, unlock, visit

Builder = Callable[[nav.Shell, dict[str, str]], nav.ScreenState]

TABLE: list[tuple[re.Pattern[str], Builder]] = [
    (re.compile(r"^/enrol$"), lambda app, _p: enrol.EnrolScreen(app)),
    (re.compile(r"^/unlock$"), lambda app, _p: unlock.UnlockScreen(app)),
    (re.compile(r"^/security$"), lambda app, _p: security.SecurityScreen(app)),
    (re.compile(r"^/day$"), lambda app, _p: day.DayScreen(app)),
    (re.compile(r"^/outbox$"), lambda app, _p: outbox.OutboxScreen(app)),
    (re.compile(r"^/visits/(?P<visit_id>[\w-]+)$"),
     lambda app, p: visit.VisitScreen(app, p["visit_id"])),
    (re.compile(r"^/visits/(?P<visit_id>[\w-]+)/mar$"),
     lambda app, p: mar.MarScreen(app, p["visit_id"])),
    (re.compile(r"^/escalate$"), lambda app, _p: escalate.EscalateScreen(app)),
    (re.compile(r"^/handover$"), lambda app, _p: handover.HandoverScreen(app)),
    (re.compile(r"^/sos/(?P<record_id>[\w-]+)$"),
     lambda app, p: sos.SosScreen(app, p["record_id"])),
    (re.compile(r"^/visits/(?P<visit_id>[\w-]+)/escalate$"),
     lambda app, p: escalate.EscalateScreen(app, p["visit_id"])),
]


def build(app: nav.Shell, route: str) -> nav.ScreenState | None:
    """The screen for `route` (a fresh view state), or None for an address the app lacks."""
    path = route.split("?", 1)[0]
    for pattern, make in TABLE:
        found = pattern.match(path)
        if found:
            return make(app, found.groupdict())
    return None


def enrol_screen(app: nav.Shell, message: str = "") -> nav.ScreenState:
    return enrol.EnrolScreen(app, message)
