"""The SOS button: a tap only says how; pressed and held for 3 seconds, it sends a red alert.

Held means a long press (Flutter recognises one after about half a second) kept down: the bar
fills and the words count down 3, 2, 1 while it is held; letting go early sends nothing. The
button's controls are made once per screen, so a redraw mid-hold (a sync finishing) updates them
in place instead of replacing the widget under the thumb, which would lose the release.
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
        self.words = ft.Text(IDLE_WORDS, size=18, weight=ft.FontWeight.BOLD,
                             color=ft.Colors.WHITE)
        self.bar = ft.ProgressBar(value=0.0, color=ft.Colors.WHITE, bgcolor=ft.Colors.RED_300,
                                  height=8)
        self.hint = widgets.body(HOLD_HINT, color=widgets.DANGER, weight=ft.FontWeight.W_600)
        self.hint_box = widgets.labelled("sos-hint", self.hint)
        self.hint_box.visible = False
        self.view = ft.Column([widgets.labelled(
            "sos", self._held(), label="SOS: press and hold for 3 seconds to send an alert"),
            self.hint_box], spacing=4)

    def _held(self) -> ft.Control:
        box = ft.Container(
            ft.Column([ft.Row([ft.Icon(ft.Icons.SOS, color=ft.Colors.WHITE, size=28),
                               self.words], spacing=8), self.bar], spacing=6),
            bgcolor=widgets.DANGER, border_radius=10, height=widgets.TOUCH + 16,
            padding=ft.Padding.symmetric(horizontal=14, vertical=8))
        return ft.GestureDetector(content=box, on_tap=self.tapped,
                                  on_long_press_start=self.pressed,
                                  on_long_press_end=self.released)

    def control(self) -> ft.Control:
        return self.view

    def tapped(self, _e: Any) -> None:
        self.hint_box.visible = True
        self.app.refresh()

    def pressed(self, _e: Any) -> None:
        self.hint_box.visible = False
        self.hold.press(time.monotonic() - LONG_PRESS_S)
        asyncio.get_running_loop().create_task(self._count())

    def released(self, _e: Any) -> None:
        if self.hold.started is None:
            return  # already sent
        self.hold.release()
        self.hint_box.visible = True
        self._show(0.0, IDLE_WORDS)
        self.app.refresh()

    async def _count(self) -> None:
        while self.hold.started is not None:
            now = time.monotonic()
            if self.view.page is None:  # the screen went away: nothing is held any more
                self.hold.release()
                return
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
