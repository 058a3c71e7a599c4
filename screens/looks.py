"""How an answer looks: colour, icon and words per outcome, so "done" is never confused with
"not done", "refused" or "partly done", and a flagged dose is never shown as plainly done."""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from screens.widgets import DANGER, OK, WARN
from sync.codes import DoseOutcome, TaskOutcome

NEUTRAL = ft.Colors.GREY_800
REFUSED = ft.Colors.DEEP_ORANGE_900


@dataclass(frozen=True)
class Look:
    colour: str
    icon: ft.IconData
    word: str


TASK_LOOKS = {
    TaskOutcome.DONE: Look(OK, ft.Icons.CHECK_CIRCLE, "Done"),
    TaskOutcome.PARTLY_DONE: Look(WARN, ft.Icons.INCOMPLETE_CIRCLE, "Partly done"),
    TaskOutcome.REFUSED: Look(REFUSED, ft.Icons.BLOCK, "Refused"),
    TaskOutcome.NOT_DONE: Look(DANGER, ft.Icons.CANCEL, "Not done"),
    TaskOutcome.NOT_REQUIRED: Look(NEUTRAL, ft.Icons.REMOVE_CIRCLE_OUTLINE, "Not needed"),
}

# Dose outcomes other than given/taken: some of it went in (partial) or none did.
_DOSE_LOOKS = {
    DoseOutcome.GIVEN: Look(OK, ft.Icons.CHECK_CIRCLE, "Given"),
    DoseOutcome.TAKEN: Look(OK, ft.Icons.CHECK_CIRCLE, "Taken"),
    DoseOutcome.PARTIAL: Look(WARN, ft.Icons.INCOMPLETE_CIRCLE, "Partly taken"),
    DoseOutcome.REFUSED: Look(REFUSED, ft.Icons.BLOCK, "Refused"),
}
FLAGGED = Look(WARN, ft.Icons.WARNING_AMBER, "FLAGGED")


def task_look(outcome: str) -> Look:
    return TASK_LOOKS.get(outcome, Look(NEUTRAL, ft.Icons.HELP_OUTLINE,
                                        outcome.replace("_", " ").capitalize()))


def dose_look(outcome: str, label: str, flagged: bool) -> Look:
    """A flagged dose is amber with a warning icon whatever its outcome: never the green tick."""
    if flagged:
        return Look(FLAGGED.colour, FLAGGED.icon, label)
    look = _DOSE_LOOKS.get(outcome)
    return look if look is not None else Look(DANGER, ft.Icons.DO_NOT_DISTURB_ON, label)


_NONE_KNOWN = {"no known allergies", "nka", "nkda", "no known drug allergies", "none known"}


def allergy_words(allergies: list[str]) -> tuple[str, bool]:
    """The allergies line and whether it is an alarm: "No known allergies" is not one."""
    real = [a for a in allergies if a.strip().casefold() not in _NONE_KNOWN]
    if real:
        return ", ".join(real), True
    return "No known allergies", False
