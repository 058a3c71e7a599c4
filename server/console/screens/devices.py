"""The devices screen: issue a phone's enrolment code (shown once), see every phone's last
contact, app version and what it still holds for the office, and withdraw one (it wipes itself
at its next contact; the page, refreshing itself, shows when the phone confirmed the wipe)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from server.console import live
from server.console.context import Console
from server.console.widgets import button, heading, labelled, problem, small
from server.errors import ServerError
from server.services.devices import (
    CODE_MINUTES,
    Device,
    DeviceState,
    active_workers,
    issue_code,
    list_devices,
    withdraw,
)

DEVICES = "/devices"
REFRESH_SECONDS = 5.0
# (heading, sort key) of the table's columns; the last column holds the actions.
COLUMNS: tuple[tuple[str, Callable[[Device], Any]], ...] = (
    ("Worker", lambda d: d.worker_name.lower()),
    ("Phone", lambda d: d.id),
    ("Last contact", lambda d: d.last_seen_at or ""),
    ("App version", lambda d: d.app_version),
    ("Waiting to send", lambda d: -1 if d.pending is None else d.pending),
    ("State", lambda d: list(DeviceState).index(d.state)),
)


class DevicesState:
    def __init__(self, console: Console):
        self.console = console
        self.ticking = False
        self.problem = ""
        self.code = ""  # the last code issued, shown until the page is left
        self.confirming: str | None = None  # the device whose withdrawal awaits a yes
        self.sort: tuple[int, bool] | None = None  # column, ascending
        c = console
        self.worker = ft.Dropdown(label="Worker", width=320, options=[
            ft.DropdownOption(key=wid, text=name)
            for wid, name in active_workers(c.engine, c.coordinator)])
        self.devices: list[Device] = []
        self.refresh()

    def refresh(self) -> None:
        c = self.console
        self.devices = list_devices(c.engine, c.coordinator)
        if self.sort is not None:
            column, ascending = self.sort
            self.devices.sort(key=COLUMNS[column][1], reverse=not ascending)

    def sort_by(self, column: int) -> None:
        ascending = not (self.sort == (column, True))
        self.sort = (column, ascending)
        self.refresh()

    def issue(self) -> None:
        c, worker_id = self.console, self.worker.value
        self.code = ""
        if not worker_id:
            self.problem = "Choose the worker whose phone is to be enrolled."
            return
        try:
            code = issue_code(c.engine, c.coordinator, worker_id, c.clock)
        except ServerError as exc:
            self.problem = str(exc)
            return
        name = next((o.text for o in self.worker.options or [] if o.key == worker_id), "")
        self.problem = ""
        self.code = (f"Enrolment code for {name}'s phone: {code}. Type it into the app's "
                     f"enrolment screen. It works once, for {CODE_MINUTES // 60} hours, and is "
                     "not shown again.")

    def withdraw(self, device_id: str) -> None:
        c = self.console
        self.confirming = None
        try:
            withdraw(c.engine, c.coordinator, device_id, c.clock)
            self.problem = ""
        except ServerError as exc:
            self.problem = str(exc)
        self.refresh()


def _when(iso: str | None, state: DevicesState) -> str:
    if not iso:
        return "never"
    at = datetime.fromisoformat(iso)
    minutes = int((state.console.clock.now() - at).total_seconds() // 60)
    ago = (f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"
           if minutes < 48 * 60 else f"{minutes // 1440} days ago")
    return f"{at.astimezone(state.console.tz):%a %d %b %H:%M} ({ago})"


def _short(iso: str, state: DevicesState) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(state.console.tz):%d %b %H:%M}"


def render_devices(state: DevicesState, redraw: Callable[[], None]) -> list[ft.Control]:
    live.keep_fresh(state, redraw, REFRESH_SECONDS)

    def act(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            fn()
            redraw()
        return run

    return [
        ft.Row([button("console-devices-back", "Back", state.console.back),
                button("console-devices-refresh", "Refresh", act(state.refresh))], wrap=True),
        heading("Phones"),
        small("Each enrolled phone, as it last reported at sync. This page refreshes itself."),
        ft.Row([labelled("console-devices-worker", state.worker, "Worker to enrol a phone for"),
                button("console-devices-issue", "Issue enrolment code", act(state.issue),
                       icon=ft.Icons.KEY)], wrap=True),
        labelled("console-devices-code", ft.Text(state.code, size=16,
                                                 weight=ft.FontWeight.BOLD, selectable=True)),
        labelled("console-devices-problem", problem(state.problem)),
        *_confirm(state, act),
        ft.Row([_table(state, act)], scroll=ft.ScrollMode.AUTO),
        *([ft.Text("No phones are enrolled yet.")] if not state.devices else []),
    ]


def _confirm(state: DevicesState, act: Callable[[Callable[[], None]], Callable[[], None]]
             ) -> list[ft.Control]:
    d = next((d for d in state.devices if d.id == state.confirming), None)
    if d is None:
        return []

    def cancel() -> None:
        state.confirming = None

    return [ft.Container(ft.Column([
        ft.Text(f"Withdraw {d.worker_name}'s phone ({d.id[:8]})? At its next contact it sends "
                "what it still holds, then erases its data and keys and confirms."),
        ft.Row([button("console-devices-withdraw-yes", "Withdraw and wipe",
                       act(lambda: state.withdraw(d.id)), icon=ft.Icons.PHONELINK_ERASE),
                button("console-devices-withdraw-no", "Cancel", act(cancel))]),
    ]), padding=12, border=ft.Border.all(2, ft.Colors.RED_700), border_radius=8)]


def _table(state: DevicesState, act: Callable[[Callable[[], None]], Callable[[], None]]
           ) -> ft.DataTable:
    def header(i: int, title: str) -> ft.DataColumn:
        return ft.DataColumn(label=labelled(f"console-devices-sort-{i}", ft.TextButton(
            title, on_click=lambda _e: act(lambda: state.sort_by(i))()),
            label=f"Sort by {title.lower()}"), numeric=title == "Waiting to send")

    def ask(device_id: str) -> Callable[[], None]:
        def run() -> None:
            state.confirming = device_id
        return act(run)

    rows = [ft.DataRow(cells=[
        ft.DataCell(ft.Text(d.worker_name)), ft.DataCell(ft.Text(d.id[:8])),
        ft.DataCell(ft.Text(_when(d.last_seen_at, state))),
        ft.DataCell(ft.Text(d.app_version or "—")),
        ft.DataCell(ft.Text("not reported" if d.pending is None else str(d.pending))),
        ft.DataCell(ft.Text(d.state.label + (f" at {_short(d.wiped_at, state)}"
                                             if d.wiped_at else ""))),
        ft.DataCell(button(f"console-devices-withdraw-{d.id}", "Withdraw", ask(d.id))
                    if d.state is DeviceState.ACTIVE else ft.Text("")),
    ]) for d in state.devices]
    sort = state.sort
    return ft.DataTable(
        columns=[*[header(i, t) for i, (t, _) in enumerate(COLUMNS)],
                 ft.DataColumn(label=ft.Text("Action"))],
        rows=rows, sort_column_index=sort[0] if sort else None,
        sort_ascending=sort[1] if sort else True)
