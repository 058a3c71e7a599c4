"""The live board of lone working: alerts with their actions, overdue visits, workers on visits.

It refreshes itself like the escalation queue. An alert's close form (outcome and notes) is kept
in the view state across refreshes, so a coordinator's half-written notes survive the board
updating underneath them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import flet as ft

from server.console import live
from server.console.context import Console, attempt, escalation_route
from server.console.screens.escalations import LEVEL_COLOURS, lone_facts
from server.console.widgets import heading, labelled, local_hm, problem, small
from server.services.escalation_board import QueueItem, acknowledge, resolve
from server.services.lone_board import LoneBoard, OnVisit, board
from sync import codes

REFRESH_SECONDS = 5.0
LONE_WORKING = "/lone-working"


class CloseForm:
    """One alert's notes field, built once and kept while the alert is open."""

    def __init__(self) -> None:
        self.notes = ft.TextField(label="Notes (what was done)", width=360, multiline=True)


class LoneWorkingState:
    def __init__(self, console: Console):
        self.console = console
        self.ticking = False
        self.problems: dict[str, str] = {}  # by escalation id
        self.forms: dict[str, CloseForm] = {}
        self.board: LoneBoard = self._read()

    def _read(self) -> LoneBoard:
        c = self.console
        return board(c.engine, c.coordinator, c.clock.now())

    def refresh(self) -> None:
        self.board = self._read()
        still_open = {a.escalation.id for a in self.board.alerts}
        self.forms = {k: f for k, f in self.forms.items() if k in still_open}

    def form(self, escalation_id: str) -> CloseForm:
        return self.forms.setdefault(escalation_id, CloseForm())

    def _act(self, escalation_id: str, action: Callable[[], None]) -> None:
        self.problems[escalation_id] = attempt(action)
        self.refresh()

    def acknowledge(self, escalation_id: str) -> None:
        c = self.console
        self._act(escalation_id, lambda: acknowledge(c.engine, c.coordinator, escalation_id,
                                                     c.clock.now()))

    def close(self, escalation_id: str, outcome: str) -> None:
        """Resolve with `outcome`; the notes are sealed and their reading audited."""
        c, notes = self.console, self.form(escalation_id).notes.value or ""
        self._act(escalation_id, lambda: resolve(c.engine, c.coordinator, escalation_id,
                                                 c.clock.now(), outcome, notes))

    def keep_fresh(self, redraw: Callable[[], None]) -> None:
        """Refresh every few seconds while this screen is showing: new alerts appear unasked."""
        live.keep_fresh(self, redraw, REFRESH_SECONDS)


def render_lone_working(state: LoneWorkingState,
                        redraw: Callable[[], None]) -> list[ft.Control]:
    state.keep_fresh(redraw)
    b = state.board
    return [
        heading("Lone working now"),
        labelled("lone-summary", ft.Text(
            f"{len(b.on_visits) + len(b.overdue)} on visits, {len(b.overdue)} overdue, "
            f"{len(b.alerts)} open alerts ({b.red} red). Updated "
            f"{local_hm(b.now.isoformat(), state.console.tz)}; this board updates by itself.")),
        heading("Alerts"),
        *([ft.Text("No open lone-working alerts.")] if not b.alerts else []),
        *[_alert(state, a, redraw) for a in b.alerts],
        heading("Overdue: past the expected end, not checked out"),
        *([ft.Text("Nobody is overdue.")] if not b.overdue else []),
        *[_session(state, s, "lone-overdue") for s in b.overdue],
        heading("On visits now"),
        *([ft.Text("Nobody else is on a visit.")] if not b.on_visits else []),
        *[_session(state, s, "lone-on-visit") for s in b.on_visits],
    ]


def _alert(state: LoneWorkingState, item: QueueItem, redraw: Callable[[], None]) -> ft.Control:
    e, tz = item.escalation, state.console.tz
    colour = LEVEL_COLOURS.get(e.level or "", ft.Colors.GREY_800)
    ref = e.reference
    status = ("Waiting for acknowledgement" if e.state == "raised"
              else f"Acknowledged by {item.acknowledged_by_name or 'the office'} "
                   f"at {local_hm(e.acknowledged_at, tz)}")

    def act(action: Callable[[], None]) -> Callable[[object], None]:
        def handler(_e: object) -> None:
            action()
            redraw()
        return handler

    actions: list[ft.Control] = []
    if e.state == "raised":
        actions.append(labelled(f"lone-alert-ack-{ref}", ft.Button(
            "Acknowledge", icon=ft.Icons.CHECK, on_click=act(lambda: state.acknowledge(e.id))),
            label=f"Acknowledge alert {ref}"))
    actions.append(labelled(f"lone-alert-notes-{ref}", state.form(e.id).notes,
                            label=f"Notes for alert {ref}"))
    actions.append(ft.Row([labelled(f"lone-alert-close-{o.value}-{ref}", ft.OutlinedButton(
        o.label, on_click=act(functools.partial(state.close, e.id, o.value))),
        label=f"Close alert {ref}: {o.label}") for o in codes.AlertOutcome], wrap=True))
    actions.append(labelled(f"lone-alert-open-{ref}", ft.TextButton(
        "History", on_click=lambda _e: state.console.go(escalation_route(e.id))),
        label=f"Open alert {ref} and its history"))
    cause = codes.AlertCause(e.cause).label if e.cause else "Lone working"
    info = ft.Column([
        ft.Row([ft.Text((e.level or e.severity).upper(), color=ft.Colors.WHITE,
                        weight=ft.FontWeight.BOLD, bgcolor=colour),
                ft.Text(f"{cause} · {item.worker_name}", weight=ft.FontWeight.BOLD),
                ft.Text(f"{item.age_minutes(state.board.now)} min ago")], wrap=True),
        ft.Text(lone_facts(item, tz)),
        ft.Text(f"Raised {local_hm(e.raised_at, tz)} · {status}"),
        problem(state.problems.get(e.id, "")),
        small(ref),
    ], spacing=2, expand=True)
    return labelled(f"lone-alert-{ref}", ft.Container(
        ft.Row([info, ft.Column(actions, spacing=6, width=380)],
               vertical_alignment=ft.CrossAxisAlignment.START),
        padding=12, border_radius=8, border=ft.Border.all(2, colour)),
        label=f"{e.level} lone-working alert {ref} {e.state}")


def _session(state: LoneWorkingState, s: OnVisit, prefix: str) -> ft.Control:
    tz, now = state.console.tz, state.board.now
    left = s.seconds_left(now)
    when = (f"{-left // 60} min overdue" if left < 0 else f"{left // 60} min left")
    flag = f" · {s.alert_level.upper()} alert open" if s.alert_level else ""
    return labelled(f"{prefix}-{s.visit_id}", ft.Container(
        ft.Row([
            ft.Text(f"{s.worker_name} with {s.person_name}", weight=ft.FontWeight.BOLD,
                    width=380),
            ft.Text(f"Checked in {local_hm(s.checked_in_at, tz)} · expected end "
                    f"{local_hm(s.expected_end, tz)} · {when}{flag}", expand=True),
            small(f"last synced {local_hm(s.last_synced_at, tz)}"),
        ]),
        padding=10, border_radius=8,
        border=ft.Border.all(1, ft.Colors.RED_800 if left < 0 else ft.Colors.GREY_400)),
        label=f"{s.worker_name} {when}")


def lone_working_link(console: Console, alerts: int) -> ft.Control:
    return labelled("console-lone-working", ft.Button(
        f"Lone working ({alerts} alerts)", icon=ft.Icons.SHIELD,
        on_click=lambda _e: console.go(LONE_WORKING)),
        label=f"Lone working board, {alerts} open alerts")
