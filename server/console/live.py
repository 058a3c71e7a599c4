"""Screens that refresh themselves while showing, so a new alert or escalation appears unasked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from server.console.context import Console


class LiveScreen(Protocol):
    console: Console
    ticking: bool

    def refresh(self) -> None: ...


def keep_fresh(screen: LiveScreen, redraw: Callable[[], None], seconds: float) -> None:
    """Refresh `screen` every `seconds` while it is showing; one ticker per screen."""
    if screen.ticking:
        return
    screen.ticking = True

    async def tick() -> None:
        while screen.console.showing(screen):
            await asyncio.sleep(seconds)
            if not screen.console.showing(screen):
                break  # closed, or signed out, while it slept
            await asyncio.to_thread(screen.refresh)
            redraw()
        screen.ticking = False

    screen.console.page.run_task(tick)
