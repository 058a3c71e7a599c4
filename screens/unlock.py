"""The lock screen: the PIN opens the records on this phone."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.errors import FieldAppError, LockedOut
from fieldapp.vault.lock import wait_words
from screens import widgets
from screens.app import WorkerApp


def show_unlock(app: WorkerApp, message: str = "") -> None:
    from screens.enrol import show_enrol
    from screens.security import show_security

    pin = widgets.field("unlock-pin", "PIN", password=True, numeric=True)
    error = widgets.error_text()
    error.value = message

    async def submit(_e: Any) -> None:
        try:
            # Deriving the key takes a few hundred ms on purpose; keep the screen responsive.
            await app.page.loop.run_in_executor(None, app.device.unlock, pin.value or "")
        except LockedOut:
            app.forget_place()
            show_enrol(app)
            return
        except FieldAppError as exc:
            error.value = str(exc)
            pin.value = ""
            app.refresh()
            return
        pin.value = ""
        error.value = ""
        app.after_unlock()

    pin.on_submit = submit
    name = app.device.identity().worker_name

    def notices() -> list[ft.Control]:
        """Why the PIN will not work right now, before the worker tries it."""
        out: list[ft.Control] = []
        if app.device.lease_expired():
            out.append(widgets.labelled("unlock-lease", widgets.body(
                app.device.policy.lease_message(app.device.identity().office_phone),
                color=widgets.DANGER, weight=ft.FontWeight.W_600)))
        wait = app.device.seconds_until_next_try()
        if wait > 0:
            out.append(widgets.labelled("unlock-wait", widgets.body(
                f"Too many wrong PINs. Wait {wait_words(wait)} before trying again.",
                color=widgets.DANGER, weight=ft.FontWeight.W_600)))
        return out

    def render() -> list[ft.Control]:
        return [
            widgets.heading("Field App"),
            widgets.body(f"Signed in as {name}. Enter your PIN to open today's visits."),
            *notices(),
            widgets.labelled("unlock-pin", pin),
            error,
            widgets.big_button("unlock-submit", "Unlock", submit),
            widgets.labelled("unlock-security", ft.TextButton(
                "Change PIN or set a duress PIN", on_click=lambda _e: show_security(app),
                height=widgets.TOUCH), label="Change PIN or set a duress PIN"),
            app.banner(),
        ]

    app.set_screen(render)
