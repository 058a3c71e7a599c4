"""The day's visits (the first screen's right-hand pane), each opening its visit record, and
the links to the console's other screens."""

from __future__ import annotations

from datetime import date

import flet as ft

from server.console.context import Console, visit_route
from server.console.screens.audit import audit_link
from server.console.screens.escalations import escalations_link
from server.console.screens.handovers import handovers_link, waiting_count
from server.console.screens.lone_working import lone_working_link
from server.console.screens.medicines import TO_CHECK
from server.console.screens.notes import notes_link
from server.console.widgets import button, heading, labelled, local_hm
from server.services.day_board import DayVisit, day_visits
from server.services.escalation_board import queue
from server.services.med_checks import to_check_count


class DayState:
    def __init__(self, console: Console, day: date | None = None):
        self.console = console
        self.day = day or console.today()
        self.visits: list[DayVisit] = []
        self.open_escalations = 0
        self.lone_alerts = 0
        self.waiting_handovers = 0
        self.to_check = 0
        self.refresh()

    def refresh(self) -> None:
        self.visits = day_visits(self.console.engine, self.console.coordinator, self.day,
                                 self.console.clock)
        open_now = queue(self.console.engine, self.console.coordinator,
                         now=self.console.clock.now())
        self.open_escalations = len(open_now)
        self.lone_alerts = sum(1 for i in open_now if i.escalation.lone_working)
        self.waiting_handovers = waiting_count(self.console)
        self.to_check = to_check_count(self.console.engine, self.console.coordinator)

    @property
    def done(self) -> int:
        return sum(1 for v in self.visits if v.status == "done")

    def open(self, visit_id: str) -> None:
        self.console.go(visit_route(visit_id))


def day_links(state: DayState) -> list[ft.Control]:
    """The console's other screens, each with how much waits there."""
    return [escalations_link(state.console, state.open_escalations),
            lone_working_link(state.console, state.lone_alerts),
            handovers_link(state.console, state.waiting_handovers),
            button("console-medicines-to-check", f"Medicines to check ({state.to_check})",
                   lambda: state.console.go(TO_CHECK), icon=ft.Icons.FACT_CHECK),
            notes_link(state.console), *audit_link(state.console),
            button("console-rota", "Rota", lambda: state.console.go("/rota"),
                   icon=ft.Icons.CALENDAR_VIEW_WEEK),
            button("console-devices", "Phones", lambda: state.console.go("/devices"),
                   icon=ft.Icons.PHONE_ANDROID),
            button("console-exports", "Exports", lambda: state.console.go("/exports"),
                   icon=ft.Icons.DOWNLOAD),
            button("console-charts", "Charts", lambda: state.console.go("/charts"),
                   icon=ft.Icons.BAR_CHART)]


def day_pane(state: DayState) -> list[ft.Control]:
    """The day's visits, each opening its record (beside the risk board on the first screen)."""
    who = state.console.coordinator
    return [
        heading(f"Visits on {state.day:%A %d %B %Y}"),
        ft.Text(f"Signed in as {who.name}. {len(state.visits)} visits, "
                f"{state.done} completed."),
        *[_visit_card(state, v) for v in state.visits],
    ]


def _visit_card(state: DayState, v: DayVisit) -> ft.Control:
    tz = state.console.tz
    times = "".join((f" · in {local_hm(v.checked_in_at, tz)}" if v.checked_in_at else "",
                     f" · out {local_hm(v.checked_out_at, tz)}" if v.checked_out_at else ""))
    return labelled(
        f"console-visit-{v.id}",
        ft.Container(
            ft.Column([
                ft.Text(f"{local_hm(v.start, tz)}–{local_hm(v.end, tz)}  "
                        f"{v.person_name} · {v.area}", weight=ft.FontWeight.BOLD),
                ft.Text(f"{v.worker_name} · {v.visit_type} · {v.status}{times}"),
            ], spacing=2),
            padding=12, border=ft.Border.all(1, ft.Colors.GREY_400), border_radius=8,
            on_click=lambda _e: state.open(v.id),
        ),
        label=f"Visit {v.person_name} {v.status}",
    )
