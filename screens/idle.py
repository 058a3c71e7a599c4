"""The inactivity lock: how long since the worker last touched the app, on a monotonic clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import flet as ft

from fieldapp.services import Services, locks_on_lifecycle

IDLE_CHECK_S = 15.0  # how often the inactivity lock looks at the clock (real seconds)


class IdleLock:
    """Locks the app (`lock`) after the auto-lock time without a touch, or when it goes to the
    background. Inactivity runs on a monotonic clock: setting the phone's time back or forward
    must neither postpone nor skip the auto-lock."""

    def __init__(self, services: Services, lock: Callable[[], None],
                 monotonic: Callable[[], float], on_quiet: Callable[[], None] = lambda: None):
        self._services = services
        self._lock = lock
        self._on_quiet = on_quiet  # after each look that did not lock (timed reminders)
        self._monotonic = monotonic
        self._last_activity = monotonic()

    def touch(self) -> None:
        self._last_activity = self._monotonic()

    def check(self) -> bool:
        """Lock if nobody has touched the app for the auto-lock time; True if it locked."""
        if self._services.idle_expired(self._monotonic() - self._last_activity):
            self._lock()
            return True
        return False

    def guard(self) -> bool:
        """Before any handler: a tap after the auto-lock time locks instead of acting."""
        if self.check():
            return False
        self.touch()
        return True

    def on_lifecycle(self, e: ft.AppLifecycleStateChangeEvent) -> None:
        if locks_on_lifecycle(e.state.value):
            self._lock()

    async def watch(self) -> None:
        """Runs for the app session: the lock comes even when nobody taps."""
        while True:
            await asyncio.sleep(IDLE_CHECK_S)
            if not self.check():
                self._on_quiet()
