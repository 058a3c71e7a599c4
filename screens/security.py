"""PIN settings: change the PIN, and set or remove a duress PIN. Every change asks for the
current PIN, so it works whether or not the app is unlocked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.errors import FieldAppError, LockedOut
from fieldapp.vault.dek import PIN_RULES
from screens import widgets
from screens.app import WorkerApp

DURESS_EXPLAINED = (
    "A duress PIN is a second PIN. It opens the app exactly as your PIN does, and quietly "
    "tells the office you need help. Use it if someone makes you open the app. Nothing on "
    "the screen shows that it was used."
)


def show_security(app: WorkerApp) -> None:
    from screens.day import show_day
    from screens.enrol import show_enrol
    from screens.unlock import show_unlock

    def pin_field(identifier: str, label: str) -> ft.TextField:
        return widgets.field(identifier, label, password=True, numeric=True)

    current = pin_field("security-current", "Your PIN now")
    new, new2 = pin_field("security-new", "New PIN"), pin_field("security-new2", "New PIN again")
    duress = pin_field("security-duress", "Duress PIN")
    duress2 = pin_field("security-duress2", "Duress PIN again")
    error, done = widgets.error_text(), widgets.body("", color=widgets.OK,
                                                     weight=ft.FontWeight.W_600)

    async def run(action: Callable[[], None], ok: str) -> None:
        error.value = done.value = ""
        try:
            # Each change derives keys (a few hundred ms each): off the event loop.
            await app.page.loop.run_in_executor(None, action)
        except LockedOut:
            app.forget_place()
            show_enrol(app)
            return
        except FieldAppError as exc:
            error.value = str(exc)
        else:
            done.value = ok
        for f in (current, new, new2, duress, duress2):
            f.value = ""
        app.refresh()

    def same(a: ft.TextField, b: ft.TextField) -> bool:
        if (a.value or "") != (b.value or ""):
            error.value, done.value = "The two PINs are different. Type the same PIN twice.", ""
            app.refresh()
            return False
        return True

    async def change(_e: Any) -> None:
        if same(new, new2):
            pins = (current.value or "", new.value or "")
            await run(lambda: app.device.change_pin(*pins), "Your PIN was changed.")

    async def set_duress(_e: Any) -> None:
        if same(duress, duress2):
            pins = (current.value or "", duress.value or "")
            await run(lambda: app.device.set_duress_pin(*pins), "Your duress PIN is set.")

    async def clear_duress(_e: Any) -> None:
        pin = current.value or ""
        await run(lambda: app.device.clear_duress_pin(pin), "There is no duress PIN now.")

    def back(_e: Any) -> None:
        if app.device.unlocked:
            show_day(app)
        else:
            show_unlock(app)

    def render() -> list[ft.Control]:
        return [
            widgets.labelled("back", ft.TextButton("Back", icon=ft.Icons.ARROW_BACK, on_click=back,
                                                   height=widgets.TOUCH), label="Back"),
            widgets.heading("PIN settings"),
            widgets.body(PIN_RULES, size=15),
            widgets.labelled("security-current", current),
            error, done,
            widgets.heading("Change your PIN", size=20),
            widgets.labelled("security-new", new),
            widgets.labelled("security-new2", new2),
            widgets.big_button("security-change", "Change PIN", change),
            widgets.heading("Duress PIN", size=20),
            widgets.body(DURESS_EXPLAINED, size=15),
            widgets.labelled("security-duress", duress),
            widgets.labelled("security-duress2", duress2),
            widgets.big_button("security-set-duress", "Set duress PIN", set_duress),
            widgets.big_button("security-clear-duress", "Remove duress PIN", clear_duress,
                               outlined=True),
        ]

    app.set_screen(render)
