"""Routes and the shell a screen talks to: screens name routes, never import each other."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

import flet as ft

from fieldapp.services import OutboxEntry, Services, SyncCounts, SyncResult

ENROL = "/enrol"
UNLOCK = "/unlock"
SECURITY = "/security"
DAY = "/day"
OUTBOX = "/outbox"
ESCALATE = "/escalate"
HANDOVER = "/handover"


def sos_route(record_id: str) -> str:
    return f"/sos/{record_id}"


def visit_route(visit_id: str) -> str:
    return f"/visits/{visit_id}"


def mar_route(visit_id: str) -> str:
    return f"/visits/{visit_id}/mar"


def escalate_route(visit_id: str | None) -> str:
    return f"/visits/{visit_id}/escalate" if visit_id else ESCALATE


class Shell(Protocol):
    """What the app shell offers every screen (screens/app.py implements it)."""

    page: ft.Page
    services: Services
    server_url: str
    share_location: bool
    pin_rules: str

    @property
    def tz(self) -> tzinfo: ...
    def go(self, route: str) -> None: ...
    def refresh(self) -> None: ...
    def request_sync(self) -> None: ...
    def banner(self) -> ft.Control: ...
    def local_time(self, when: datetime) -> str: ...
    def now(self) -> datetime: ...
    def lock(self) -> None: ...
    def forget_place(self) -> None: ...
    def after_unlock(self) -> None: ...
    def show_enrol(self, message: str = "") -> None: ...
    def ledger(self) -> list[OutboxEntry]: ...
    def visible_counts(self) -> SyncCounts: ...
    def last_synced(self) -> str | None: ...
    def check_new_pin(self, pin: str) -> None: ...
    async def enrol_phone(self, server: str, code: str, pin: str) -> None: ...
    async def locate(self) -> dict[str, float] | None: ...
    async def sync_now(self) -> SyncResult: ...
    async def send_sos(self, session_id: str | None = None) -> None: ...


class ScreenState:
    """A screen's view state: what it holds between redraws and what its buttons do.

    `render` builds the scrolling body; `footer` what stays at the bottom of the screen
    (always reachable, whatever the scroll). A redraw after a sync keeps this object, so
    text typed into its fields survives.
    """

    needs_unlock = True

    def render(self) -> list[ft.Control]:
        raise NotImplementedError

    def footer(self) -> list[ft.Control]:
        return []

    def opened(self) -> None:
        """Called once when the screen is shown by navigation (not on redraws)."""
