"""The rota screen: a day's timeline or a week's grid of visits by worker, with a detail pane
to move or reassign the chosen visit, or to put a new one on the rota. Coordinators and admins
only; every change is audited and reaches the workers' phones at their next sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time, timedelta

import flet as ft

from server.console.context import Console, visit_route
from server.console.screens.rota_filter import rota_filters
from server.console.screens.rota_grid import day_timeline, visit_words, week_grid
from server.console.widgets import button, heading, labelled, problem, small
from server.errors import Invalid, ServerError
from server.services.people import PersonMatch, find_people
from server.services.rota_board import (
    VISIT_TYPES,
    Rota,
    RotaFilter,
    RotaVisit,
    create_visit,
    move_visit,
    read_rota,
    reassign_visit,
)

ROTA = "/rota"
WEEK = 7


def parse_when(day: str, start: str, minutes: str) -> tuple[date, time, int]:
    """The pane's three fields, or Invalid saying which one to fix and how."""
    try:
        d = date.fromisoformat(day.strip())
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, for example 2026-12-07.",
                      field="day") from None
    try:
        t = time.fromisoformat(start.strip())
    except ValueError:
        raise Invalid("Write the start as HH:MM on the 24-hour clock, for example 08:30.",
                      field="start") from None
    if not minutes.strip().isdigit():
        raise Invalid("Write how long the visit lasts in whole minutes, for example 30.",
                      field="minutes")
    return d, t, int(minutes)


class RotaState:
    def __init__(self, console: Console, first: date | None = None, days: int = 1):
        self.console = console
        self.first = first or console.today()
        self.days = days
        self.selected: str | None = None
        self.problem = ""
        self.status = ""
        self.found: list[PersonMatch] = []
        self.person: PersonMatch | None = None
        self.filter = RotaFilter()
        self.rota: Rota = self._read()

    def _read(self) -> Rota:
        c = self.console
        return read_rota(c.engine, c.coordinator, self.first, self.days, c.clock, self.filter,
                         keep=self.selected)

    def narrow(self, area: str | None, name: str) -> None:
        """Show the workers of one area ("" every area) whose name holds `name`."""
        self.filter = RotaFilter(area=area or "", name=name.strip())
        self.refresh()

    def turn(self, pages: int) -> None:
        """The next (1) or previous (-1) page of workers."""
        self.filter = replace(self.filter, page=self.rota.filter.page + pages)
        self.refresh()

    def refresh(self) -> None:
        self.rota = self._read()
        self.filter = self.rota.filter  # the page actually shown
        if self.selected and self.rota.visit(self.selected) is None:
            self.selected = None

    def show(self, first: date, days: int) -> None:
        if days == WEEK:  # a week starts on Monday
            first -= timedelta(days=first.weekday())
        self.first, self.days, self.problem, self.status = first, days, "", ""
        self.refresh()

    def step(self, direction: int) -> None:
        self.show(self.first + timedelta(days=direction * self.days), self.days)

    def pick(self, visit_id: str | None) -> None:
        self.selected, self.problem, self.status = visit_id, "", ""

    @property
    def visit(self) -> RotaVisit | None:
        return self.rota.visit(self.selected) if self.selected else None

    def _do(self, change: Callable[[], None], done: str) -> None:
        """Carry out a change; say what happened or, in plain words, why not."""
        try:
            change()
        except ServerError as exc:
            self.problem, self.status = str(exc), ""
            return
        self.problem, self.status = "", done
        self.refresh()

    def reassign(self, worker_id: str | None) -> None:
        v, c = self.visit, self.console
        if v is None:
            return
        if not worker_id:
            self.problem = "Choose the worker to give this visit to."
            return
        name = next((w.name for w in self.rota.workers if w.id == worker_id), "")
        self._do(lambda: reassign_visit(c.engine, c.coordinator, v.id, worker_id, c.clock),
                 f"Visit given to {name}: it moves to their phone at its next sync.")

    def move(self, day: str, start: str, minutes: str) -> None:
        v, c = self.visit, self.console

        def change() -> None:
            assert v is not None
            d, t, m = parse_when(day, start, minutes)
            move_visit(c.engine, c.coordinator, v.id, day=d, start=t, minutes=m, clock=c.clock)

        if v is not None:
            self._do(change, "Visit moved: the worker's phone has the new time at its next sync.")

    def find(self, name: str) -> None:
        c = self.console
        self.found = find_people(c.engine, c.coordinator, name, c.clock)
        self.person = self.found[0] if len(self.found) == 1 else None
        self.problem = "" if self.found else "Nobody of that name: write the person's full name."

    def create(self, worker_id: str | None, visit_type: str | None, day: str, start: str,
               minutes: str) -> None:
        c, person = self.console, self.person

        def change() -> None:
            if person is None:
                raise Invalid("Find the person first (their full name), then choose them.")
            if not worker_id:
                raise Invalid("Choose the worker for this visit.")
            d, t, m = parse_when(day, start, minutes)
            self.selected = create_visit(
                c.engine, c.coordinator, worker_id=worker_id, service_user_id=person.id,
                visit_type=visit_type or "", day=d, start=t, minutes=m, clock=c.clock)

        self._do(change, "Visit added: it reaches the worker's phone at its next sync.")


def render_rota(state: RotaState, redraw: Callable[[], None]) -> list[ft.Control]:
    def act(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            fn()
            redraw()
        return run

    def pick(visit_id: str) -> None:
        state.pick(visit_id)
        redraw()

    r = state.rota
    span = (f"{r.first:%A %d %B %Y}" if r.days == 1 else
            f"week of {r.first:%d %B} to {r.dates[-1]:%d %B %Y}")
    grid = (day_timeline if r.days == 1 else week_grid)(r, state.selected, pick)
    return [
        ft.Row([
            button("console-rota-back", "Back", state.console.back),
            button("console-rota-day", "Day", act(lambda: state.show(state.first, 1))),
            button("console-rota-week", "Week", act(lambda: state.show(state.first, WEEK))),
            button("console-rota-earlier", "Earlier", act(lambda: state.step(-1)),
                   icon=ft.Icons.CHEVRON_LEFT),
            button("console-rota-later", "Later", act(lambda: state.step(1)),
                   icon=ft.Icons.CHEVRON_RIGHT),
            button("console-rota-today", "Today",
                   act(lambda: state.show(state.console.today(), state.days))),
        ], wrap=True),
        heading(f"Rota: {span}"),
        *rota_filters(state, redraw),
        small(f"{sum(1 for v in r.visits if v.worker_id in {w.id for w in r.rows()})} visits "
              f"of the {len(r.rows())} workers shown. Grey: started (stays as it is). Choose "
              "a visit to move or reassign it."),
        labelled("console-rota-problem", problem(state.problem)),
        labelled("console-rota-status", ft.Text(state.status, color=ft.Colors.GREEN_800)),
        ft.Row([
            ft.Container(ft.Row([grid], scroll=ft.ScrollMode.AUTO), expand=True),
            ft.Container(_pane(state, redraw), width=330, padding=12,
                         border=ft.Border.all(1, ft.Colors.GREY_400), border_radius=8),
        ], vertical_alignment=ft.CrossAxisAlignment.START),
    ]


def _when_fields(prefix: str, day: date, start: str, minutes: int
                 ) -> tuple[ft.TextField, ft.TextField, ft.TextField, list[ft.Control]]:
    d = ft.TextField(label="Date (YYYY-MM-DD)", value=day.isoformat(), width=150)
    s = ft.TextField(label="Start (HH:MM)", value=start, width=110)
    m = ft.TextField(label="Minutes", value=str(minutes), width=90)
    return d, s, m, [labelled(f"{prefix}-day", d, "Date"),
                     ft.Row([labelled(f"{prefix}-start", s, "Start time"),
                             labelled(f"{prefix}-minutes", m, "Length in minutes")])]


def _workers(state: RotaState, value: str | None) -> ft.Dropdown:
    return ft.Dropdown(label="Worker", width=300, value=value, options=[
        ft.DropdownOption(key=w.id, text=f"{w.name} ({w.area})" if w.area else w.name)
        for w in state.rota.workers])


def _pane(state: RotaState, redraw: Callable[[], None]) -> ft.Control:
    v = state.visit
    if v is None:
        return _new_visit(state, redraw)
    start, _end = v.local(state.rota.tz)

    def close() -> None:
        state.pick(None)
        redraw()

    worker = next((w.name for w in state.rota.workers if w.id == v.worker_id), "")
    head: list[ft.Control] = [
        ft.Text(v.person_name, size=18, weight=ft.FontWeight.BOLD),
        ft.Text(f"{start:%a %d %b} {visit_words(v, state.rota)}"),
        ft.Text(f"Worker: {worker}"),
        ft.Row([button("console-rota-open", "Visit record",
                       lambda: state.console.go(visit_route(v.id))),
                button("console-rota-close", "New visit", close)], wrap=True)]
    if v.started:
        return ft.Column([*head, ft.Text("This visit has started, so it stays as it is.")])
    who = _workers(state, None)
    day, begin, length, fields = _when_fields("console-rota-move", start.date(),
                                              f"{start:%H:%M}", v.minutes)

    def reassign() -> None:
        state.reassign(who.value)
        redraw()

    def move() -> None:
        state.move(day.value or "", begin.value or "", length.value or "")
        redraw()

    return ft.Column([
        *head, ft.Divider(), ft.Text("Give to another worker", weight=ft.FontWeight.BOLD),
        labelled("console-rota-reassign-worker", who, "Worker to give the visit to"),
        button("console-rota-reassign", "Reassign", reassign, icon=ft.Icons.SWAP_HORIZ),
        ft.Divider(), ft.Text("Move to another time", weight=ft.FontWeight.BOLD), *fields,
        button("console-rota-move", "Move", move, icon=ft.Icons.SCHEDULE),
    ], spacing=8)


def _new_visit(state: RotaState, redraw: Callable[[], None]) -> ft.Control:
    name = ft.TextField(label="Person's full name", width=300)
    who = _workers(state, None)
    kind = ft.Dropdown(label="Visit type", width=300, value=VISIT_TYPES[0], options=[
        ft.DropdownOption(key=t, text=t) for t in VISIT_TYPES])
    day, begin, length, fields = _when_fields("console-rota-new", state.first, "09:00", 30)

    def find() -> None:
        state.find(name.value or "")
        redraw()

    def choice(match: PersonMatch) -> Callable[[], None]:
        def choose() -> None:
            state.person = match
            redraw()
        return choose

    def create() -> None:
        state.create(who.value, kind.value, day.value or "", begin.value or "",
                     length.value or "")
        redraw()

    chosen = state.person
    return ft.Column([
        ft.Text("New visit", size=18, weight=ft.FontWeight.BOLD),
        labelled("console-rota-new-person", name, "Person's full name"),
        button("console-rota-find", "Find person", find, icon=ft.Icons.SEARCH),
        *[button(f"console-rota-person-{i}", f"{m.name} ({m.area})", choice(m))
          for i, m in enumerate(state.found) if len(state.found) > 1],
        ft.Text(f"Person: {chosen.name} ({chosen.area})" if chosen else "No person chosen."),
        labelled("console-rota-new-worker", who, "Worker for the visit"),
        labelled("console-rota-new-type", kind, "Visit type"), *fields,
        button("console-rota-create", "Add to the rota", create, icon=ft.Icons.ADD),
    ], spacing=8)
