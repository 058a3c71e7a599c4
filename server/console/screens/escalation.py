"""One escalation: what, who, when; acknowledge it, resolve it with an outcome; its history."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console.context import Console, attempt
from server.console.screens.escalations import lone_facts, raised_by, what
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.services.escalation_board import EscalationPage, acknowledge, page, resolve
from sync import codes

# The history's events: the escalation's own states, and the office's steps.
EVENT_WORDS = {**{s.value: s.label for s in codes.EscalationState},
               "tier_called": "On-call ladder: tier called", "notice_sent": "Notice delivered",
               "notice_failed": "Notice NOT delivered",
               "red": "Turned red: no answer from the worker"}


class EscalationState:
    def __init__(self, console: Console, escalation_id: str):
        self.console = console
        self.escalation_id = escalation_id
        self.problem = ""
        self.page: EscalationPage = self._read()

    def _read(self) -> EscalationPage:
        c = self.console
        return page(c.engine, c.key(), c.coordinator, self.escalation_id, c.clock.now())

    def _act(self, action: Callable[[], None]) -> None:
        self.problem = attempt(action)
        self.page = self._read()

    def acknowledge(self) -> None:
        c = self.console
        self._act(lambda: acknowledge(c.engine, c.coordinator, self.escalation_id,
                                      c.clock.now()))

    def resolve(self, outcome: str | None, notes: str) -> None:
        c = self.console
        if not outcome:
            self.problem = "Choose an outcome before resolving."
            return
        self._act(lambda: resolve(c.engine, c.coordinator, self.escalation_id,
                                  c.clock.now(), outcome, notes))


def render_escalation(state: EscalationState, redraw: Callable[[], None]) -> list[ft.Control]:
    item, tz = state.page.item, state.console.tz
    e = item.escalation
    lines: list[ft.Control] = [
        ft.Row([button("console-back", "Back", state.console.back)]),
        heading(f"{codes.EscalationType(e.type).label}: {e.level or e.severity}"),
        ft.Text(f"{what(item)} · raised {local_hm(e.raised_at, tz)} by "
                f"{raised_by(item)} · reference {e.reference}"),
        *([ft.Text(f"Dose: {state.page.dose}")] if state.page.dose else []),
        *([ft.Text(lone_facts(item, tz))] if e.lone_working else []),
        ft.Text(_status(state)),
        problem(state.problem),
    ]
    if e.state == "raised":
        def ack() -> None:
            state.acknowledge()
            redraw()

        lines.append(button("console-escalation-ack", "Acknowledge", ack, icon=ft.Icons.CHECK))
    if e.state != "resolved":
        lines += _resolve_form(state, redraw)
    lines.append(heading("History"))
    lines += [small(f"{local_hm(ev.at, tz)}  {EVENT_WORDS.get(ev.event, ev.event)}"
                    f"{_detail(ev.detail)}") for ev in state.page.history]
    if state.page.deliveries:
        lines.append(heading("Notices"))
        lines += [small(f"{channel} to {target}: {status} after {attempts} attempt(s)")
                  for channel, target, status, attempts in state.page.deliveries]
    return lines


def _status(state: EscalationState) -> str:
    item, tz = state.page.item, state.console.tz
    e = item.escalation
    if e.state == "raised":
        return "Waiting for acknowledgement."
    said = (f"Acknowledged by {item.acknowledged_by_name or 'the office'} at "
            f"{local_hm(e.acknowledged_at, tz)}.")
    if e.state == "resolved" and e.outcome:
        said += f" Resolved at {local_hm(e.resolved_at, tz)}: "
        said += _outcome_label(e.outcome, e.lone_working) + "."
        if state.page.notes:
            said += f" Notes: {state.page.notes}"
    return said


def _resolve_form(state: EscalationState, redraw: Callable[[], None]) -> list[ft.Control]:
    choices = codes.AlertOutcome if state.page.item.escalation.lone_working \
        else codes.EscalationOutcome
    outcome = ft.Dropdown(label="Outcome", width=360, options=[
        ft.DropdownOption(key=o.value, text=o.label) for o in choices])
    notes = ft.TextField(label="Notes (what was done)", width=480, multiline=True)

    def save() -> None:
        state.resolve(outcome.value, notes.value or "")
        redraw()

    return [labelled("console-escalation-outcome", outcome),
            labelled("console-escalation-notes", notes),
            button("console-escalation-resolve", "Resolve", save, icon=ft.Icons.DONE_ALL)]


def _outcome_label(outcome: str, lone_working: bool) -> str:
    if lone_working:
        return codes.AlertOutcome(outcome).label
    return codes.EscalationOutcome(outcome).label


def _detail(detail: dict[str, object]) -> str:
    shown = {k: v for k, v in detail.items() if k in ("tier", "label", "outcome", "channel")}
    return "" if not shown else " (" + ", ".join(f"{k} {v}" for k, v in shown.items()) + ")"
