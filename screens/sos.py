"""After an SOS: how far the alert has got (saved, sent, received by the office), and at once
the numbers to call, first of all when it has not reached the office."""

from __future__ import annotations

from typing import Any

import flet as ft

from screens import nav, widgets

EMERGENCY_NUMBER = "999"


class SosScreen(nav.ScreenState):
    def __init__(self, app: nav.Shell, record_id: str):
        self.app = app
        self.record_id = record_id

    def render(self) -> list[ft.Control]:
        return render(self)


def call_999() -> ft.Control:
    async def call(_e: Any) -> None:
        await ft.UrlLauncher().launch_url(f"tel:{EMERGENCY_NUMBER}")

    return widgets.labelled("call-999", ft.FilledButton(
        content=f"Call {EMERGENCY_NUMBER}", icon=ft.Icons.LOCAL_HOSPITAL, on_click=call,
        height=widgets.TOUCH, bgcolor=widgets.DANGER, color=ft.Colors.WHITE),
        label=f"Call {EMERGENCY_NUMBER}")


def render(s: SosScreen) -> list[ft.Control]:
    app = s.app
    status = app.services.lone.sos_status(s.record_id)
    office = app.services.identity().office_phone
    calls = [widgets.call_office(office), call_999()]
    back = widgets.back_button("back", "Today's visits", lambda _e: app.go(nav.DAY))
    if status is None:
        return [back, widgets.heading("SOS"), *calls]
    sent_at = app.local_time(status.raised_at)
    if status.at_office:
        words, colour = f"SOS alert sent at {sent_at}: received by the office.", widgets.OK
        advice = "The office has your alert and will call you. If you can, call them too."
    else:
        words, colour = f"SOS alert saved at {sent_at}: {status.words.lower()}.", widgets.DANGER
        advice = ("Your alert has not reached the office yet (no signal?). Call the office "
                  "or 999 now.")
    head = [widgets.heading("SOS alert", size=26),
            widgets.marked_line("sos-state", ft.Icons.CHECK_CIRCLE if status.at_office
                                else ft.Icons.WARNING, colour, words),
            widgets.body(advice, weight=ft.FontWeight.W_600)]
    sync = widgets.link_button("sos-sync", "Try sending again", _resend(app), icon=ft.Icons.SYNC)
    return [back, *head, *calls, *([] if status.at_office else [sync])]


def _resend(app: nav.Shell) -> widgets.Handler:
    async def resend(_e: Any) -> None:
        await app.sync_now()
        app.refresh()

    return resend
