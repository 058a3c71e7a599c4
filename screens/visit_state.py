"""The visit screen's view state: what the worker has typed and picked, and what each tap does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.services import CheckOutBlocked, FieldAppError, VisitDetail
from screens import nav, widgets
from screens.sos_button import SosButton

QUICK_PHRASES = [
    "In good spirits",
    "Ate well",
    "Drank well",
    "Skin checked, no concerns",
    "Seemed tired",
    "Family visiting",
]
NO_FIX = "Your location could not be found, so none was recorded. The {what} is saved."


class VisitState(nav.ScreenState):
    """One visit: check-in, the checklist, notes, corrections and check-out."""

    def __init__(self, app: nav.Shell, visit_id: str):
        self.app = app
        self.visit_id = visit_id
        self.error = widgets.error_text()
        self.where = "end"  # which part of the screen the error belongs to
        self.notice = ""  # a plain remark after a save (location not found)
        self.not_done_open: set[str] = set()
        self.reasons: dict[str, ft.TextField] = {}
        self.fluids: dict[str, tuple[ft.TextField, ft.TextField]] = {}
        self.note = widgets.field("note-text", "Visit note", multiline=True)
        self.picked: list[str] = []
        self.for_handover = False  # the note goes into the end-of-shift handover
        self.checkin_reason = widgets.field("checkin-reason", "Reason for arriving early or late")
        self.checkout_reason = widgets.field("checkout-reason",
                                             "Reason for leaving early or late")
        self.fixing: dict[str, str] = {}  # record id being corrected -> its identifier prefix
        self.fix_reason = widgets.field("correct-reason", "Why is this being corrected?")
        self.fix_text = widgets.field("correct-text", "What it should say")
        self.detail: VisitDetail | None = None  # read once per render
        self.sos = SosButton(app)

    # --- errors next to the thing the worker just tapped ----------------------------------
    def error_here(self, place: str) -> list[ft.Control]:
        return [self.error] if self.where == place and self.error.value else []

    def act(self, fn: Callable[..., Any], *args: Any, at: str = "end", **kwargs: Any) -> bool:
        self.error.value = ""
        self.notice = ""
        self.where = at
        try:
            fn(*args, **kwargs)
        except CheckOutBlocked as exc:
            self.error.value = exc.details()
        except FieldAppError as exc:
            self.error.value = str(exc)
        else:
            self.app.request_sync()
        self.app.refresh()
        return not self.error.value

    def say(self, at: str, text: str) -> None:
        self.error.value, self.where = text, at
        self.app.refresh()

    # --- check-in and check-out -----------------------------------------------------------
    def set_sharing(self, e: Any) -> None:
        self.app.share_location = bool(e.control.value)

    async def check_in(self, _e: Any) -> None:
        share = self.app.share_location
        where = await self.app.locate() if share else None
        if self.act(self.app.services.visits.check_in, self.visit_id,
                    self.checkin_reason.value or None, at="check-in", location=where,
                    location_consent=share) and share and where is None:
            self.notice = NO_FIX.format(what="check-in")
            self.app.refresh()

    async def check_out(self, _e: Any) -> None:
        share = self.app.share_location
        where = await self.app.locate() if share else None
        if self.act(self.app.services.visits.check_out, self.visit_id,
                    self.checkout_reason.value or None, location=where,
                    location_consent=share) and share and where is None:
            self.notice = NO_FIX.format(what="check-out")
            self.app.refresh()

    # --- tasks ----------------------------------------------------------------------------
    def toggle_not_done(self, task_id: str) -> None:
        self.not_done_open.symmetric_difference_update({task_id})
        self.app.refresh()

    def answer(self, index: int, task_id: str, outcome: str, reason: str | None = None) -> None:
        amounts: list[int | None] = [None, None]
        ml = self.fluids.get(task_id)
        if ml is not None and (ml[0].value or ml[1].value):
            try:
                amounts = [int(ml[0].value or ""), int(ml[1].value or "")]
            except ValueError:
                self.say(f"task-{index}", "Enter the fluid offered and taken as whole ml, "
                         "e.g. 200.")
                return
        self.act(self.app.services.visits.record_task, self.visit_id, task_id, outcome, reason,
                 *amounts, at=f"task-{index}")

    # --- notes and corrections ------------------------------------------------------------
    def flip_phrase(self, text: str) -> None:
        if text in self.picked:
            self.picked.remove(text)
        else:
            self.picked.append(text)
        self.app.refresh()

    def save_note(self) -> None:
        if self.act(self.app.services.visits.add_note, self.visit_id, self.note.value or "",
                    list(self.picked), at="note", for_handover=self.for_handover):
            self.note.value = ""
            self.picked.clear()
            self.for_handover = False
            self.app.refresh()

    def set_for_handover(self, e: Any) -> None:
        self.for_handover = bool(e.control.value)

    def open_fix(self, record_id: str, prefix: str) -> None:
        self.fixing = {record_id: prefix}
        self.app.refresh()

    def save_fix(self, record_id: str, prefix: str) -> None:
        if self.act(self.app.services.addenda.correct, record_id, self.fix_reason.value or "",
                    at=f"fix-{prefix}", text=self.fix_text.value or ""):
            self.fixing.clear()
            self.fix_reason.value = self.fix_text.value = ""
            self.app.refresh()

    def open_mar(self) -> None:
        self.app.go(nav.mar_route(self.visit_id))
