"""The rota drawn for a desk: a week as a grid (workers × days) and a day as a timeline
(workers × hours), each visit a block that opens it in the detail pane."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import flet as ft

from server.console.widgets import labelled
from server.services.rota_board import Rota, RotaVisit, RotaWorker

NAME_W, DAY_W, HOUR_W, ROW_H = 170, 150, 84, 52
FIRST_HOUR, LAST_HOUR = 6, 23  # the timeline widens for a visit outside these hours
HEAD = ft.Colors.GREY_200
LINE = ft.Colors.GREY_400

Pick = Callable[[str], None]


def _cell(content: ft.Control | str, width: float, *, bg: str | None = None,
          height: float | None = None) -> ft.Container:
    body = ft.Text(content, size=12, weight=ft.FontWeight.BOLD) if isinstance(
        content, str) else content
    return ft.Container(body, width=width, height=height, padding=4, bgcolor=bg,
                        border=ft.Border.all(0.5, LINE))


def _line(cells: list[ft.Control]) -> ft.Row:
    # Cells as tall as the row's tallest, so the grid lines meet.
    return ft.Row(cells, spacing=0, intrinsic_height=True,
                  vertical_alignment=ft.CrossAxisAlignment.STRETCH)


def _worker(w: RotaWorker) -> ft.Control:
    return ft.Column([ft.Text(w.name, size=12, weight=ft.FontWeight.BOLD),
                      ft.Text(w.area, size=11, color=ft.Colors.GREY_700)], spacing=0)


def visit_words(v: RotaVisit, rota: Rota) -> str:
    start, end = v.local(rota.tz)
    return f"{start:%H:%M}–{end:%H:%M} {v.person_name} ({v.visit_type})"


def _block(v: RotaVisit, rota: Rota, worker: str, selected: str | None, pick: Pick, *,
           width: float | None = None, text: str | None = None) -> ft.Control:
    colour = (ft.Colors.AMBER_200 if v.id == selected else
              ft.Colors.GREY_300 if v.started else ft.Colors.LIGHT_BLUE_100)
    return labelled(f"console-rota-visit-{v.id}", ft.Container(
        ft.Text(text or visit_words(v, rota), size=11, max_lines=2,
                overflow=ft.TextOverflow.ELLIPSIS),
        width=width, padding=3, bgcolor=colour, border_radius=4,
        border=ft.Border.all(1, ft.Colors.BLUE_GREY_400), tooltip=visit_words(v, rota),
        on_click=lambda _e: pick(v.id)),
        label=f"Visit {visit_words(v, rota)} with {worker}")


def week_grid(rota: Rota, selected: str | None, pick: Pick) -> ft.Control:
    lines: list[ft.Control] = [_line([
        _cell("Worker", NAME_W, bg=HEAD),
        *[_cell(f"{d:%a %d %b}", DAY_W, bg=HEAD) for d in rota.dates]])]
    for w in rota.rows():
        lines.append(_line([_cell(_worker(w), NAME_W), *[
            _cell(ft.Column([_block(v, rota, w.name, selected, pick)
                             for v in rota.on(w.id, d)], spacing=3), DAY_W)
            for d in rota.dates]]))
    return ft.Column(lines, spacing=0)


def _hours(rota: Rota, day: date) -> tuple[int, int]:
    first, last = FIRST_HOUR, LAST_HOUR
    for v in rota.visits:
        start, end = v.local(rota.tz)
        if start.date() == day:
            first = min(first, start.hour)
            last = max(last, end.hour + (1 if end.minute else 0) if end.date() == day else 24)
    return first, last


def day_timeline(rota: Rota, selected: str | None, pick: Pick) -> ft.Control:
    day = rota.first
    first, last = _hours(rota, day)
    width = (last - first) * HOUR_W
    ticks = [ft.Container(left=(h - first) * HOUR_W, top=0, width=1, height=ROW_H, bgcolor=LINE)
             for h in range(first, last)]
    lines: list[ft.Control] = [_line([
        _cell("Worker", NAME_W, bg=HEAD),
        *[_cell(f"{h:02d}:00", HOUR_W, bg=HEAD) for h in range(first, last)]])]

    def x(t: datetime) -> float:
        return ((t.hour - first) * 60 + t.minute) * HOUR_W / 60

    for w in rota.rows():
        blocks = []
        for v in rota.on(w.id, day):
            start, end = v.local(rota.tz)
            left = x(start)
            right = x(end) if end.date() == day else width
            blocks.append(ft.Container(_block(
                v, rota, w.name, selected, pick, width=max(right - left, 44),
                text=f"{start:%H:%M} {v.person_name}"), left=left, top=4, height=ROW_H - 8))
        lines.append(_line([_cell(_worker(w), NAME_W, height=ROW_H), ft.Container(
            ft.Stack([*ticks, *blocks], width=width, height=ROW_H),
            border=ft.Border.all(0.5, LINE))]))
    return ft.Column(lines, spacing=0)
