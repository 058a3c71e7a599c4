"""The console's MAR chart for one person: a week of codes on screen, and a PDF to print."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from server.clock import local_today
from server.errors import ServerError
from server.mar_chart import CODE_KEY, DEFAULT_DAYS, MARK_KEY, MarChart, build_mar_chart
from server.pdf import mar_chart_pdf

if TYPE_CHECKING:
    from server.console.app import ConsoleApp

CELL_W, NAME_W, TIME_W = 120, 260, 60


def show_mar(console: ConsoleApp, service_user_id: str, start: date | None = None,
             back: Callable[[], None] | None = None) -> None:
    from server.console.app import labelled

    assert console.who is not None
    start = start or local_today(console.clock, console.tz) - timedelta(days=DEFAULT_DAYS - 1)
    try:
        chart = build_mar_chart(console.engine, console.key(), console.who, service_user_id,
                                start, clock=console.clock)
    except ServerError as exc:
        console._set(ft.Text(str(exc)))
        return
    status = ft.Text("")

    async def download(_e: Any) -> None:
        pdf = mar_chart_pdf(chart)
        # The file name says nothing about the person (names stay out of file names).
        await ft.FilePicker().save_file(file_name=f"mar-chart-{start.isoformat()}.pdf",
                                        src_bytes=pdf)
        status.value = "PDF ready: check your downloads."
        console.page.update()

    def go(days: int) -> None:
        show_mar(console, service_user_id, start + timedelta(days=days), back)

    console._set(
        ft.Row([
            labelled("console-mar-back", ft.Button(
                "Back", on_click=lambda _e: back() if back else console.show_day())),
            labelled("console-mar-earlier", ft.Button("Earlier week", icon=ft.Icons.CHEVRON_LEFT,
                                                      on_click=lambda _e: go(-DEFAULT_DAYS))),
            labelled("console-mar-later", ft.Button("Later week", icon=ft.Icons.CHEVRON_RIGHT,
                                                    on_click=lambda _e: go(DEFAULT_DAYS))),
            labelled("console-mar-pdf", ft.Button("Download PDF to print",
                                                  icon=ft.Icons.PICTURE_AS_PDF,
                                                  on_click=download)),
        ], wrap=True),
        status,
        ft.Text(f"MAR chart: {chart.person_name}", size=24, weight=ft.FontWeight.BOLD),
        ft.Text(f"Allergies: {chart.allergies} · {chart.days[0]:%d %b} to "
                f"{chart.days[-1]:%d %b %Y}. Opening this chart was logged in the audit trail."),
        ft.Row([grid(chart)], scroll=ft.ScrollMode.AUTO),
        ft.Text("Key", weight=ft.FontWeight.BOLD),
        ft.Text(" · ".join(f"{c}: {label}" for c, label in {**CODE_KEY, **MARK_KEY}.items())
                + " · each entry: code, actual time, worker's initials.", size=12),
        ft.Text("Notes", weight=ft.FontWeight.BOLD),
        *[ft.Text(f"[{i}] {n}", size=13) for i, n in enumerate(chart.notes, 1)],
    )


def grid(chart: MarChart) -> ft.Control:
    def cell(text: str, width: int, bold: bool = False, bg: str | None = None) -> ft.Control:
        return ft.Container(ft.Text(text, size=12, weight=ft.FontWeight.BOLD if bold else None),
                            width=width, padding=4, bgcolor=bg,
                            border=ft.Border.all(0.5, ft.Colors.GREY_500))

    rows: list[ft.Control] = [ft.Row([cell("Medicine", NAME_W, True, ft.Colors.GREY_200),
                    cell("Time", TIME_W, True, ft.Colors.GREY_200),
                    *[cell(f"{d:%a %d %b}", CELL_W, True, ft.Colors.GREY_200)
                      for d in chart.days]], spacing=0)]
    for n, row in enumerate(chart.rows):
        entries = [" ".join(c.text + (f" [{c.note}]" if c.note else "")
                            for c in row.cells.get(d.isoformat(), [])) for d in chart.days]
        rows.append(ft.Semantics(identifier=f"console-mar-row-{n}", content=ft.Row([
            cell(f"{row.medicine}\n{row.details}", NAME_W, True), cell(row.time, TIME_W),
            *[cell(text, CELL_W) for text in entries]], spacing=0,
            # START, not STRETCH: inside a horizontal scroll the height is unbounded, and a
            # stretched row there fails layout and paints nothing.
            vertical_alignment=ft.CrossAxisAlignment.START)))
    return ft.Column(rows, spacing=0)
