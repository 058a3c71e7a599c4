"""The Add / Change / Stop form of a person's medicines list: every box labelled, what was typed
kept when the office refuses it, and the refused box named in red under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import flet as ft

from server.console.widgets import button, labelled, problem
from server.med_versions import Source
from sync.codes import SupportLevel


class MedicinesState(Protocol):
    """What the form needs of the list screen's state (server/console/screens/medicines.py)."""

    editing: tuple[str, str | None] | None
    form: dict[str, Any]
    problem: str
    error_field: str | None

    def save(self) -> None: ...

    def cancel(self) -> None: ...

TEXTS = (("name", "Medicine name"), ("ingredient", "Active ingredient (for the allergy check)"),
         ("strength", "Strength (e.g. 5 mg)"), ("form", "Form (tablet, liquid, patch ...)"),
         ("dose", "Dose (e.g. 1 tablet)"), ("route", "Route (e.g. oral)"),
         ("times", "Times, 24-hour (e.g. 08:00, 20:00)"),
         ("start_date", "Start date (YYYY-MM-DD)"), ("stop_date", "Stop date (optional)"),
         ("instructions", "Special instructions"))
PRN_TEXTS = (("prn_reason", "What it is for (PRN)"),
             ("prn_min_interval_hours", "Minimum gap between doses (hours)"),
             ("prn_max_doses_24h", "Most doses in 24 hours"))
FLAGS = (("prn", "As needed (PRN)"), ("time_critical", "Time-critical"),
         ("controlled", "Controlled drug (witness needed)"),
         ("covert", "Given covertly (best-interests decision)"))
WHY = "Why the list is changing (e.g. dose changed by the GP)"
OVERRIDE = "Allergy warning: why it is right to add it anyway"


def render_form(state: MedicinesState, redraw: Callable[[], None]) -> list[ft.Control]:
    assert state.editing is not None
    mode, _ = state.editing
    f = state.form

    def text(field: str, label: str, multiline: bool = False) -> ft.Control:
        def changed(e: ft.Event[ft.TextField]) -> None:
            f[field] = e.control.value

        box = ft.TextField(label=label, value=str(f.get(field) or ""), width=420,
                           multiline=multiline, on_change=changed,
                           error=_error(state, field))
        return labelled(f"console-med-field-{field}", box, label)

    def flag(field: str, label: str) -> ft.Control:
        def changed(e: ft.Event[ft.Checkbox]) -> None:
            f[field] = bool(e.control.value)
            redraw()  # PRN and covert open their own boxes

        return ft.Container(labelled(f"console-med-field-{field}", ft.Checkbox(
            label=label, value=bool(f.get(field)), on_change=changed), label), width=300)

    def choice(field: str, label: str, options: list[tuple[str, str]]) -> ft.Control:
        """One chip per option (one tap each, and each findable by its own identifier)."""
        def pick(key: str) -> Callable[[ft.Event[ft.Chip]], None]:
            def picked(_e: ft.Event[ft.Chip]) -> None:
                f[field] = key
                redraw()
            return picked

        chips: list[ft.Control] = [labelled(f"console-med-{field}-{k}", ft.Chip(
            label=ft.Text(t), selected=f.get(field) == k, on_select=pick(k)), t)
            for k, t in options]
        said = _error(state, field)
        return ft.Column([ft.Text(label, weight=ft.FontWeight.W_500),
                          ft.Row(chips, wrap=True),
                          *([ft.Text(said, color=ft.Colors.RED_800)] if said else [])],
                         spacing=4)

    title = {"add": "Add a medicine", "change": f"Change {f.get('name', '')}",
             "stop": f"Stop {f.get('name', '')}",
             "dose": f"Dose of {f.get('name', '')} for a date"}[mode]
    boxes: list[ft.Control] = [ft.Text(title, size=18, weight=ft.FontWeight.BOLD)]
    if mode == "stop":
        boxes.append(text("stop_date", "Last day it is given (YYYY-MM-DD)"))
    elif mode == "dose":
        boxes += [text("dose_date", "Date (YYYY-MM-DD)"),
                  text("dose_amount", "Dose on that date (in the medicine's unit)")]
    else:
        boxes += [text(k, label, k == "instructions") for k, label in TEXTS]
        boxes.append(choice("support_level", "Support level",
                            [(s.value, s.label) for s in SupportLevel]))
        boxes.append(ft.Row([flag(k, label) for k, label in FLAGS], wrap=True))
        if f.get("prn"):
            boxes += [text(k, label) for k, label in PRN_TEXTS]
        if f.get("covert"):
            boxes.append(text("best_interests", "Best-interests decision: who decided, when, "
                                                "pharmacist's advice", multiline=True))
    boxes += [text("why", WHY, multiline=True),
              choice("source", "Source", [(s.value, s.label) for s in Source])]
    if state.error_field == "override" or f.get("override"):
        boxes.append(text("override", OVERRIDE, multiline=True))

    def save() -> None:
        state.save()
        redraw()

    def cancel() -> None:
        state.cancel()
        redraw()

    boxes += [problem(state.problem), ft.Row([
        button("console-med-save", "Save for a second check", save, icon=ft.Icons.SAVE),
        button("console-med-cancel", "Cancel", cancel)])]
    return [ft.Container(ft.Column(boxes, spacing=8), padding=16, width=900,
                         border=ft.Border.all(2, ft.Colors.BLUE_700), border_radius=8)]


def _error(state: MedicinesState, field: str) -> Any:
    return state.problem if state.error_field == field else None
