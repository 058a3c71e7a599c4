"""A person's medicines list through time: every version, newest first, with who wrote it and
when, why and its source, who checked it and from when it was in force, and what it changed.
Opening it opens the sealed versions; the audit log says so."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console.context import Console
from server.console.screens.med_checks import version_lines
from server.console.screens.medicines import medicines_route
from server.console.widgets import button, heading, labelled, local_hm, small
from server.med_versions import State
from server.services.med_checks import VersionView, history

COLOURS = {State.TO_CHECK: ft.Colors.ORANGE_700, State.CHECKED: ft.Colors.GREEN_700,
           State.REJECTED: ft.Colors.GREY_500}


class HistoryState:
    def __init__(self, console: Console, service_user_id: str):
        self.console = console
        self.service_user_id = service_user_id
        c = console
        self.items: list[VersionView] = history(c.engine, c.key(), c.coordinator,
                                                service_user_id, clock=c.clock)


def render_history(state: HistoryState, redraw: Callable[[], None]) -> list[ft.Control]:
    c = state.console
    name = state.items[0].person_name if state.items else ""
    return [
        ft.Row([button("console-back", "Back", c.back),
                button("console-history-list", "Medicines list",
                       lambda: c.go(medicines_route(state.service_user_id)))], wrap=True),
        heading(f"History of versions: {name}" if name else "History of versions"),
        ft.Text("Every add, change and stop is kept. Opening this history was logged in the "
                "audit trail."),
        *([ft.Text("No changes yet: the list is as it was set up.")] if not state.items else []),
        *[_version(state, n, i) for n, i in enumerate(state.items)],
    ]


def _version(state: HistoryState, n: int, item: VersionView) -> ft.Control:
    v, tz = item.version, state.console.tz
    if v.state is State.CHECKED and v.checked_at:
        outcome = (f"Checked by {item.checker_name} on {v.checked_at[:10]} at "
                   f"{local_hm(v.checked_at, tz)}; in force from then")
    elif v.state is State.REJECTED:
        outcome = f"Rejected by {item.checker_name}: {v.rejected_because}"
    else:
        outcome = v.state.label
    return labelled(f"console-version-{n}", ft.Container(ft.Column([
        *version_lines(item, tz), small(outcome)], spacing=2), padding=12,
        border=ft.Border.all(2, COLOURS[v.state]), border_radius=8, width=1000),
        label=f"Version {v.version} of {item.title}")
