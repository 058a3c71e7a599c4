"""The console's first screen: the risk board (what needs the office now) beside the day's visits.

The board refreshes itself every few seconds while it is showing (server/console/live.py); the
day's visits are read when the screen opens and on Refresh (their people's records are opened,
and audited, so they are not re-read on every tick). Each risk row has its age and one action
that opens where to act on it.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console import live
from server.console.context import Console, escalation_route, handover_route, visit_route
from server.console.screens.day import DayState, day_links, day_pane
from server.console.screens.lone_working import LONE_WORKING
from server.console.widgets import button, heading, labelled, local_hm, small
from server.services.risk_board import Part, Risk, RiskBoard, Section, Target, risk_board

REFRESH_SECONDS = 5.0
DAY_PANE_WIDTH = 480
SECTION_COLOURS = {
    Section.LONE_WORKING: ft.Colors.RED_800, Section.DOSES: ft.Colors.DEEP_ORANGE_800,
    Section.ESCALATIONS: ft.Colors.ORANGE_800, Section.VISITS: ft.Colors.AMBER_900,
    Section.SYNC: ft.Colors.BLUE_GREY_700, Section.HANDOVERS: ft.Colors.INDIGO_700,
}


class HomeState:
    def __init__(self, console: Console):
        self.console = console
        self.ticking = False
        self.day = DayState(console)
        self.board: RiskBoard = self._read()
        self.changed = False  # did the last refresh change what the board shows?

    def _read(self) -> RiskBoard:
        c = self.console
        return risk_board(c.engine, c.coordinator, c.clock.now(), c.tz)

    def refresh(self) -> None:
        """The board only (what the ticker calls)."""
        board = self._read()
        self.changed = _face(board, self.console) != _face(self.board, self.console)
        self.board = board

    def refresh_all(self) -> None:
        self.day.refresh()
        self.refresh()

    def act(self, risk: Risk) -> None:
        self.console.go(route_of(risk))

    def keep_fresh(self, redraw: Callable[[], None]) -> None:
        """Refresh every few seconds; redraw only when something shown changed (a redraw
        rebuilds the screen under the coordinator's pointer)."""
        def when_changed() -> None:
            if self.changed:
                redraw()

        live.keep_fresh(self, when_changed, REFRESH_SECONDS)


def _face(b: RiskBoard, console: Console) -> object:
    """What the board shows, to tell whether a refresh changed it."""
    return (local_hm(b.now.isoformat(), console.tz), b.restricted,
            [(p.total, [(r.key, r.age_minutes(b.now), r.what, r.detail) for r in p.rows])
             for p in b.parts])


def route_of(risk: Risk) -> str:
    if risk.target is Target.LONE_WORKING:
        return LONE_WORKING
    return {Target.ESCALATION: escalation_route, Target.VISIT: visit_route,
            Target.HANDOVER: handover_route}[risk.target](risk.target_id)


def age_words(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


def render_home(state: HomeState, redraw: Callable[[], None]) -> list[ft.Control]:
    state.keep_fresh(redraw)

    def refresh() -> None:
        state.refresh_all()
        redraw()

    b = state.board
    return [
        ft.Row([heading("Risk board"), button("console-refresh", "Refresh", refresh),
                *day_links(state.day)], wrap=True),
        labelled("risk-summary", ft.Text(
            f"{b.total} {'thing needs' if b.total == 1 else 'things need'} the office. Updated "
            f"{local_hm(b.now.isoformat(), state.console.tz)}; this board updates by itself.")),
        ft.Row([
            ft.Column([*_restricted(b), *[_part(state, p) for p in b.parts]], expand=True,
                      spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            ft.Container(ft.Column(day_pane(state.day), spacing=8), width=DAY_PANE_WIDTH),
        ], vertical_alignment=ft.CrossAxisAlignment.START, spacing=24),
    ]


def _restricted(b: RiskBoard) -> list[ft.Control]:
    if not b.restricted:
        return []
    return [labelled("risk-restricted", ft.Text(
        f"{b.restricted} open safeguarding concern{'s' if b.restricted != 1 else ''}: only a "
        "safeguarding lead can open them.", color=ft.Colors.RED_800))]


def _part(state: HomeState, part: Part) -> ft.Control:
    colour = SECTION_COLOURS[part.section]
    more = part.total - len(part.rows)
    body: list[ft.Control] = [ft.Text(f"{part.section.heading} ({part.total})", size=18,
                                      weight=ft.FontWeight.BOLD, color=colour)]
    if not part.rows:
        body.append(small("Nothing here now."))
    body += [_row(state, r, colour) for r in part.rows]
    if more > 0:
        body.append(small(f"… and {more} more, oldest first above."))
    return labelled(f"risk-section-{part.section.value}", ft.Container(
        ft.Column(body, spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        padding=12, border_radius=8,
        border=ft.Border.all(1, ft.Colors.GREY_400)),
        label=f"{part.section.heading}: {part.total}")


def _row(state: HomeState, risk: Risk, colour: ft.ColorValue) -> ft.Control:
    age = age_words(risk.age_minutes(state.board.now))
    words = f"{risk.what}, {risk.worker}, {age}"
    return labelled(f"risk-{risk.key}", ft.Container(ft.Row([
        ft.Column([
            ft.Row([ft.Text(age, weight=ft.FontWeight.BOLD, color=colour),
                    ft.Text(risk.what, weight=ft.FontWeight.BOLD)], wrap=True),
            ft.Text(f"{risk.worker} · {risk.detail}"),
        ], spacing=0, expand=True),
        labelled(f"risk-open-{risk.key}", ft.OutlinedButton(
            "Open", icon=ft.Icons.OPEN_IN_NEW, on_click=lambda _e: state.act(risk)),
            label=f"Open: {words}"),
    ], vertical_alignment=ft.CrossAxisAlignment.CENTER), padding=ft.Padding.symmetric(
        vertical=4, horizontal=8), border=ft.Border.only(left=ft.BorderSide(4, colour))),
        label=words)
