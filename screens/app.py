"""The worker app's shell: which screen shows, the records banner, and background sync."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft
import httpx

from fieldapp import replica
from fieldapp.clock import Clock, parse_utc
from fieldapp.device import Device
from fieldapp.errors import FieldAppError
from fieldapp.store import DeviceStore
from fieldapp.visits import VisitService
from screens import widgets
from sync.client import PERIODIC_SYNC_S, SyncClient, SyncResult, SyncState, backoff_delay


class WorkerApp:
    """One app session (one open app on one phone). Screens call `show_*`; state lives here."""

    def __init__(self, page: ft.Page, store: DeviceStore, device: Device, clock: Clock,
                 server_url: str, http: httpx.AsyncClient):
        self.page = page
        self.store = store
        self.device = device
        self.clock = clock
        self.server_url = server_url
        self.http = http
        self.tz = ZoneInfo("Europe/London")
        self.visits = VisitService(store, device.sealer, device.author, clock)
        self.sync_client = SyncClient(store, device, http, clock)
        self.last_result: SyncResult | None = None
        self._sync_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._current: Callable[[], None] = lambda: None
        page.title = "Field App"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.BLUE_900)
        page.bgcolor = ft.Colors.WHITE
        page.padding = 12
        page.scroll = ft.ScrollMode.AUTO

    # --- navigation -----------------------------------------------------------------------
    def start(self) -> None:
        from screens.enrol import show_enrol
        from screens.unlock import show_unlock

        if not self.device.enrolled:
            show_enrol(self)
        else:
            self.tz = ZoneInfo(self.device.identity().timezone)
            show_unlock(self)
        self.page.run_task(self._sync_loop)

    def set_screen(self, render: Callable[[], list[ft.Control]]) -> None:
        """Show a screen; `render` is kept so a sync can redraw it with fresh data."""

        def draw() -> None:
            try:
                controls = render()
            except FieldAppError as exc:
                controls = [widgets.body(str(exc))]
            self.page.controls.clear()
            self.page.controls.extend(controls)
            self.page.update()

        self._current = draw
        draw()

    def refresh(self) -> None:
        self._current()

    def after_unlock(self) -> None:
        from screens.day import show_day

        self.tz = ZoneInfo(self.device.identity().timezone)
        show_day(self)
        self.request_sync()

    # --- records banner and sync ----------------------------------------------------------
    def banner(self) -> ft.Control:
        last = self.store.get_meta(replica.LAST_SYNC_KEY)
        last_text = self.local_time(parse_utc(last)) if last else None
        message = self.last_result.message if self.last_result else "Not synced yet this session."
        return widgets.records_banner(replica.counts(self.store), last_text, message,
                                      self._on_sync_click)

    async def _on_sync_click(self, _e: Any) -> None:
        await self.sync_now()

    def request_sync(self) -> None:
        """Ask the background loop to sync soon (after every saved record)."""
        self._wake.set()

    async def sync_now(self) -> SyncResult:
        async with self._sync_lock:
            try:
                result = await self.sync_client.sync_once()
            except FieldAppError:
                result = SyncResult(SyncState.SERVER_ERROR)
            changed = (self.last_result is None or result.state != self.last_result.state
                       or result.received or result.rejected or result.changes)
            self.last_result = result
        # Redraw only when something the worker can see changed: a redraw under a moving
        # thumb is how taps get lost.
        if self.device.unlocked and changed:
            self.refresh()
        return result

    async def _sync_loop(self) -> None:
        failures = 0
        while True:
            delay = PERIODIC_SYNC_S if failures == 0 else backoff_delay(failures)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            if not self.device.enrolled:
                continue
            result = await self.sync_now()
            failures = 0 if result.state in (SyncState.OK, SyncState.REJECTED) else failures + 1

    # --- formatting -----------------------------------------------------------------------
    def local_time(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%H:%M")
