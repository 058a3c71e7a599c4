"""The eMAR screen's view state: typed fields, picked outcomes, and what each tap saves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from fieldapp.services import (
    DoseLine,
    DoseSaved,
    FieldAppError,
    Medicine,
    NeedsConfirmation,
    Outcome,
    SupportLevel,
)
from screens import nav, widgets
from sync.codes import DoseEffect, PatchSite

# Everything in the stable code set that is not the big buttons (given/taken, refused).
OTHER_CODES = [Outcome.PARTIAL, Outcome.NOT_AVAILABLE, Outcome.ASLEEP, Outcome.NAUSEA_VOMITING,
               Outcome.HOSPITAL, Outcome.AWAY, Outcome.WITHHELD, Outcome.OTHER]


def primary_code(m: Medicine) -> Outcome:
    return Outcome.GIVEN if m.support_level is SupportLevel.ADMINISTER else Outcome.TAKEN


def saved_words(saved: DoseSaved) -> str:
    text = "Saved."
    if saved.flags:
        text += " Flagged: " + "; ".join(saved.flags) + "."
    if saved.escalations:
        text += " The office has been told automatically."
    return text


class MarState(nav.ScreenState):
    """One visit's medication round: each due dose one outcome, PRN within its limits."""

    def __init__(self, app: nav.Shell, visit_id: str):
        self.app = app
        self.visit_id = visit_id
        self.fields: dict[str, ft.TextField] = {}
        self.chosen: dict[str, Outcome] = {}  # card -> a non-taken outcome awaiting its reason
        self.confirming: dict[str, Outcome] = {}  # card -> a dose outside its window
        self.others_open: set[str] = set()
        self.messages: dict[str, tuple[str, str]] = {}  # card -> (text, colour)
        self.fixing: dict[str, str] = {}  # card -> the dose record being corrected
        self.fix_code: dict[str, Outcome] = {}
        self.fixes: dict[str, list[Any]] = {}
        self.sites: dict[str, PatchSite] = {}  # card -> the patch site picked
        self.removed: set[str] = set()  # cards whose old patch is confirmed off
        self.witness: dict[str, str] = {}  # card -> the staff id picked as witness

    def opened(self) -> None:
        # The office hears about missed time-critical doses as soon as the round is opened.
        medication = self.app.services.medication
        if medication.round(self.visit_id).checked_in_at is not None:
            if medication.raise_due_escalations(self.visit_id):
                self.app.request_sync()

    def field(self, ident: str, label: str, **kw: Any) -> ft.TextField:
        return self.fields.setdefault(ident, widgets.field(ident, label, **kw))

    def value(self, ident: str) -> str:
        return (self.fields[ident].value or "") if ident in self.fields else ""

    def say(self, card: str, text: str, colour: str = widgets.DANGER) -> None:
        self.messages = {card: (text, colour)}

    def outside_window(self, card: str, line: DoseLine | None) -> bool:
        """Whether the dose's time (typed, or now) falls outside the window the card shows."""
        if line is None:
            return False
        at = self.app.services.time_today(self.value(f"{card}-time")) or self.app.now()
        return line.needs_confirmation(at) is not None

    def amount(self, card: str) -> float | None:
        """The amount typed on a card ("1", "1.5", "2,5"); None when blank; a RuleViolation-
        like message when it is not a number."""
        text = self.value(f"{card}-amount").strip().replace(",", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValueError("Type the amount given as a number, e.g. 1 or 1.5.") from None

    def pick_site(self, card: str, site: PatchSite) -> None:
        self.sites[card] = site
        self.app.refresh()

    def pick_witness(self, card: str, witness_id: str) -> None:
        self.witness[card] = witness_id
        self.app.refresh()

    def toggle_removed(self, card: str, on: bool) -> None:
        if on:
            self.removed.add(card)
        else:
            self.removed.discard(card)

    def record_effect(self, card: str, dose_record_id: str, effect: DoseEffect) -> None:
        try:
            self.app.services.medication.record_effect(
                self.visit_id, dose_record_id, effect.value,
                self.value(f"{card}-note") or None)
        except FieldAppError as exc:
            self.say(card, str(exc))
        else:
            if f"{card}-note" in self.fields:
                self.fields[f"{card}-note"].value = ""
            self.say("effects", f"Effect saved: {effect.label}.", widgets.OK)
            self.app.request_sync()
        self.app.refresh()

    def record(self, card: str, m: Medicine, line: DoseLine | None, code: Outcome,
               confirmed: bool = False) -> None:
        scheduled = line.due.scheduled_at if line is not None else None
        try:
            amount = self.amount(card)
        except ValueError as exc:
            self.say(card, str(exc))
            self.app.refresh()
            return
        site = self.sites.get(card) or (line.next_site if line is not None else None)
        try:
            if (code.counts_as_dose and not confirmed and card not in self.confirming
                    and self.outside_window(card, line)):
                # Ask before saving: a dose outside its window is flagged and needs a reason.
                self.confirming[card] = code
                self.messages.clear()
                self.app.refresh()
                return
            saved = self.app.services.medication.record_dose(
                self.visit_id, m.id, scheduled, code.value,
                self.value(f"{card}-reason") or None,
                actual_at=self.app.services.time_today(self.value(f"{card}-time")),
                witness_id=self.witness.get(card),
                worker_name=self.app.services.identity().worker_name,
                confirm_reason=self.value(f"{card}-reason") if confirmed else None,
                amount=amount, patch_site=site.value if site and m.is_patch else None,
                old_patch_removed=card in self.removed if m.is_patch else None)
        except NeedsConfirmation:
            # The service knows the window too (a typed time may have moved the dose out).
            self.confirming[card] = code
            self.messages.clear()
        except FieldAppError as exc:
            self.say(card, str(exc))

        else:
            self.chosen.pop(card, None)
            self.confirming.pop(card, None)
            self.others_open.discard(card)
            self.sites.pop(card, None)
            self.removed.discard(card)
            self.witness.pop(card, None)
            for suffix in ("reason", "witness-find", "time", "amount"):
                if f"{card}-{suffix}" in self.fields:
                    self.fields[f"{card}-{suffix}"].value = ""
            self.say(card, saved_words(saved), widgets.OK if not saved.flags else widgets.WARN)
            self.app.request_sync()
        self.app.refresh()

    def confirm(self, card: str, m: Medicine, line: DoseLine | None) -> None:
        code = self.confirming.get(card)
        if code is None:
            return
        if not self.value(f"{card}-reason").strip():
            self.say(card, "Say why this dose is outside its time window before saving it.")
            self.app.refresh()
            return
        self.record(card, m, line, code, confirmed=True)

    def cancel_confirm(self, card: str) -> None:
        self.confirming.pop(card, None)
        self.messages.clear()
        self.app.refresh()

    def pick(self, card: str, code: Outcome) -> None:
        self.chosen[card] = code
        self.messages.clear()
        self.app.refresh()

    def toggle_others(self, card: str) -> None:
        self.others_open.symmetric_difference_update({card})
        self.app.refresh()

    def open_fix(self, card: str, record_id: str) -> None:
        self.fixing = {card: record_id}
        self.fix_code.clear()
        self.messages.clear()
        self.app.refresh()

    def choose_fix(self, card: str, code: Outcome) -> None:
        self.fix_code[card] = code
        self.app.refresh()

    def save_fix(self, card: str, record_id: str) -> None:
        code = self.fix_code.get(card)
        try:
            self.app.services.addenda.correct(record_id, self.value(f"{card}-fix-reason"),
                                            outcome=code.value if code else None)
        except FieldAppError as exc:
            self.say(card, str(exc))
        else:
            self.fixing.pop(card, None)
            self.fields[f"{card}-fix-reason"].value = ""
            self.say(card, "Correction saved. The original stays on the record.", widgets.OK)
            self.app.request_sync()
        self.app.refresh()

    def local(self, when: datetime) -> str:
        return self.app.local_time(when)
