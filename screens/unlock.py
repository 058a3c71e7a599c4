"""The lock screen: the PIN opens the records on this phone."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import FieldAppError, LockedOut
from screens import nav, widgets


class UnlockScreen(nav.ScreenState):
    needs_unlock = False

    def __init__(self, app: nav.Shell):
        self.app = app
        self.pin = widgets.field("unlock-pin", "PIN", password=True, numeric=True)
        self.pin.on_submit = self.submit
        self.error = widgets.error_text()

    async def submit(self, _e: Any) -> None:
        app = self.app
        try:
            await app.services.unlock(self.pin.value or "")
        except LockedOut:
            app.forget_place()
            app.show_enrol()
            return
        except FieldAppError as exc:
            self.error.value = str(exc)
            self.pin.value = ""
            app.refresh()
            return
        self.pin.value = ""
        self.error.value = ""
        app.after_unlock()

    def notices(self) -> list[ft.Control]:
        """Why the PIN will not work right now, before the worker tries it."""
        status = self.app.services.lock_status()
        out: list[ft.Control] = []
        if status.lease_message:
            out.append(widgets.labelled("unlock-lease", widgets.body(
                status.lease_message, color=widgets.DANGER, weight=ft.FontWeight.W_600)))
        if status.wait_seconds > 0:
            out.append(widgets.labelled("unlock-wait", widgets.body(
                f"Too many wrong PINs. Wait {status.wait_words} before trying again.",
                color=widgets.DANGER, weight=ft.FontWeight.W_600)))
        return out

    def render(self) -> list[ft.Control]:
        return render(self)


def render(s: UnlockScreen) -> list[ft.Control]:
    name = s.app.services.identity().worker_name
    return [
        widgets.heading("Field App"),
        widgets.body(f"Signed in as {name}. Enter your PIN to open today's visits."),
        *s.notices(),
        widgets.labelled("unlock-pin", s.pin),
        s.error,
        widgets.big_button("unlock-submit", "Unlock", s.submit),
        widgets.link_button("unlock-security", "Change PIN or set a duress PIN",
                            lambda _e: s.app.go(nav.SECURITY)),
        s.app.banner(),
    ]
