"""Enrol this phone with a code from the office and choose a PIN — first run, or again after a
lockout or a withdrawal."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.errors import FieldAppError
from fieldapp.services.device import LOCKED_OUT_MESSAGE, Enrolment
from fieldapp.vault.dek import PIN_RULES, check_pin_policy
from fieldapp.vault.keystore import prepare_keystore
from screens import widgets
from screens.app import WorkerApp
from sync.client import EnrolmentFailed, SyncState, enrol


def show_enrol(app: WorkerApp, message: str = "") -> None:
    server = widgets.field("enrol-server", "Office server address", value=app.server_url)
    code = widgets.field("enrol-code", "Enrolment code from the office", hint="e.g. K7PX-3MQD-W9RT")
    pin = widgets.field("enrol-pin", "Choose a PIN (6 or more digits)", password=True, numeric=True)
    pin2 = widgets.field("enrol-pin2", "Type the PIN again", password=True, numeric=True)
    error = widgets.error_text()
    progress = ft.ProgressRing(visible=False, width=28, height=28)

    def fail(text: str) -> None:
        error.value = text
        progress.visible = False
        app.refresh()

    async def old_queue_sent() -> bool:
        """After a lockout, send what the old enrolment still has queued, with its own token."""
        result = await app.sync_now()
        if not app.device.enrolled:  # the office withdrew the phone meanwhile: it has erased
            return True
        waiting = app.store.rows("SELECT COUNT(*) AS n FROM outbox")[0]["n"]
        # An unknown old token can never send them: they go with the new enrolment instead.
        return waiting == 0 or result.state is SyncState.SIGNED_OUT

    async def submit(_e: Any) -> None:
        error.value = ""
        if (pin.value or "") != (pin2.value or ""):
            fail("The two PINs are different. Type the same PIN twice.")
            return
        try:
            # Before the code is used up: a refused PIN must not cost the worker their code.
            check_pin_policy(pin.value or "")
        except FieldAppError as exc:
            fail(str(exc))
            return
        progress.visible = True
        app.refresh()
        if app.device.locked_out and not await old_queue_sent():
            fail("Records from before the lockout are still waiting to be sent to the office. "
                 "Connect to the internet and try again, or call the office.")
            return
        try:
            data = await enrol(app.http, server.value or "", code.value or "")
            enrolment = Enrolment.from_server(server.value or "", data)
            if app.device.enrolled:
                app.device.reset_for_reenrolment()
            await prepare_keystore(app.device.keystore)
            # Deriving the key takes a few hundred ms on purpose; keep the screen responsive.
            await app.page.loop.run_in_executor(
                None, app.device.complete_enrolment, enrolment, pin.value or ""
            )
        except (EnrolmentFailed, FieldAppError) as exc:
            fail(str(exc))
            return
        pin.value = pin2.value = code.value = ""
        app.after_unlock()

    def intro() -> list[ft.Control]:
        if app.device.locked_out:
            return [widgets.heading("Set up this phone again"),
                    widgets.body(LOCKED_OUT_MESSAGE, color=widgets.DANGER)]
        lines = [widgets.heading("Set up this phone")]
        if message:
            lines.append(widgets.body(message, color=widgets.DANGER))
        lines.append(widgets.body("The office gives you an enrolment code. Your PIN protects "
                                  "the records kept on this phone; do not share it."))
        return lines

    def render() -> list[ft.Control]:
        return [
            *intro(),
            widgets.labelled("enrol-server", server),
            widgets.labelled("enrol-code", code),
            widgets.body(PIN_RULES, size=14),
            widgets.labelled("enrol-pin", pin),
            widgets.labelled("enrol-pin2", pin2),
            error,
            ft.Row([progress]),
            widgets.big_button("enrol-submit", "Enrol this phone", submit),
        ]

    app.set_screen(render)
