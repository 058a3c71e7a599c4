"""A person's MAR chart: a week of outcome codes on screen, earlier and later weeks, a PDF to
print. Opening it opens the week's sealed dose records, and the audit log says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import flet as ft

from server.console.context import Console
from server.console.widgets import button, heading, labelled
from server.pdf import mar_chart_pdf
from server.services.mar_chart import (
    CODE_KEY,
    DEFAULT_DAYS,
    MARK_KEY,
    NOT_RECORDED,
    MarChart,
    Row,
    build_mar_chart,
)

CELL_W, NAME_W, TIME_W = 130, 260, 60


class MarState:
    def __init__(self, console: Console, service_user_id: str, start: date | None = None):
        self.console = console
        self.service_user_id = service_user_id
        self.start = start or console.today() - timedelta(days=DEFAULT_DAYS - 1)
        self.status = ""
        self.chart: MarChart = self._read()

    def _read(self) -> MarChart:
        c = self.console
        return build_mar_chart(c.engine, c.key(), c.coordinator, self.service_user_id,
                               self.start, clock=c.clock)

    def move(self, days: int) -> None:
        self.start += timedelta(days=days)
        self.status = ""
        self.chart = self._read()

    def pdf(self) -> tuple[str, bytes]:
        """The chart to print, and a file name that says nothing about the person."""
        return f"mar-chart-{self.start.isoformat()}.pdf", mar_chart_pdf(self.chart)


def render_mar(state: MarState, redraw: Callable[[], None]) -> list[ft.Control]:
    chart = state.chart

    def week(days: int) -> Callable[[], None]:
        def go() -> None:
            state.move(days)
            redraw()
        return go

    async def download(_e: object) -> None:
        name, pdf = state.pdf()
        await ft.FilePicker().save_file(file_name=name, src_bytes=pdf)
        state.status = "PDF ready: check your downloads."
        redraw()

    return [
        ft.Row([
            button("console-mar-back", "Back", state.console.back),
            button("console-mar-earlier", "Earlier week", week(-DEFAULT_DAYS),
                   icon=ft.Icons.CHEVRON_LEFT),
            button("console-mar-later", "Later week", week(DEFAULT_DAYS),
                   icon=ft.Icons.CHEVRON_RIGHT),
            button("console-mar-medicines", "Medicines list",
                   lambda: state.console.go(f"/people/{state.service_user_id}/medicines"),
                   icon=ft.Icons.MEDICATION),
            labelled("console-mar-pdf", ft.Button("Download PDF to print",
                                                  icon=ft.Icons.PICTURE_AS_PDF,
                                                  on_click=download)),
        ], wrap=True),
        ft.Text(state.status),
        heading(f"MAR chart: {chart.person_name}"),
        ft.Text(f"Allergies: {chart.allergies} · {chart.days[0]:%d %b} to "
                f"{chart.days[-1]:%d %b %Y}. Opening this chart was logged in the audit trail."),
        ft.Row([grid(chart)], scroll=ft.ScrollMode.AUTO),
        ft.Text("Key", weight=ft.FontWeight.BOLD),
        ft.Text(" · ".join(f"{c}: {label}" for c, label in {**CODE_KEY, **MARK_KEY}.items())
                + " · each entry: code, actual time, worker's initials.", size=12),
        ft.Text("Versions of the medicines list in force", weight=ft.FontWeight.BOLD),
        *[ft.Text(v, size=13) for v in chart.versions],
        ft.Text("Notes", weight=ft.FontWeight.BOLD),
        *[ft.Text(f"[{i}] {n}", size=13) for i, n in enumerate(chart.notes, 1)],
    ]


def _cell(text: str, width: int, bold: bool = False, bg: str | None = None,
          muted: bool = False) -> ft.Control:
    return ft.Container(
        ft.Text(text, size=12, weight=ft.FontWeight.BOLD if bold else None,
                italic=muted, color=ft.Colors.GREY_700 if muted else None),
        width=width, padding=4, bgcolor=bg, border=ft.Border.all(0.5, ft.Colors.GREY_500))


def _day_cell(row: Row, day: date) -> ft.Control:
    entries = [c.text + (f" [{c.note}]" if c.note else "") for c in row.entries(day)]
    if not entries and row.missing(day):
        return _cell(NOT_RECORDED, CELL_W, muted=True)
    return _cell("\n".join(entries), CELL_W)


def _line(cells: list[ft.Control]) -> ft.Row:
    # Every cell as tall as the row's tallest, so the grid lines meet (a stretched row needs
    # the intrinsic height: inside a horizontal scroll the height is otherwise unbounded).
    return ft.Row(cells, spacing=0, intrinsic_height=True,
                  vertical_alignment=ft.CrossAxisAlignment.STRETCH)


def grid(chart: MarChart) -> ft.Control:
    head = ft.Colors.GREY_200
    rows: list[ft.Control] = [_line([
        _cell("Medicine", NAME_W, True, head), _cell("Time", TIME_W, True, head),
        *[_cell(f"{d:%a %d %b}", CELL_W, True, head) for d in chart.days]])]
    for n, row in enumerate(chart.rows):
        rows.append(labelled(f"console-mar-row-{n}", _line([
            _cell(f"{row.medicine}\n{row.details}", NAME_W, True), _cell(row.time, TIME_W),
            *[_day_cell(row, d) for d in chart.days]])))
    return ft.Column(rows, spacing=0)
