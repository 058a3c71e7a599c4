"""The SOS button: a tap only says how; pressed and held for 3 seconds, it sends a red alert.

Held means a long press (Flutter recognises one after about half a second) kept down: the bar
fills and the words count down 3, 2, 1 while it is held; letting go early sends nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import flet as ft

from fieldapp.services import HOLD_HINT, Hold
from screens import nav, widgets

LONG_PRESS_S = 0.5  # already held this long when Flutter reports a long press
STEP_S = 0.1
IDLE_WORDS = "SOS — press and hold for 3 seconds"


class SosButton:
    """One screen's SOS button and its hold (kept across redraws by the screen's state)."""

    def __init__(self, app: nav.Shell, session_id: str | None = None):
        self.app = app
        self.session_id = session_id
        self.hold = Hold()
        self.hint = ""
        self.words = ft.Text(IDLE_WORDS, size=18, weight=ft.FontWeight.BOLD,
                             color=ft.Colors.WHITE)
        self.bar = ft.ProgressBar(value=0.0, color=ft.Colors.WHITE, bgcolor=ft.Colors.RED_300,
                                  height=8)
        self._task: asyncio.Task[None] | None = None

    def tapped(self, _e: Any) -> None:
        self.hint = HOLD_HINT
        self.app.refresh()

    def pressed(self, _e: Any) -> None:
        self.hint = ""
        self.hold.press(time.monotonic() - LONG_PRESS_S)
        self._task = asyncio.get_running_loop().create_task(self._count())

    def released(self, _e: Any) -> None:
        if self.hold.started is None:
            return  # already sent
        self.hold.release()
        self.hint = HOLD_HINT
        self._show(0.0, IDLE_WORDS)
        self.app.refresh()

    async def _count(self) -> None:
        while self.hold.started is not None:
            now = time.monotonic()
            if self.hold.done(now):
                self.hold.release()
                self._show(0.0, IDLE_WORDS)
                await self.app.send_sos(self.session_id)
                return
            self._show(self.hold.progress(now),
                       f"Keep holding… {self.hold.seconds_left(now)}")
            await asyncio.sleep(STEP_S)

    def _show(self, progress: float, words: str) -> None:
        self.bar.value, self.words.value = progress, words
        if self.bar.page is not None:
            self.bar.update()
            self.words.update()

    def control(self) -> ft.Control:
        box = ft.Container(
            ft.Column([ft.Row([ft.Icon(ft.Icons.SOS, color=ft.Colors.WHITE, size=28),
                               self.words], spacing=8), self.bar], spacing=6),
            bgcolor=widgets.DANGER, border_radius=10, height=widgets.TOUCH + 16,
            padding=ft.Padding.symmetric(horizontal=14, vertical=8))
        held = ft.GestureDetector(content=box, on_tap=self.tapped,
                                  on_long_press_start=self.pressed,
                                  on_long_press_end=self.released)
        out: list[ft.Control] = [widgets.labelled(
            "sos", held, label="SOS: press and hold for 3 seconds to send an alert")]
        if self.hint:
            out.append(widgets.labelled("sos-hint", widgets.body(
                self.hint, color=widgets.DANGER, weight=ft.FontWeight.W_600)))
        return ft.Column(out, spacing=4)
