"""Today's visits, in time order: who, where, when, and how each one stands."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services.visits import VisitSummary
from screens import widgets
from screens.app import WorkerApp

STATUS_STYLE = {
    "due": ("Due", ft.Colors.BLUE_900, ft.Colors.BLUE_50),
    "late": ("Late", ft.Colors.RED_900, ft.Colors.RED_50),
    "in_progress": ("In progress", ft.Colors.ORANGE_900, ft.Colors.ORANGE_50),
    "done": ("Done", ft.Colors.GREEN_900, ft.Colors.GREEN_50),
    "missed": ("Missed", ft.Colors.RED_900, ft.Colors.RED_50),
}


def status_chip(status: str) -> ft.Container:
    text, fg, bg = STATUS_STYLE.get(status, (status, ft.Colors.BLACK, ft.Colors.GREY_200))
    return ft.Container(
        ft.Text(text, color=fg, weight=ft.FontWeight.BOLD, size=14),
        bgcolor=bg, border=ft.Border.all(1, fg), border_radius=12,
        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
    )


def visit_card(app: WorkerApp, index: int, v: VisitSummary) -> ft.Control:
    from screens.visit import show_visit

    window = f"{app.local_time(v.start)}–{app.local_time(v.end)}"
    records = widgets.STATE_WORDS.get(v.sync_state, "")
    card = ft.Container(
        ft.Column([
            ft.Row([
                ft.Text(window, size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
                status_chip(v.status),
            ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.Text(v.person_name, size=20, weight=ft.FontWeight.W_600, color=ft.Colors.BLACK),
            ft.Text(f"{v.area} · {v.visit_type.capitalize()} visit", size=16,
                    color=ft.Colors.BLACK_87),
            *time_critical(app, v),
            ft.Text(records, size=13, color=ft.Colors.GREY_800) if v.sync_state != "none"
            else ft.Container(),
        ], spacing=4),
        padding=14, border_radius=10, bgcolor=ft.Colors.WHITE,
        border=ft.Border.all(2 if v.status == "late" else 1,
                             ft.Colors.RED_900 if v.status == "late" else ft.Colors.GREY_400),
        on_click=lambda _e: show_visit(app, v.id),
        ink=True,
    )
    status = v.status.replace("_", " ")
    label = f"{window} {v.person_name}, {v.area}, {v.visit_type} visit, {status}"
    if v.time_critical_open:
        label += ", time-critical medicine due"
    return widgets.labelled(f"visit-{index}", card, label=label)


def time_critical(app: WorkerApp, v: VisitSummary) -> list[ft.Control]:
    """A marker on visits with time-critical doses: red while one still needs an answer."""
    if not v.time_critical_at:
        return []
    times = ", ".join(app.local_time(t) for t in v.time_critical_at)
    colour = widgets.DANGER if v.time_critical_open else widgets.OK
    return [ft.Row([
        ft.Icon(ft.Icons.ALARM, color=colour, size=20),
        ft.Text(f"Time-critical medicine {times}" + ("" if v.time_critical_open else " · done"),
                size=15, color=colour, weight=ft.FontWeight.BOLD),
    ], spacing=6)]


def show_day(app: WorkerApp) -> None:
    from screens.security import show_security

    def lock(_e: Any) -> None:
        app.lock()

    def pin_settings(_e: Any) -> None:
        show_security(app)

    def render() -> list[ft.Control]:
        visits = app.visits.day()
        today = app.visits.today()
        done = sum(1 for v in visits if v.status == "done")
        header = ft.Row([
            ft.Column([
                widgets.heading(f"Today, {today:%A %-d %B}", size=22),
                widgets.body(f"{len(visits)} {'visit' if len(visits) == 1 else 'visits'} · "
                             f"{done} done"),
            ], spacing=0, expand=True),
            widgets.labelled("pin-settings",
                             ft.IconButton(ft.Icons.PASSWORD, on_click=pin_settings,
                                           tooltip="PIN settings", width=widgets.TOUCH,
                                           height=widgets.TOUCH),
                             label="Change PIN or set a duress PIN"),
            widgets.labelled("lock", ft.IconButton(ft.Icons.LOCK, on_click=lock, tooltip="Lock",
                                                   width=widgets.TOUCH, height=widgets.TOUCH),
                             label="Lock the app"),
        ])
        cards = [visit_card(app, i, v) for i, v in enumerate(visits)]
        if not cards:
            cards = [widgets.body("No visits on your rota today. Pull down or tap sync to check "
                                  "for changes from the office.")]
        from screens.visit import call_office

        damaged: list[ft.Control] = []
        if app.visits.unreadable:
            damaged = [widgets.labelled("unreadable", widgets.body(
                f"{app.visits.unreadable} record(s) on this phone could not be read (damaged). "
                "The rest are shown. Tell the office.", color=widgets.DANGER))]
        return [app.banner(), header, *damaged, call_office(app), *cards]

    app.set_screen(render)
