"""Background sync for one app session: soon after every saved record, when signal comes back,
and otherwise at the services' pace (backing off while the office cannot be reached)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import flet as ft

from fieldapp.services import Services, SyncResult


class BackgroundSync:
    """The sync loop; `sync_once` is the shell's sync (it redraws what changed)."""

    def __init__(self, services: Services, sync_once: Callable[[], Awaitable[SyncResult]]):
        self._services = services
        self._sync_once = sync_once
        self._wake = asyncio.Event()

    def request(self) -> None:
        """Sync soon (after every saved record)."""
        self._wake.set()

    def on_connectivity(self, e: ft.ConnectivityChangeEvent) -> None:
        # Signal coming back is the best moment to send what is queued.
        if any(kind != ft.ConnectivityType.NONE for kind in e.connectivity):
            self.request()

    async def run(self) -> None:
        """Runs for the app session."""
        failures = 0
        while True:
            delay = self._services.next_sync_delay(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            # Cleared after waking, so a request made while the sync below runs wakes the
            # next round instead of being folded into this one.
            self._wake.clear()
            if not self._services.enrolled:
                continue
            result = await self._sync_once()
            failures = 0 if result.healthy else failures + 1
