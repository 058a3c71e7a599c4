"""The escalation queue: most severe first, then oldest, with live ages; it refreshes itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import flet as ft

from server.console import live
from server.console.context import Console, escalation_route
from server.console.widgets import button, heading, labelled, local_hm, small
from server.services.escalation_board import QueueItem, queue, restricted_count
from sync import codes

REFRESH_SECONDS = 5.0
SEVERITY_COLOURS: dict[str, ft.Colors] = {codes.Severity.EMERGENCY: ft.Colors.RED_800,
                                           codes.Severity.URGENT: ft.Colors.ORANGE_900,
                                           codes.Severity.ROUTINE: ft.Colors.BLUE_GREY_700}


class EscalationsState:
    def __init__(self, console: Console):
        self.console = console
        self.items: list[QueueItem] = []
        self.restricted = 0  # open safeguarding concerns this coordinator may not open
        self.ticking = False
        self.refresh()

    def refresh(self) -> None:
        self.items = queue(self.console.engine, self.console.coordinator,
                           now=self.console.clock.now())
        self.restricted = restricted_count(self.console.engine, self.console.coordinator)

    def open(self, escalation_id: str) -> None:
        self.console.go(escalation_route(escalation_id))

    def keep_fresh(self, redraw: Callable[[], None]) -> None:
        """Refresh every few seconds while this screen is showing, so nothing new is missed."""
        live.keep_fresh(self, redraw, REFRESH_SECONDS)


def render_escalations(state: EscalationsState, redraw: Callable[[], None]) -> list[ft.Control]:
    state.keep_fresh(redraw)
    now = state.console.clock.now()
    waiting = sum(1 for i in state.items if i.escalation.state == "raised")
    return [
        heading("Escalations"),
        ft.Text(f"{len(state.items)} open, {waiting} not yet acknowledged. "
                "This list updates by itself."),
        *([ft.Text("Nothing is waiting for the office.")] if not state.items else []),
        *([labelled("console-escalations-restricted", ft.Text(
            f"{state.restricted} safeguarding concern{'s are' if state.restricted > 1 else ' is'}"
            " open: only a safeguarding lead can see "
            f"{'them' if state.restricted > 1 else 'it'}.", italic=True))]
          if state.restricted else []),
        *[_row(state, item, now) for item in state.items],
    ]


LEVEL_COLOURS: dict[str, ft.Colors] = {codes.AlertLevel.RED: ft.Colors.RED_800,
                                        codes.AlertLevel.AMBER: ft.Colors.AMBER_900}


def what(item: QueueItem) -> str:
    """The escalation's kind in words, and whom it is about."""
    e = item.escalation
    kind = codes.AlertCause(e.cause).label if e.cause else codes.EscalationType(e.type).label
    if e.check_label:
        kind = f"{kind}: {e.check_label}"
    return f"{kind} · {item.worker_name if e.lone_working else item.person_name}"


def raised_by(item: QueueItem) -> str:
    """Who raised it: a worker, or the office's own checks (naming whose record it was about)."""
    if item.escalation.office_check:
        return f"the office's checks after sync (record by {item.worker_name})"
    return item.worker_name


def lone_facts(item: QueueItem, tz: ZoneInfo) -> str:
    """What a coordinator needs to judge "no signal" against danger."""
    e = item.escalation
    said = [f"last synced {local_hm(item.last_synced_at, tz)}"]
    if item.checked_in_at:
        said.append(f"checked in {local_hm(item.checked_in_at, tz)} ({item.person_name})")
    if e.answered_at:
        said.append(f"answered \"I'm OK\" or checked out at {local_hm(e.answered_at, tz)}")
    return "Worker " + ", ".join(said)


def _row(state: EscalationsState, item: QueueItem, now: datetime) -> ft.Control:
    e, tz = item.escalation, state.console.tz
    colour = LEVEL_COLOURS.get(e.level or "", SEVERITY_COLOURS.get(e.severity, ft.Colors.GREY_800))
    status = ("Waiting for acknowledgement" if e.state == "raised"
              else f"Acknowledged by {item.acknowledged_by_name or 'the office'} "
                   f"at {local_hm(e.acknowledged_at, tz)}")
    failed = f" · {item.notices_failed} notice(s) not delivered" if item.notices_failed else ""
    return labelled(
        f"console-escalation-{e.reference}",
        ft.Container(
            ft.Column([
                ft.Row([ft.Text((e.level or e.severity).upper(), color=ft.Colors.WHITE,
                                weight=ft.FontWeight.BOLD, bgcolor=colour),
                        ft.Text(what(item), weight=ft.FontWeight.BOLD),
                        ft.Text(f"{item.age_minutes(now)} min ago")], wrap=True),
                ft.Text(f"Raised {local_hm(e.raised_at, tz)} by {raised_by(item)} · "
                        f"{status}{failed}"),
                *([small(lone_facts(item, tz))] if e.lone_working else []),
                small(e.reference),
            ], spacing=2),
            padding=12, border_radius=8, border=ft.Border.all(2, colour),
            on_click=lambda _e: state.open(e.id),
        ),
        label=f"{e.level or e.severity} escalation {e.reference} {e.state}",
    )


def escalations_link(console: Console, count: int) -> ft.Control:
    return button("console-escalations", f"Escalations ({count} open)",
                  lambda: console.go("/escalations"), icon=ft.Icons.NOTIFICATION_IMPORTANT)
