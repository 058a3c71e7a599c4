"""Enrol this phone with a code from the office and choose a PIN — first run, or again after a
lockout or a withdrawal."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import LOCKED_OUT_MESSAGE, FieldAppError
from screens import nav, widgets


class EnrolScreen(nav.ScreenState):
    needs_unlock = False

    def __init__(self, app: nav.Shell, message: str = ""):
        self.app = app
        self.message = message
        self.server = widgets.field("enrol-server", "Office server address", value=app.server_url)
        self.code = widgets.field("enrol-code", "Enrolment code from the office",
                                  hint="e.g. K7PX-3MQD-W9RT")
        self.pin = widgets.field("enrol-pin", "Choose a PIN (6 or more digits)", password=True,
                                 numeric=True)
        self.pin2 = widgets.field("enrol-pin2", "Type the PIN again", password=True,
                                  numeric=True)
        self.error = widgets.error_text()
        self.progress = ft.ProgressRing(visible=False, width=28, height=28)

    def fail(self, text: str) -> None:
        self.error.value = text
        self.progress.visible = False
        self.app.refresh()

    async def submit(self, _e: Any) -> None:
        self.error.value = ""
        pin = self.pin.value or ""
        if pin != (self.pin2.value or ""):
            self.fail("The two PINs are different. Type the same PIN twice.")
            return
        try:
            self.app.check_new_pin(pin)
        except FieldAppError as exc:
            self.fail(str(exc))
            return
        self.progress.visible = True
        self.app.refresh()
        try:
            await self.app.enrol_phone(self.server.value or "", self.code.value or "", pin)
        except FieldAppError as exc:
            self.fail(str(exc))
            return
        self.pin.value = self.pin2.value = self.code.value = ""
        self.app.after_unlock()

    def render(self) -> list[ft.Control]:
        return render(self)


def intro(s: EnrolScreen) -> list[ft.Control]:
    if s.app.services.locked_out:
        return [widgets.heading("Set up this phone again"),
                widgets.body(LOCKED_OUT_MESSAGE, color=widgets.DANGER)]
    lines = [widgets.heading("Set up this phone")]
    if s.message:
        lines.append(widgets.body(s.message, color=widgets.DANGER))
    lines.append(widgets.body("The office gives you an enrolment code. Your PIN protects "
                              "the records kept on this phone; do not share it."))
    return lines


def render(s: EnrolScreen) -> list[ft.Control]:
    return [
        *intro(s),
        widgets.labelled("enrol-server", s.server),
        widgets.labelled("enrol-code", s.code),
        widgets.body(s.app.pin_rules, size=14),
        widgets.labelled("enrol-pin", s.pin),
        widgets.labelled("enrol-pin2", s.pin2),
        s.error,
        ft.Row([s.progress]),
        widgets.big_button("enrol-submit", "Enrol this phone", s.submit),
    ]
