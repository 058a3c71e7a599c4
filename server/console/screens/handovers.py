"""The handover inbox: end-of-shift handovers, unacknowledged first, filtered by worker, day,
waiting and concerns. Listing opens nothing sealed; a row opens the handover."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import flet as ft

from server.console.context import Console, handover_route
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.services.handovers import Filters, InboxItem, authors, inbox, unacknowledged_count

ALL_WORKERS = "all"


class HandoversState:
    def __init__(self, console: Console):
        self.console = console
        self.filters = Filters()
        self.workers: list[tuple[str, str]] = []
        self.items: list[InboxItem] = []
        self.problem = ""
        self.day_text = ""  # the day as typed, kept when it is not a date
        self.refresh()

    def refresh(self) -> None:
        c = self.console
        self.workers = authors(c.engine, c.coordinator)
        self.items = inbox(c.engine, c.coordinator, self.filters)

    def apply(self, worker: str | None, day: str, unacknowledged: bool,
              has_concerns: bool) -> None:
        """New filters from the form; a day that is not a date is said so, not guessed (the
        form keeps what was chosen, and the list stays as it was)."""
        self.day_text = day.strip()
        try:
            chosen = date.fromisoformat(self.day_text) if self.day_text else None
            self.problem = ""
        except ValueError:
            chosen = self.filters.day
            self.problem = "Write the day as YYYY-MM-DD, or leave it empty for every day."
        self.filters = Filters(worker_id=None if worker in (None, "", ALL_WORKERS) else worker,
                               day=chosen, unacknowledged=unacknowledged,
                               has_concerns=has_concerns)
        if not self.problem:
            self.refresh()

    def open(self, handover_id: str) -> None:
        self.console.go(handover_route(handover_id))


def render_handovers(state: HandoversState, redraw: Callable[[], None]) -> list[ft.Control]:
    waiting = sum(1 for i in state.items if not i.acknowledged)
    return [
        ft.Row([button("console-back", "Back", state.console.back), heading("Handovers")],
               wrap=True),
        ft.Text(f"{len(state.items)} shown, {waiting} waiting for acknowledgement. "
                "A handover stays here, marked, until someone acknowledges it."),
        _filters(state, redraw),
        problem(state.problem),
        *([ft.Text("No handovers match these filters.")] if not state.items else []),
        *[_row(state, item) for item in state.items],
    ]


def _filters(state: HandoversState, redraw: Callable[[], None]) -> ft.Control:
    f = state.filters
    worker = ft.Dropdown(label="Worker", width=240, value=f.worker_id or ALL_WORKERS, options=[
        ft.DropdownOption(key=ALL_WORKERS, text="All workers"),
        *[ft.DropdownOption(key=wid, text=name) for wid, name in state.workers]])
    day = ft.TextField(label="Day (YYYY-MM-DD)", width=200, value=state.day_text)
    waiting = ft.Checkbox(label="Unacknowledged only", value=f.unacknowledged)
    concerns = ft.Checkbox(label="With concerns only", value=f.has_concerns)

    def apply() -> None:
        state.apply(worker.value, day.value or "", bool(waiting.value), bool(concerns.value))
        redraw()

    return ft.Row([
        labelled("console-handovers-worker", worker, "Filter by worker"),
        labelled("console-handovers-day", day, "Filter by day"),
        # A checkbox alone takes the row's whole width; boxed, the filters keep to one line.
        ft.Container(labelled("console-handovers-unacknowledged", waiting,
                              "Unacknowledged only"), width=210),
        ft.Container(labelled("console-handovers-concerns", concerns, "With concerns only"),
                     width=210),
        button("console-handovers-apply", "Show", apply, icon=ft.Icons.FILTER_LIST),
    ], wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER)


def shift_words(item: InboxItem, tz: ZoneInfo) -> str:
    """"Sat 05 Dec, 08:30–14:00": the shift in the agency's local time."""
    day = datetime.fromisoformat(item.shift_start).astimezone(tz)
    return f"{day:%a %d %b}, {local_hm(item.shift_start, tz)}–{local_hm(item.shift_end, tz)}"


def status_words(item: InboxItem, tz: ZoneInfo) -> str:
    if not item.acknowledged:
        return "Waiting for acknowledgement"
    said = (f"Acknowledged by {item.acknowledged_by_name or 'the office'} at "
            f"{local_hm(item.acknowledged_at, tz)}")
    return said + (f" · {item.replies} repl{'y' if item.replies == 1 else 'ies'}"
                   if item.replies else "")


def _row(state: HandoversState, item: InboxItem) -> ft.Control:
    tz = state.console.tz
    colour = ft.Colors.ORANGE_900 if not item.acknowledged else ft.Colors.GREY_400
    return labelled(
        f"console-handover-{item.id}",
        ft.Container(
            ft.Column([
                ft.Row([
                    ft.Text(item.worker_name, weight=ft.FontWeight.BOLD),
                    ft.Text(shift_words(item, tz)),
                    *([ft.Text(" CONCERNS ", color=ft.Colors.WHITE, bgcolor=ft.Colors.RED_800,
                               weight=ft.FontWeight.BOLD)] if item.has_concerns else []),
                ], wrap=True),
                ft.Text(f"{item.items} item(s) · {status_words(item, tz)}"),
                small(f"Received {local_hm(item.received_at, tz)}"),
            ], spacing=2),
            padding=12, border_radius=8, border=ft.Border.all(2, colour), width=1000,
            on_click=lambda _e: state.open(item.id),
        ),
        label=f"Handover from {item.worker_name} "
              f"{'waiting' if not item.acknowledged else 'acknowledged'}",
    )


def handovers_link(console: Console, waiting: int) -> ft.Control:
    return button("console-handovers", f"Handovers ({waiting} unacknowledged)",
                  lambda: console.go("/handovers"), icon=ft.Icons.ASSIGNMENT)


def waiting_count(console: Console) -> int:
    return unacknowledged_count(console.engine, console.coordinator)
