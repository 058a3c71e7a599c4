"""The worker app's shell: which screen shows, the records banner, and background sync."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft
import httpx

from fieldapp.domain.clock import Clock, parse_utc
from fieldapp.errors import FieldAppError
from fieldapp.services.device import Device
from fieldapp.services.duress import visible_counts
from fieldapp.services.visits import VisitService
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.vault.keystore import FileKeyStore, KeyStore, PreloadedKeyStore
from fieldapp.vault.lock import locks_on_lifecycle
from screens import widgets
from sync.client import PERIODIC_SYNC_S, SyncClient, SyncResult, SyncState, backoff_delay

Render = Callable[[], list[ft.Control]]
IDLE_CHECK_S = 15.0  # how often the inactivity lock looks at the clock (real seconds)
_GUARDED = "_fieldapp_guarded"
PHONE_PLATFORMS = (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)


async def choose_keystore(page: ft.Page, key_path: Path) -> KeyStore:
    """The platform keystore on phones; elsewhere a 0600 file, which is WEAKER (README).

    flet-secure-storage is asynchronous and the vault is not, so the phone's secret is read
    once here, at start-up, and kept in memory for the session.
    """
    if page.platform in PHONE_PLATFORMS and not page.web:
        from flet_secure_storage import SecureStorage

        store = PreloadedKeyStore(SecureStorage(), page.run_task)
        await store.load()
        return store
    return FileKeyStore(key_path)


class WorkerApp:
    """One app session (one open app on one phone). Screens call `show_*`; state lives here."""

    def __init__(self, page: ft.Page, store: DeviceStore, device: Device, clock: Clock,
                 server_url: str, http: httpx.AsyncClient, *,
                 monotonic: Callable[[], float] = time.monotonic):
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
        self._render: Render | None = None
        # The screen that was open when the app locked itself: re-shown after unlock, with its
        # text fields (kept in the screen's closure) as the worker left them.
        self._resume: Render | None = None
        # Inactivity runs on a monotonic clock: setting the phone's time back or forward must
        # neither postpone nor skip the auto-lock.
        self._monotonic = monotonic
        self._last_activity = monotonic()
        page.on_app_lifecycle_state_change = self._on_lifecycle
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

        if not self.device.enrolled or self.device.locked_out:
            show_enrol(self)
        else:
            self.tz = ZoneInfo(self.device.identity().timezone)
            show_unlock(self)
        # Signal coming back is the best moment to send what is queued.
        self.connectivity = ft.Connectivity(on_change=self._on_connectivity)
        self.page.run_task(self._sync_loop)
        self.page.run_task(self._idle_loop)

    def set_screen(self, render: Callable[[], list[ft.Control]]) -> None:
        """Show a screen; `render` is kept so a sync can redraw it with fresh data."""

        def draw() -> None:
            try:
                controls = render()
            except FieldAppError as exc:
                controls = [widgets.body(str(exc))]
            for control in _walk(controls):
                self._guard_handlers(control)
            self.page.controls.clear()
            self.page.controls.extend(controls)
            self.page.update()

        self._current = draw
        self._render = render
        draw()

    def refresh(self) -> None:
        self._current()

    def after_unlock(self) -> None:
        from screens.day import show_day

        self.tz = ZoneInfo(self.device.identity().timezone)
        self.touch()
        resume, self._resume = self._resume, None
        if resume is not None:
            self.set_screen(resume)
        else:
            show_day(self)
        self.request_sync()

    def lock(self) -> None:
        """Drop the keys and show the PIN screen; the open screen comes back after unlock."""
        from screens.unlock import show_unlock

        if not self.device.unlocked:
            return
        self._resume = self._render
        self.device.lock()
        show_unlock(self)

    def forget_place(self) -> None:
        """After a lockout or a wipe nothing typed before may come back."""
        self._resume = None

    # --- inactivity and the background ----------------------------------------------------
    def touch(self) -> None:
        self._last_activity = self._monotonic()

    def check_idle(self) -> bool:
        """Lock if nobody has touched the app for the auto-lock time; True if it locked."""
        if self.device.unlocked and self.device.policy.idle_expired(
                self._monotonic() - self._last_activity):
            self.lock()
            return True
        return False

    def _on_lifecycle(self, e: ft.AppLifecycleStateChangeEvent) -> None:
        if locks_on_lifecycle(e.state.value):
            self.lock()

    async def _idle_loop(self) -> None:
        while True:
            await asyncio.sleep(IDLE_CHECK_S)
            self.check_idle()

    def _guard_handlers(self, control: ft.BaseControl) -> None:
        """Every user event counts as activity, and one arriving after the auto-lock time
        locks the app instead of acting (the timer may not have run yet)."""
        for f in dataclasses.fields(control):
            if not f.name.startswith("on_"):
                continue
            handler = getattr(control, f.name, None)
            if callable(handler) and not getattr(handler, _GUARDED, False):
                setattr(control, f.name, self._guarded(handler))
        if isinstance(control, ft.TextField) and control.on_change is None:
            # Typing a long note is activity too, though the field has no handler of its own.
            control.on_change = self._guarded(lambda _e: None)

    def _guarded(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        takes_event = _param_count(handler) > 0

        def stale() -> bool:
            if self.check_idle():
                return True
            self.touch()
            return False

        if inspect.iscoroutinefunction(handler):
            async def guarded_async(e: Any) -> Any:
                if stale():
                    return None
                return await (handler(e) if takes_event else handler())

            setattr(guarded_async, _GUARDED, True)
            return guarded_async

        def guarded(e: Any) -> Any:
            if stale():
                return None
            return handler(e) if takes_event else handler()

        setattr(guarded, _GUARDED, True)
        return guarded

    # --- records banner and sync ----------------------------------------------------------
    def banner(self) -> ft.Control:
        last = self.store.get_meta(replica.LAST_SYNC_KEY)
        last_text = self.local_time(parse_utc(last)) if last else None
        message = self.last_result.message if self.last_result else "Not synced yet this session."
        # Counts as the worker sees them: a duress alert must not show up as "1 record".
        return widgets.records_banner(visible_counts(self.store), last_text, message,
                                      self._on_sync_click,
                                      self._on_outbox_click if self.device.unlocked else None)

    def _on_outbox_click(self, _e: Any) -> None:
        from screens.outbox import show_outbox

        show_outbox(self)

    async def _on_sync_click(self, _e: Any) -> None:
        await self.sync_now()

    def _on_connectivity(self, e: ft.ConnectivityChangeEvent) -> None:
        if any(kind != ft.ConnectivityType.NONE for kind in e.connectivity):
            self.request_sync()

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
        if result.state is SyncState.REVOKED:
            from screens.enrol import show_enrol

            # The phone has just erased itself: nothing typed before may come back.
            self.forget_place()
            show_enrol(self, result.message)
            return result
        # Redraw only when something the worker can see changed: a redraw under a moving
        # thumb is how taps get lost. Locked, the PIN screen redraws too (a sync may end an
        # offline lease).
        if changed:
            self.refresh()
        return result

    async def _sync_loop(self) -> None:
        failures = 0
        while True:
            delay = PERIODIC_SYNC_S if failures == 0 else backoff_delay(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            # Cleared after waking, so a request made while the sync below runs wakes the
            # next round instead of being folded into this one.
            self._wake.clear()
            if not self.device.enrolled:
                continue
            result = await self.sync_now()
            failures = 0 if result.state in (SyncState.OK, SyncState.REJECTED) else failures + 1

    # --- formatting -----------------------------------------------------------------------
    def local_time(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%H:%M")


def _param_count(handler: Callable[..., Any]) -> int:
    try:
        return len(inspect.signature(handler).parameters)
    except (TypeError, ValueError):
        return 1


def _walk(value: Any) -> Iterator[ft.BaseControl]:
    """Every control in a screen's tree (the same walk Flet's own diff does over fields)."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, ft.BaseControl):
        yield value
        for f in dataclasses.fields(value):
            if f.name.startswith("_") or f.name.startswith("on_") or f.metadata.get("skip"):
                continue
            child = getattr(value, f.name, None)
            if isinstance(child, (ft.BaseControl, list, tuple)):
                yield from _walk(child)
