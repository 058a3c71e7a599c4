"""The worker app's shell: routes to screens, redraws, the lock and unlock flow, the banner.

main.py hands the shell one services object; screens reach everything through the `nav.Shell`
it implements. The auto-lock is screens/idle.py, background sync screens/background.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import flet as ft

from fieldapp.services import (
    PIN_RULES,
    EndReminder,
    FieldAppError,
    OutboxEntry,
    Services,
    SyncCounts,
    SyncResult,
    SyncState,
    check_pin_policy,
)
from screens import banner, location, nav, routes, widgets
from screens.background import BackgroundSync
from screens.guard import guard_tree
from screens.idle import IdleLock


class WorkerApp:
    """One app session (one open app on one phone): the current route, its screen, sync."""

    def __init__(self, page: ft.Page, services: Services, *,
                 monotonic: Callable[[], float] = time.monotonic):
        self.page = page
        self.services = services
        self.server_url = services.settings.server_url
        self.last_result: SyncResult | None = None
        self.share_location = False  # the worker's choice, asked on the visit screen
        self._screen: nav.ScreenState | None = None
        self._route = "/"
        self._body = ft.Column()
        self._footer = ft.Column()
        # The screen that was open when the app locked itself: shown again after unlock, with
        # its text fields (kept in its view state) as the worker left them.
        self._resume: tuple[str, nav.ScreenState | None] | None = None
        self.idle = IdleLock(services, self.lock, monotonic, on_quiet=self._remind)
        self.background = BackgroundSync(services, self.sync_now)
        self._locator = location.Locator()
        self._reminder: EndReminder | None = None
        page.on_app_lifecycle_state_change = self.idle.on_lifecycle
        page.on_route_change = self._on_route_change
        page.title = "Field App"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.BLUE_900)
        page.bgcolor = ft.Colors.WHITE

    # --- navigation -----------------------------------------------------------------------
    def start(self) -> None:
        if not self.services.enrolled or self.services.locked_out:
            self.show_enrol()
        else:
            unlock = routes.build(self, nav.UNLOCK)
            assert unlock is not None
            self._show(nav.UNLOCK, unlock)
        self.connectivity = ft.Connectivity(on_change=self.background.on_connectivity)
        self.page.run_task(self.background.run)
        self.page.run_task(self.idle.watch)

    def go(self, route: str) -> None:
        """Open the screen at `route`; the address bar and the browser's back button follow."""
        if route == self.page.route:
            self._open(route)
        else:
            self.page.navigate(route)

    def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        self.touch()
        self._open(e.route)

    def _open(self, route: str) -> None:
        screen = routes.build(self, route)
        if screen is None:
            route = nav.DAY if self.services.unlocked else nav.UNLOCK
            screen = routes.build(self, route)
            assert screen is not None
        if screen.needs_unlock and not self.services.unlocked:
            # Typing a visit's address (or pressing back) never gets past the PIN.
            if self.services.enrolled and not self.services.locked_out:
                self._resume = (route, None)
                screen = routes.build(self, nav.UNLOCK)
            else:
                screen = routes.build(self, nav.ENROL)
            assert screen is not None
        self._show(route, screen)

    def _show(self, route: str, screen: nav.ScreenState) -> None:
        """A new view per screen, so every screen opens at its top; redraws keep the view."""
        self._route, self._screen = route, screen
        self._body = ft.Column(scroll=ft.ScrollMode.AUTO, expand=True, spacing=10,
                               horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self._footer = ft.Column(spacing=6,
                                 horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.page.views.clear()
        self.page.views.append(ft.View(route=route, controls=[self._body, self._footer],
                                       padding=12, bgcolor=ft.Colors.WHITE, spacing=6))
        try:
            screen.opened()
        except FieldAppError:
            pass  # the screen shows the problem itself when it renders
        self.refresh()

    def refresh(self) -> None:
        """Redraw the open screen with fresh data (after a tap, or a sync that changed it)."""
        screen = self._screen
        if screen is None:
            return
        try:
            body, footer = screen.render(), screen.footer()
            self._reminder = self._due()  # what this redraw shows: no second redraw for it
        except FieldAppError as exc:
            body, footer = [widgets.body(str(exc))], []
        guard_tree([*body, *footer], self.idle.guard)
        self._body.controls = body
        self._footer.controls = footer
        self.page.update()

    def show_enrol(self, message: str = "") -> None:
        self._show(nav.ENROL, routes.enrol_screen(self, message))

    def after_unlock(self) -> None:
        self.touch()
        resume, self._resume = self._resume, None
        if resume is not None and resume[1] is not None:
            self._show(*resume)  # type: ignore[arg-type]
        elif resume is not None:
            self._open(resume[0])
        else:
            self.go(nav.DAY)
        self.request_sync()

    def lock(self) -> None:
        """Drop the keys and show the PIN screen; the open screen comes back after unlock."""
        if not self.services.unlocked:
            return
        if self._screen is not None and self._screen.needs_unlock:
            self._resume = (self._route, self._screen)
        self.services.lock()
        unlock = routes.build(self, nav.UNLOCK)
        assert unlock is not None
        self._show(self._route, unlock)

    def forget_place(self) -> None:
        """After a lockout or a wipe nothing typed before may come back."""
        self._resume = None

    # --- inactivity (screens/idle.py) ------------------------------------------------------
    def touch(self) -> None:
        self.idle.touch()

    def check_idle(self) -> bool:
        """Lock if nobody has touched the app for the auto-lock time; True if it locked."""
        return self.idle.check()

    def _remind(self) -> None:
        """Redraw when the "due to end" reminder comes due (nothing else redraws at a time),
        only if the last redraw did not already show it: each redraw can swallow a tap."""
        try:
            due = self._due()
        except FieldAppError:
            return
        if due != self._reminder:
            self.refresh()

    def _due(self) -> EndReminder | None:
        return self.services.lone.reminder() if self.services.unlocked else None

    # --- what screens read through the shell ----------------------------------------------
    @property
    def tz(self) -> tzinfo:
        return self.services.tz

    def now(self) -> datetime:
        return self.services.now()

    def local_time(self, when: datetime) -> str:
        return widgets.local_time(when, self.tz)

    def visible_counts(self) -> SyncCounts:
        return self.services.counts()

    def last_synced(self) -> str | None:
        last = self.services.last_sync_at()
        return self.local_time(last) if last else None

    def ledger(self) -> list[OutboxEntry]:
        return self.services.outbox.entries()

    async def locate(self) -> dict[str, float] | None:
        return await self._locator.position()

    async def send_sos(self, session_id: str | None = None) -> None:
        """A red alert now (or "I need help" answering the office's question), with the last
        known location only if the worker chose to share it; shown, then sent at once."""
        share = self.share_location
        where = self._locator.last if share else None
        try:
            rid = self.services.lone.sos(where, consent=share, session_id=session_id)
        except FieldAppError:
            self.go(nav.DAY)  # cannot save (locked meanwhile): the calls are on the day view
            return
        self.go(nav.sos_route(rid))
        await self.sync_now()
        self.refresh()

    def banner(self) -> ft.Control:
        message = self.last_result.message if self.last_result else "Not synced yet this session."
        # Counts as the worker sees them: a duress alert must not show up as "1 record".
        return banner.records_banner(self.visible_counts(), self.last_synced(), message,
                                     self._on_sync_click,
                                     self._on_outbox_click if self.services.unlocked else None)

    def _on_outbox_click(self, _e: Any) -> None:
        self.go(nav.OUTBOX)

    async def _on_sync_click(self, _e: Any) -> None:
        await self.sync_now()

    # --- enrolment and sync ---------------------------------------------------------------
    pin_rules = PIN_RULES

    def check_new_pin(self, pin: str) -> None:
        """Before an enrolment code is used up: a refused PIN must not cost the worker it."""
        check_pin_policy(pin)

    async def enrol_phone(self, server: str, code: str, pin: str) -> None:
        """Send what an old enrolment still has queued, then enrol with the office's code."""
        await self.services.enrol(server, code, pin)

    def request_sync(self) -> None:
        """Ask the background loop to sync soon (after every saved record)."""
        self.background.request()

    async def sync_now(self) -> SyncResult:
        before = self.last_result
        result = await self.services.sync_now()
        changed = result.visible_change(before)
        self.last_result = result
        if result.state is SyncState.REVOKED:
            # The phone has just erased itself: nothing typed before may come back.
            self.forget_place()
            self.show_enrol(result.message)
            return result
        # Redraw only when something the worker can see changed: a redraw under a moving
        # thumb is how taps get lost. Locked, the PIN screen redraws too (a sync may end an
        # offline lease).
        if changed:
            self.refresh()
        return result
