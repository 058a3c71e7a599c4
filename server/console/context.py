"""One coordinator's console session: what every screen needs, and moving between screens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import flet as ft
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine

from server.clock import Clock, local_today
from server.console.session import SessionRules, SessionTimes
from server.errors import ServerError
from server.services.audit import forget_session
from server.services.sign_in import Coordinator, record
from server.services.sign_in_doors import SignInDoors

HOME = "/"
SIGNED_OUT = "You have signed out."


def visit_route(visit_id: str) -> str:
    return f"/visits/{visit_id}"


def escalation_route(escalation_id: str) -> str:
    return f"/escalations/{escalation_id}"


def handover_route(handover_id: str) -> str:
    return f"/handovers/{handover_id}"


def mar_route(service_user_id: str) -> str:
    return f"/people/{service_user_id}/mar"



def attempt(action: Callable[[], object]) -> str:
    """Run a coordinator's action: "" when the office did it, else its refusal, for the
    page's problem line (a page re-reads what it shows either way)."""
    try:
        action()
    except ServerError as exc:
        return str(exc)
    return ""


@dataclass
class Console:
    page: ft.Page
    engine: Engine
    key: Callable[[], X25519PrivateKey]  # the escrow key, loaded on first use
    clock: Clock
    who: Coordinator | None = None
    tz: ZoneInfo = ZoneInfo("Europe/London")
    doors: SignInDoors | None = None  # failed sign-ins, shared by every page and process
    rules: SessionRules = field(default_factory=SessionRules)
    times: SessionTimes | None = None  # while someone is signed in
    farewell: str = ""  # why the last session ended, shown on the sign-in page

    @property
    def address(self) -> str:
        """The browser's address, as far as the server can tell."""
        return self.page.client_ip or "unknown"

    def signed_in(self, who: Coordinator) -> None:
        now = self.clock.now()
        self.who, self.times, self.farewell = who, SessionTimes(now, now), ""

    def sign_out(self, farewell: str) -> None:
        """End the session (audited); the sign-in page will say `farewell`."""
        if self.who is not None:
            action = "signed_out" if farewell == SIGNED_OUT else "session_expired"
            record(self.engine, self.clock, self.who.tenant_id, self.address, action,
                   self.who.id)
            forget_session(self.who.session)
        self.who, self.times, self.farewell = None, None, farewell

    @property
    def coordinator(self) -> Coordinator:
        """The signed-in coordinator (screens past sign-in are only built for one)."""
        if self.who is None:
            raise RuntimeError("no coordinator is signed in")
        return self.who

    def today(self) -> date:
        return local_today(self.clock, self.tz)

    def showing(self, state: object) -> bool:
        """Whether `state`'s screen is on the page for a signed-in coordinator (a screen that
        refreshes itself stops once it is closed, or its coordinator signed out)."""
        return self.who is not None and any(v.data is state for v in self.page.views)

    def go(self, route: str) -> None:
        """Open `route` (a new entry in the browser's history, so back returns here)."""
        self.page.navigate(route)

    def back(self) -> None:
        """Back to the screen below this one (the browser's back button does the same)."""
        views = self.page.views
        self.go(views[-2].route if len(views) > 1 and views[-2].route else HOME)
