"""The coordinator console: a Flet web app on the same services, authorisation and audit.

Each screen has its own address under the console's path: `/` the risk board beside the day's
visits,
`/visits/<id>` a visit's record, `/people/<id>/mar` a person's MAR chart,
`/people/<id>/medicines` their medicines list (`.../medicines/history` its versions),
`/people/<id>/care-plan` their care plan's tasks, `/medicines/to-check` the changes waiting
for a second check, `/escalations` the
escalation queue, `/lone-working` the live board of lone working, `/handovers` the handover
inbox (`/escalations/<id>` and `/handovers/<id>` for one), `/notes` the visit notes review,
`/audit` the audit log (admins only), `/rota` the rota, `/devices` the phones, `/exports` the CSV
exports, `/charts` the weekly charts. Screens open on top
of the first screen, so back (the app bar's arrow, a Back button or the browser's) returns to the
screen below. An address opened before signing in is shown once the coordinator has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flet as ft
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine

from server.clock import SYSTEM_CLOCK, Clock
from server.console.context import HOME, SIGNED_OUT, Console
from server.console.safe_errors import shield
from server.console.screens.audit import AUDIT, AuditState, render_audit
from server.console.screens.board import HomeState, render_home
from server.console.screens.care_plan import CarePlanState, render_care_plan
from server.console.screens.charts import CHARTS, ChartsState, render_charts
from server.console.screens.devices import DEVICES, DevicesState, render_devices
from server.console.screens.escalation import EscalationState, render_escalation
from server.console.screens.escalations import EscalationsState, render_escalations
from server.console.screens.exports import EXPORTS, ExportsState, render_exports
from server.console.screens.handover import HandoverState, render_handover
from server.console.screens.handovers import HandoversState, render_handovers
from server.console.screens.lone_working import (
    LONE_WORKING,
    LoneWorkingState,
    render_lone_working,
)
from server.console.screens.mar import MarState, render_mar
from server.console.screens.med_checks import ToCheckState, render_to_check
from server.console.screens.med_history import HistoryState, render_history
from server.console.screens.medicines import TO_CHECK, MedicinesState, render_medicines
from server.console.screens.notes import NOTES, NotesState, render_notes
from server.console.screens.rota import ROTA, RotaState, render_rota
from server.console.screens.sign_in import SignInState, render_sign_in
from server.console.screens.visit import VisitState, render_visit
from server.console.session import SessionRules, guard_events, watch
from server.console.widgets import button, labelled, problem
from server.errors import ServerError
from server.services.sign_in_doors import SignInDoors

Render = Callable[[Any, Callable[[], None]], list[ft.Control]]


@dataclass(frozen=True)
class Screen:
    template: str  # the route, with :parameters
    title: str
    state: Callable[..., Any]  # (console, **parameters) -> the screen's view state
    render: Render


SCREENS = (
    Screen("/escalations/:escalation_id", "Escalation", EscalationState, render_escalation),
    Screen("/escalations", "Escalations", EscalationsState, render_escalations),
    Screen(LONE_WORKING, "Lone working", LoneWorkingState, render_lone_working),
    Screen("/handovers/:handover_id", "Handover", HandoverState, render_handover),
    Screen("/handovers", "Handovers", HandoversState, render_handovers),
    Screen("/visits/:visit_id", "Visit record", VisitState, render_visit),
    Screen(NOTES, "Visit notes review", NotesState, render_notes),
    Screen(AUDIT, "Audit log", AuditState, render_audit),
    Screen("/people/:service_user_id/mar", "MAR chart", MarState, render_mar),
    Screen("/people/:service_user_id/medicines/history", "Medicines: history",
           HistoryState, render_history),
    Screen("/people/:service_user_id/medicines", "Medicines list", MedicinesState,
           render_medicines),
    Screen(ROTA, "Rota", RotaState, render_rota),
    Screen(DEVICES, "Phones", DevicesState, render_devices),
    Screen(EXPORTS, "Exports", ExportsState, render_exports),
    Screen(CHARTS, "Charts", ChartsState, render_charts),
    Screen("/people/:service_user_id/care-plan", "Care plan", CarePlanState,
           render_care_plan),
    Screen(TO_CHECK, "Medicines and care plans: changes to check", ToCheckState,
           render_to_check),
    Screen(HOME, "Office console", HomeState, render_home),
)


def make_console(engine: Engine, key: Callable[[], X25519PrivateKey],
                 clock: Clock = SYSTEM_CLOCK, rules: SessionRules | None = None,
                 doors: SignInDoors | None = None,
                 keys: Callable[[str], X25519PrivateKey] | None = None,
                 ) -> Callable[[ft.Page], None]:
    """The console's page builder. `doors` (failed sign-ins) are shared by every page of this
    server process; `rules` say how long a sign-in lasts. `keys` gives each agency's escrow
    key (several agencies on one server); without it every page uses `key`."""
    rules = rules or SessionRules()
    doors = doors or SignInDoors(engine, clock)

    def main(page: ft.Page) -> None:
        shield(page)
        page.title = "Field App — office console"
        page.theme_mode = ft.ThemeMode.LIGHT
        console = Console(page, engine, key, clock, doors=doors, rules=rules)
        if keys is not None:
            console.key = lambda: keys(console.coordinator.tenant_id)
        Navigator(console).start()

    return main


class Navigator:
    """Keeps the page's views in step with its route: the first screen (the risk board and the
    day's visits) at the bottom, the screen the route names on top. A view already built (a
    visit below its MAR chart) is kept as it is, so going back does not open its records
    again."""

    def __init__(self, console: Console):
        self.console = console
        self.page = console.page
        self.stack: list[ft.View] = []

    def start(self) -> None:
        self.page.on_route_change = lambda _e: self.show()
        self.page.on_view_pop = lambda _e: self.console.back()
        c = self.console
        guard_events(self.page.session, c.clock, lambda: c.times, c.rules, self.expire,
                     lets_through=lambda event: event == "route_change")
        open_ = [True]

        def closed(_e: object) -> None:
            open_[0] = False

        self.page.on_close = closed
        self.page.run_task(watch, c.clock, lambda: c.times, c.rules, self.expire,
                           lambda: open_[0])
        self.show()

    def expire(self, farewell: str) -> None:
        """The session is over: forget every screen built for it and show the sign-in page."""
        self.console.sign_out(farewell)
        self.show()

    def sign_out(self) -> None:
        """The coordinator's own sign-out: back to the sign-in page at the console's start."""
        self.console.sign_out(SIGNED_OUT)
        self.stack = []
        if (self.page.route or HOME) == HOME:
            self.show()
        else:
            self.console.go(HOME)

    def show(self) -> None:
        route = self.page.route or HOME
        if self.console.who is None:
            # Not kept (no `data`): once signed in, the screens are built afresh; nothing
            # built for the last coordinator is kept either.
            self.stack = [self._view(route, "Office console", SignInState(
                self.console, self.show), render_sign_in, keep=False)]
        else:
            self._follow(route)
            for view in self.stack:  # one sign-out on screen: the top view's
                if isinstance(view.appbar, ft.AppBar):
                    view.appbar.actions = self._actions() if view is self.stack[-1] else []
        self.page.views.clear()
        self.page.views.extend(self.stack)
        self.page.update()

    def _follow(self, route: str) -> None:
        kept = next((i for i, v in enumerate(self.stack) if v.route == route and v.data), None)
        if kept is not None:
            del self.stack[kept + 1:]
            return
        if route == HOME or not (self.stack and self.stack[0].route == HOME
                                 and self.stack[0].data):
            self.stack = [self._screen(HOME)]
        if route != HOME:
            self.stack.append(self._screen(route))

    def _screen(self, route: str) -> ft.View:
        for screen in SCREENS:
            match = ft.TemplateRoute(route)
            if match.match(screen.template):
                params = {k: v for k, v in vars(match).items()
                          if not k.startswith("_") and k != "route"}
                try:
                    state = screen.state(self.console, **params)
                except ServerError as exc:
                    return self._problem(route, str(exc))
                return self._view(route, screen.title, state, screen.render)
        return self._problem(route, "There is no such page in the office console.")

    def _view(self, route: str, title: str, state: Any, render: Render,
              keep: bool = True) -> ft.View:
        view = ft.View(route=route, appbar=self._bar(title), scroll=ft.ScrollMode.AUTO,
                       padding=16, data=state if keep else None)

        def controls() -> list[ft.BaseControl]:
            return [*render(state, redraw)]

        def redraw() -> None:
            view.controls = controls()
            self.page.update()

        view.controls = controls()
        return view

    def _problem(self, route: str, message: str) -> ft.View:
        return ft.View(route=route, appbar=self._bar("Office console"),
                       padding=16, controls=[
                           problem(message),
                           button("console-back", "Back to the day",
                                  lambda: self.console.go(HOME))])

    def _bar(self, title: str) -> ft.AppBar:
        return ft.AppBar(title=ft.Text(title))

    def _actions(self) -> list[ft.Control]:
        """Who is signed in, and the sign-out action (on every screen's app bar)."""
        who = self.console.coordinator
        return [
            ft.Text(who.name),
            labelled("console-sign-out", ft.TextButton(
                "Sign out", icon=ft.Icons.LOGOUT, on_click=lambda _e: self.sign_out()),
                label="Sign out"),
            ft.Container(width=8),
        ]
