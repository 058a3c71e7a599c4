"""Settings: change the PIN, set or remove a duress PIN (each change asks for the current PIN,
so it works locked or not), and whether the worker takes observations (NEWS2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from fieldapp.services import FieldAppError, LockedOut
from screens import nav, widgets

DURESS_EXPLAINED = (
    "A duress PIN is a second PIN. It opens the app exactly as your PIN does, and quietly "
    "tells the office you need help. Use it if someone makes you open the app. Nothing on "
    "the screen shows that it was used."
)

# Display only: the office sets this per worker, and it arrives with the next sync.
TRAINED_WORDS = ("Your office has you down as trained to take observations, so escalations "
                 "offer the NEWS2 calculator.")
UNTRAINED_WORDS = ("Escalations offer the soft-signs checklist. If you are trained to take "
                   "observations, ask your office to switch on the NEWS2 calculator for you.")


def pin_field(identifier: str, label: str) -> ft.TextField:
    return widgets.field(identifier, label, password=True, numeric=True)


class SecurityScreen(nav.ScreenState):
    needs_unlock = False

    def __init__(self, app: nav.Shell):
        self.app = app
        self.current = pin_field("security-current", "Your PIN now")
        self.new = pin_field("security-new", "New PIN")
        self.new2 = pin_field("security-new2", "New PIN again")
        self.duress = pin_field("security-duress", "Duress PIN")
        self.duress2 = pin_field("security-duress2", "Duress PIN again")
        self.error = widgets.error_text()
        self.done = widgets.body("", color=widgets.OK, weight=ft.FontWeight.W_600)

    async def run(self, action: Callable[[], Awaitable[None]], ok: str) -> None:
        self.error.value = self.done.value = ""
        try:
            # Each change derives keys (a few hundred ms each): the services run it off the loop.
            await action()
        except LockedOut:
            self.app.forget_place()
            self.app.show_enrol()
            return
        except FieldAppError as exc:
            self.error.value = str(exc)
        else:
            self.done.value = ok
        for f in (self.current, self.new, self.new2, self.duress, self.duress2):
            f.value = ""
        self.app.refresh()

    def same(self, a: ft.TextField, b: ft.TextField) -> bool:
        if (a.value or "") != (b.value or ""):
            self.error.value = "The two PINs are different. Type the same PIN twice."
            self.done.value = ""
            self.app.refresh()
            return False
        return True

    async def change(self, _e: Any) -> None:
        if self.same(self.new, self.new2):
            pins = (self.current.value or "", self.new.value or "")
            await self.run(lambda: self.app.services.change_pin(*pins), "Your PIN was changed.")

    async def set_duress(self, _e: Any) -> None:
        if self.same(self.duress, self.duress2):
            pins = (self.current.value or "", self.duress.value or "")
            await self.run(lambda: self.app.services.set_duress_pin(*pins),
                           "Your duress PIN is set.")

    async def clear_duress(self, _e: Any) -> None:
        pin = self.current.value or ""
        await self.run(lambda: self.app.services.clear_duress_pin(pin),
                       "There is no duress PIN now.")

    def back(self, _e: Any) -> None:
        self.app.go(nav.DAY if self.app.services.unlocked else nav.UNLOCK)

    def render(self) -> list[ft.Control]:
        return render(self)


def render(s: SecurityScreen) -> list[ft.Control]:
    return [
        widgets.back_button("back", "Back", s.back),
        widgets.heading("Settings"),
        widgets.body(s.app.pin_rules, size=15),
        widgets.labelled("security-current", s.current),
        s.error, s.done,
        widgets.heading("Change your PIN", size=20),
        widgets.labelled("security-new", s.new),
        widgets.labelled("security-new2", s.new2),
        widgets.big_button("security-change", "Change PIN", s.change),
        widgets.heading("Duress PIN", size=20),
        widgets.body(DURESS_EXPLAINED, size=15),
        widgets.labelled("security-duress", s.duress),
        widgets.labelled("security-duress2", s.duress2),
        widgets.big_button("security-set-duress", "Set duress PIN", s.set_duress),
        widgets.big_button("security-clear-duress", "Remove duress PIN", s.clear_duress,
                           outlined=True),
        widgets.heading("Observations", size=20),
        widgets.labelled("settings-news2", widgets.body(
            TRAINED_WORDS if s.app.services.escalations.trained else UNTRAINED_WORDS, size=15)),
    ]
