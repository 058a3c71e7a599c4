"""The rota's filters: an area, part of a worker's name, and pages of workers, so the grid of an
agency of thousands of workers shows a readable few at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import flet as ft

from server.console.widgets import button, labelled
from server.services.rota_board import ROWS_SHOWN, Rota


class RotaState(Protocol):
    """What the filters need of the rota screen's state (server/console/screens/rota.py)."""

    rota: Rota

    def narrow(self, area: str | None, name: str) -> None: ...

    def turn(self, pages: int) -> None: ...


def rota_filters(state: RotaState, redraw: Callable[[], None]) -> list[ft.Control]:
    """Which workers the grid shows: an area, part of a name (Enter applies it), and pages of
    ROWS_SHOWN workers, so an agency of thousands stays readable."""
    r = state.rota
    every = "*"  # the "every area" option's key ("" is no choice at all)
    area = ft.Dropdown(label="Area", width=200, value=r.filter.area or every, options=[
        ft.DropdownOption(key=every, text="Every area"),
        *[ft.DropdownOption(key=a, text=a) for a in r.areas]])
    name = ft.TextField(label="Worker's name", width=220, value=r.filter.name)

    def apply(_e: object = None) -> None:
        chosen = area.value if area.value != every else ""
        state.narrow(chosen, name.value or "")
        redraw()

    def turn(pages: int) -> Callable[[], None]:
        def go() -> None:
            state.turn(pages)
            redraw()
        return go

    area.on_select = apply
    name.on_submit = apply
    first = r.filter.page * ROWS_SHOWN
    shown = (f"Workers {first + 1}–{first + len(r.rows())} of {r.matching} with visits"
             if r.matching else "No worker with visits matches")
    if r.filter.area or r.filter.name:
        shown += " (filtered)"
    paging: list[ft.Control] = []
    if r.filter.page > 0:
        paging.append(button("console-rota-previous-workers", "Previous workers", turn(-1),
                             icon=ft.Icons.EXPAND_LESS))
    if r.filter.page + 1 < r.pages:
        paging.append(button("console-rota-next-workers", "Next workers", turn(1),
                             icon=ft.Icons.EXPAND_MORE))
    return [ft.Row([
        labelled("console-rota-area", area, "Show the workers of one area"),
        labelled("console-rota-name", name, "Show workers whose name contains"),
        button("console-rota-filter", "Show", apply, icon=ft.Icons.FILTER_LIST),
        labelled("console-rota-shown", ft.Text(shown), shown), *paging,
    ], wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER)]
