"""The lock screen: the PIN opens the records on this phone."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.errors import FieldAppError
from screens import widgets
from screens.app import WorkerApp


def show_unlock(app: WorkerApp, message: str = "") -> None:
    pin = widgets.field("unlock-pin", "PIN", password=True, numeric=True)
    error = widgets.error_text()
    error.value = message

    async def submit(_e: Any) -> None:
        try:
            await app.page.loop.run_in_executor(None, app.device.unlock, pin.value or "")
        except FieldAppError as exc:
            error.value = str(exc)
            pin.value = ""
            app.page.update()
            return
        app.after_unlock()

    pin.on_submit = submit
    name = app.device.identity().worker_name

    def render() -> list[ft.Control]:
        return [
            widgets.heading("Field App"),
            widgets.body(f"Signed in as {name}. Enter your PIN to open today's visits."),
            widgets.labelled("unlock-pin", pin),
            error,
            widgets.big_button("unlock-submit", "Unlock", submit),
            app.banner(),
        ]

    app.set_screen(render)
