"""First run: enrol this phone with a code from the office and choose a PIN."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.device import Enrolment
from fieldapp.errors import FieldAppError
from screens import widgets
from screens.app import WorkerApp
from sync.client import EnrolmentFailed, enrol


def show_enrol(app: WorkerApp) -> None:
    server = widgets.field("enrol-server", "Office server address", value=app.server_url)
    code = widgets.field("enrol-code", "Enrolment code from the office", hint="e.g. K7PX-3MQD-W9RT")
    pin = widgets.field("enrol-pin", "Choose a PIN (6 or more digits)", password=True, numeric=True)
    pin2 = widgets.field("enrol-pin2", "Type the PIN again", password=True, numeric=True)
    error = widgets.error_text()
    progress = ft.ProgressRing(visible=False, width=28, height=28)

    async def submit(_e: Any) -> None:
        error.value = ""
        if (pin.value or "") != (pin2.value or ""):
            error.value = "The two PINs are different. Type the same PIN twice."
            app.page.update()
            return
        progress.visible = True
        app.page.update()
        try:
            data = await enrol(app.http, server.value or "", code.value or "")
            enrolment = Enrolment.from_server(server.value or "", data)
            # Deriving the key takes a few hundred ms on purpose; keep the screen responsive.
            await app.page.loop.run_in_executor(
                None, app.device.complete_enrolment, enrolment, pin.value or ""
            )
        except (EnrolmentFailed, FieldAppError) as exc:
            error.value = str(exc)
            progress.visible = False
            app.page.update()
            return
        app.after_unlock()

    def render() -> list[ft.Control]:
        return [
            widgets.heading("Set up this phone"),
            widgets.body("The office gives you an enrolment code. Your PIN protects the records "
                         "kept on this phone; do not share it."),
            widgets.labelled("enrol-server", server),
            widgets.labelled("enrol-code", code),
            widgets.labelled("enrol-pin", pin),
            widgets.labelled("enrol-pin2", pin2),
            error,
            ft.Row([progress]),
            widgets.big_button("enrol-submit", "Enrol this phone", submit),
        ]

    app.set_screen(render)
