"""A person's medicines list: each medicine as checked and in force, Add / Change / Stop (each a
new version waiting for a second coordinator's check), and the "needs review" mark. Opening it
opens the person's sealed record and medicines; the audit log says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import flet as ft

from server import med_form
from server.console.context import Console, mar_route
from server.console.screens.medicine_form import render_form
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.errors import ServerError
from server.services.medicines_list import (
    AllergyWarning,
    Entry,
    MedicinesList,
    add_medicine,
    change_medicine,
    mark_needs_review,
    read_list,
    reconcile,
    record_stock,
    set_dose_for_date,
    stop_medicine,
)


def medicines_route(service_user_id: str) -> str:
    return f"/people/{service_user_id}/medicines"


def history_route(service_user_id: str) -> str:
    return f"/people/{service_user_id}/medicines/history"


TO_CHECK = "/medicines/to-check"


class MedicinesState:
    def __init__(self, console: Console, service_user_id: str):
        self.console = console
        self.service_user_id = service_user_id
        self.editing: tuple[str, str | None] | None = None  # (add|change|stop, medicine id)
        self.form: dict[str, Any] = {}
        self.problem = ""
        self.error_field: str | None = None
        self.status = ""
        self.quantities: dict[str, str] = {}  # typed into a controlled drug's stock box
        self.listed: MedicinesList = self._read()

    def _read(self) -> MedicinesList:
        c = self.console
        return read_list(c.engine, c.key(), c.coordinator, self.service_user_id, c.clock)

    def start(self, mode: str, entry: Entry | None = None) -> None:
        """Open the form: empty to add, filled from the medicine to change or stop."""
        self.editing = (mode, entry.id if entry else None)
        self.form = med_form.form_of(entry.body) if entry else {"support_level": "prompt"}
        self.form.update(why="", source="", override="")
        if mode == "stop":
            self.form["stop_date"] = self.console.today().isoformat()
        if mode == "dose":
            self.form.update(dose_date=self.console.today().isoformat(), dose_amount="",
                             source="clinician_instruction")
        self.problem, self.error_field, self.status = "", None, ""

    def cancel(self) -> None:
        self.editing, self.form, self.problem, self.error_field = None, {}, "", None

    def save(self) -> None:
        """Propose the version; a refusal keeps everything typed and names the field."""
        if self.editing is None:
            return
        c, f = self.console, self.form
        mode, medicine_id = self.editing
        args = (c.engine, c.key(), c.coordinator, self.service_user_id)
        why, source = str(f.get("why") or ""), str(f.get("source") or "")
        try:
            if mode == "add":
                v = add_medicine(*args, f, why, source, str(f.get("override") or ""), c.clock)
            elif mode == "dose":
                v = set_dose_for_date(*args, str(medicine_id), str(f.get("dose_date") or ""),
                                      str(f.get("dose_amount") or ""), why, source, c.clock)
            elif mode == "change":
                v = change_medicine(*args, str(medicine_id), f, why, source,
                                    str(f.get("override") or ""), c.clock)
            else:
                v = stop_medicine(*args, str(medicine_id), str(f.get("stop_date") or ""),
                                  why, source, c.clock)
        except AllergyWarning as exc:
            self.problem, self.error_field = str(exc), "override"
            return
        except ServerError as exc:
            self.problem, self.error_field = str(exc), exc.field
            return
        self.cancel()
        self.status = (f"{v.body.get('name', 'Medicine')}: version {v.version} saved. It waits "
                       "for a second coordinator to check it before phones receive it.")
        self.listed = self._read()

    def stock(self, medicine_id: str, kind: str) -> None:
        c = self.console
        try:
            e = record_stock(c.engine, c.coordinator, self.service_user_id, medicine_id, kind,
                             self.quantities.get(medicine_id, ""), c.clock)
            self.problem = ""
            self.status = (f"Stock {e.kind}: {e.quantity:g}. Balance {e.balance:g}."
                           + (f" It should have been {e.expected:g}: the office has been told."
                              if e.expected is not None and e.expected != e.balance else ""))
            self.quantities.pop(medicine_id, None)
        except ServerError as exc:
            self.problem, self.status = str(exc), ""
        self.listed = self._read()

    def review(self, mark: bool) -> None:
        c = self.console
        try:
            (mark_needs_review if mark else reconcile)(c.engine, c.coordinator,
                                                        self.service_user_id, c.clock)
            self.problem = ""
        except ServerError as exc:
            self.problem = str(exc)
        self.listed = self._read()


def render_medicines(state: MedicinesState, redraw: Callable[[], None]) -> list[ft.Control]:
    m, c = state.listed, state.console

    def act(fn: Callable[[], None]) -> Callable[[], None]:
        def go() -> None:
            fn()
            redraw()
        return go

    top: list[ft.Control] = [
        ft.Row([button("console-back", "Back", c.back),
                button("console-med-add", "Add a medicine", act(lambda: state.start("add")),
                       icon=ft.Icons.ADD),
                button("console-med-history", "History of versions",
                       lambda: c.go(history_route(m.service_user_id)), icon=ft.Icons.HISTORY),
                button("console-med-to-check", "Changes to check", lambda: c.go(TO_CHECK),
                       icon=ft.Icons.FACT_CHECK),
                button("console-med-mar", "MAR chart", lambda: c.go(mar_route(
                    m.service_user_id)), icon=ft.Icons.TABLE_CHART),
                button("console-med-care-plan", "Care plan",
                       lambda: c.go(f"/people/{m.service_user_id}/care-plan"),
                       icon=ft.Icons.CHECKLIST)], wrap=True),
        heading(f"Medicines: {m.person_name}"),
        ft.Text(f"Allergies: {', '.join(m.allergies) or 'None recorded'}. Opening this list "
                "was logged in the audit trail."),
        _review(state, act),
        ft.Text(state.status, color=ft.Colors.GREEN_900),
    ]
    if state.editing is not None:
        top += render_form(state, redraw)
    else:
        top.append(problem(state.problem))
    today = c.today()
    top += [_entry(state, n, e, e.stopped(today), act) for n, e in enumerate(m.entries)]
    top += [labelled(f"console-med-new-{n}", ft.Container(ft.Column([
        ft.Text(f"{v.body.get('name', '')} {v.body.get('strength', '')} (new)",
                weight=ft.FontWeight.BOLD),
        ft.Text(_dose_words(v.body)),
        ft.Text("Waiting for a second coordinator's check", color=ft.Colors.ORANGE_900)],
        spacing=2), padding=12, border=ft.Border.all(2, ft.Colors.ORANGE_700),
        border_radius=8, width=900)) for n, v in enumerate(m.added)]
    return top


def _review(state: MedicinesState, act: Callable[..., Callable[[], None]]) -> ft.Control:
    r, tz = state.listed.review, state.console.tz
    if r is not None and r.open:
        return ft.Row([
            ft.Text(f"NEEDS REVIEW since {local_hm(r.marked_at, tz)} "
                    f"{r.marked_at[:10]}: phones show it on every visit until reconciled.",
                    color=ft.Colors.RED_800, weight=ft.FontWeight.BOLD),
            button("console-med-reconcile", "Reconciled with the discharge letter",
                   act(lambda: state.review(False)), icon=ft.Icons.TASK_ALT)], wrap=True)
    return button("console-med-needs-review", "Mark as needing review (hospital stay)",
                  act(lambda: state.review(True)), icon=ft.Icons.LOCAL_HOSPITAL)


def _stock(state: MedicinesState, n: int, e: Entry,
           act: Callable[..., Callable[[], None]]) -> list[ft.Control]:
    """A controlled drug's running balance, and stock received or counted."""
    balance = state.listed.stock.get(e.id)
    box = ft.TextField(label="Quantity", width=120, value=state.quantities.get(e.id, ""))

    def typed(ev: ft.Event[ft.TextField]) -> None:
        state.quantities[e.id] = ev.control.value or ""

    box.on_change = typed
    return [ft.Text("Stock: not recorded yet" if balance is None else f"Stock: {balance:g}",
                    weight=ft.FontWeight.BOLD),
            labelled(f"console-med-stock-qty-{n}", box, "Stock quantity"),
            button(f"console-med-stock-received-{n}", "Stock received",
                   act(lambda: state.stock(e.id, "received")), icon=ft.Icons.INVENTORY),
            button(f"console-med-stock-counted-{n}", "Stock counted",
                   act(lambda: state.stock(e.id, "counted")), icon=ft.Icons.CHECKLIST)]


def _per_date(body: dict[str, Any]) -> dict[str, Any] | None:
    amount = body.get("amount")
    return amount if isinstance(amount, dict) and amount.get("kind") == "per_date" else None


def _dates_words(amount: dict[str, Any], today: date) -> str:
    """The doses set for today and the next six days ("none set" where a clinician's dose is
    still missing: the phone shows nothing to give on such a day)."""
    by_date, unit = amount.get("by_date") or {}, amount.get("unit", "")
    days = [today + timedelta(days=i) for i in range(7)]
    return "Doses set per date: " + " · ".join(
        f"{d:%a %d %b} " + (f"{by_date[d.isoformat()]:g} {unit}".strip()
                            if d.isoformat() in by_date else "none set") for d in days)


def _dose_words(b: dict[str, Any]) -> str:
    prn = b.get("prn")
    when = (f"as needed: {prn.get('reason_hint', '')}, at least "
            f"{prn.get('min_interval_hours', '?')} h apart, at most "
            f"{prn.get('max_doses_24h', '?')} in 24 h" if prn
            else "at " + ", ".join(b.get("times") or []) if b.get("times") else "")
    return " · ".join(x for x in (b.get("dose", ""), b.get("route", ""), when,
                                  f"support: {b.get('support_level', '')}") if x)


def _entry(state: MedicinesState, n: int, e: Entry, stopped: bool,
           act: Callable[..., Callable[[], None]]) -> ft.Control:
    b = e.body
    flags = [w for k, w in (("time_critical", "TIME-CRITICAL"), ("controlled", "CONTROLLED DRUG"),
                            ("covert", "COVERT (best-interests decision recorded)")) if b.get(k)]
    dates = f"from {b.get('start_date') or '?'}" + (f" to {b['stop_date']}"
                                                   if b.get("stop_date") else "")
    actions: list[ft.Control] = []
    if e.waiting is not None:
        actions.append(ft.Text(f"A change (version {e.waiting.version}) waits for its check",
                               color=ft.Colors.ORANGE_900))
    elif not stopped and state.editing is None:
        actions += [button(f"console-med-change-{n}", "Change",
                           act(lambda: state.start("change", e)), icon=ft.Icons.EDIT),
                    button(f"console-med-stop-{n}", "Stop",
                           act(lambda: state.start("stop", e)), icon=ft.Icons.STOP_CIRCLE)]
    if b.get("controlled") and not stopped:
        actions += _stock(state, n, e, act)
    per_date = _per_date(b)
    if per_date is not None and not stopped and state.editing is None and e.waiting is None:
        actions.append(button(f"console-med-dose-date-{n}", "Dose for a date",
                              act(lambda: state.start("dose", e)), icon=ft.Icons.EVENT))
    return labelled(f"console-med-{n}", ft.Container(ft.Column([
        ft.Text(f"{b.get('name', '')} {b.get('strength', '')} {b.get('form', '')}"
                + (" — STOPPED" if stopped else ""), weight=ft.FontWeight.BOLD,
                color=ft.Colors.GREY_600 if stopped else None),
        ft.Text(_dose_words(b)),
        small(f"Version {e.version} · {dates}" + (f" · {' · '.join(flags)}" if flags else "")),
        *([small(f"Instructions: {b['instructions']}")] if b.get("instructions") else []),
        *([ft.Text(_dates_words(per_date, state.console.today()),
                   color=ft.Colors.RED_800 if "none set" in _dates_words(
                       per_date, state.console.today()) else None)]
          if per_date is not None else []),
        *([ft.Row(actions, wrap=True)] if actions else []),
    ], spacing=2), padding=12, border=ft.Border.all(1, ft.Colors.GREY_400), border_radius=8,
        width=900), label=f"Medicine {b.get('name', '')}")
