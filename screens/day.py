"""Today's visits, in time order: who, where, when, and how each one stands."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import VisitSummary
from screens import nav, widgets
from screens.are_you_ok import are_you_ok
from screens.escalation_marks import escalate_button, escalation_lines
from screens.handover_marks import end_shift_button, status_lines
from screens.sos_button import SosButton
from screens.visit_end import reminder


class DayScreen(nav.ScreenState):
    def __init__(self, app: nav.Shell):
        self.app = app
        self.sos = SosButton(app)

    def open_visit(self, visit_id: str) -> None:
        self.app.go(nav.visit_route(visit_id))

    def render(self) -> list[ft.Control]:
        return render(self)

    def footer(self) -> list[ft.Control]:
        return [self.sos.control(), escalate_button(self.app, None)]


def visit_card(s: DayScreen, index: int, v: VisitSummary) -> ft.Control:
    app = s.app
    window = f"{app.local_time(v.start)}–{app.local_time(v.end)}"
    lines: list[ft.Control] = [
        ft.Row([
            ft.Text(window, size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
            widgets.status_chip(v.status),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        ft.Text(v.person_name, size=20, weight=ft.FontWeight.W_600, color=ft.Colors.BLACK),
        ft.Text(f"{v.area} · {v.visit_type.capitalize()} visit", size=16,
                color=ft.Colors.BLACK_87),
    ]
    if v.address or v.postcode:
        lines.append(ft.Text(", ".join(x for x in (v.address, v.postcode) if x), size=16,
                             color=ft.Colors.BLACK_87))
    lines += time_critical(s, v)
    if v.sync_state != "none":
        lines.append(ft.Text(widgets.STATE_WORDS.get(v.sync_state, ""), size=13,
                             color=ft.Colors.GREY_800))
    card = ft.Container(ft.Column(lines, spacing=4), padding=14, ink=True,
                        on_click=lambda _e: s.open_visit(v.id))
    label = (f"{window} {v.person_name}, {v.area}, {v.visit_type} visit, "
             f"{v.status.replace('_', ' ')}")
    if v.time_critical_open:
        label += ", time-critical medicine due"
    late = v.status == "late"
    # The maps link sits under the card, not inside it: one tap target each.
    return ft.Container(
        ft.Column([widgets.labelled(f"visit-{index}", card, label=label),
                   *maps_link(index, v)], spacing=0),
        border_radius=10, bgcolor=ft.Colors.WHITE,
        border=ft.Border.all(2 if late else 1, widgets.DANGER if late else ft.Colors.GREY_400))


def maps_link(index: int, v: VisitSummary) -> list[ft.Control]:
    if not (v.address or v.postcode):
        return []
    return [ft.Container(widgets.maps_button(f"visit-{index}-maps", v.address, v.postcode),
                         padding=ft.Padding.only(left=4, bottom=4))]


def time_critical(s: DayScreen, v: VisitSummary) -> list[ft.Control]:
    """A marker on visits with time-critical doses: red while one still needs an answer."""
    if not v.time_critical_at:
        return []
    times = ", ".join(s.app.local_time(t) for t in v.time_critical_at)
    colour = widgets.DANGER if v.time_critical_open else widgets.OK
    return [ft.Row([
        ft.Icon(ft.Icons.ALARM, color=colour, size=20),
        ft.Text(f"Time-critical medicine {times}" + ("" if v.time_critical_open else " · done"),
                size=15, color=colour, weight=ft.FontWeight.BOLD),
    ], spacing=6)]


def header(s: DayScreen, count: int, done: int) -> list[ft.Control]:
    app = s.app

    def lock(_e: Any) -> None:
        app.lock()

    today = app.services.today()
    return [
        widgets.heading(f"Today, {today:%A %-d %B}", size=22),
        widgets.body(f"{count} {'visit' if count == 1 else 'visits'} · {done} done"),
        ft.Row([
            widgets.link_button("pin-settings", "Settings",
                                lambda _e: app.go(nav.SECURITY), icon=ft.Icons.PASSWORD),
            widgets.link_button("lock", "Lock", lock, icon=ft.Icons.LOCK),
        ], wrap=True),
    ]


def render(s: DayScreen) -> list[ft.Control]:
    app = s.app
    visits = app.services.visits.day()
    done = sum(1 for v in visits if v.status == "done")
    cards = [visit_card(s, i, v) for i, v in enumerate(visits)]
    if not cards:
        cards = [widgets.body("No visits on your rota today. Pull down or tap sync to check "
                              "for changes from the office.")]
    damaged: list[ft.Control] = []
    unreadable = app.services.visits.unreadable
    if unreadable:
        damaged = [widgets.labelled("unreadable", widgets.body(
            f"{unreadable} record(s) on this phone could not be read (damaged). "
            "The rest are shown. Tell the office.", color=widgets.DANGER))]
    today = [e for e in app.services.escalations.mine()
             if e.raised_at.astimezone(app.tz).date() == app.services.today()]
    raised = [widgets.section("Your escalations today", escalation_lines(app, today))
              ] if today else []
    return [app.banner(), *are_you_ok(app), *reminder(app), *header(s, len(visits), done),
            *damaged, widgets.call_office(app.services.identity().office_phone), *raised,
            *cards, *handing_over(s)]


def handing_over(s: DayScreen) -> list[ft.Control]:
    """End of shift: the way into the handover, and today's handovers with the office's answer."""
    app = s.app
    mine = [h for h in app.services.handover.mine()
            if h.submitted_at.astimezone(app.tz).date() == app.services.today()]
    return [widgets.section("End of shift", [
        end_shift_button(app, app.services.handover.ready_to_end()),
        *status_lines(app, mine)], identifier="end-of-shift")]
