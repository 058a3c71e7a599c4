"""One coordinator's console session: what every screen needs, and moving between screens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import flet as ft
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine

from server.clock import Clock, local_today
from server.services.sign_in import Coordinator

HOME = "/"


def visit_route(visit_id: str) -> str:
    return f"/visits/{visit_id}"


def escalation_route(escalation_id: str) -> str:
    return f"/escalations/{escalation_id}"


def mar_route(service_user_id: str) -> str:
    return f"/people/{service_user_id}/mar"


@dataclass
class Console:
    page: ft.Page
    engine: Engine
    key: Callable[[], X25519PrivateKey]  # the escrow key, loaded on first use
    clock: Clock
    who: Coordinator | None = None
    tz: ZoneInfo = ZoneInfo("Europe/London")

    @property
    def coordinator(self) -> Coordinator:
        """The signed-in coordinator (screens past sign-in are only built for one)."""
        if self.who is None:
            raise RuntimeError("no coordinator is signed in")
        return self.who

    def today(self) -> date:
        return local_today(self.clock, self.tz)

    def go(self, route: str) -> None:
        """Open `route` (a new entry in the browser's history, so back returns here)."""
        self.page.navigate(route)

    def back(self) -> None:
        """Back to the screen below this one (the browser's back button does the same)."""
        views = self.page.views
        self.go(views[-2].route if len(views) > 1 and views[-2].route else HOME)
