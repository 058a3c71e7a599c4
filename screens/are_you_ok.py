"""The office asking "Are you OK?" (a visit ran past its expected end): shown at the top of the
day view and the visit screen until the worker answers. "I need help" sends an SOS at once:
they were asked, so no hold is needed."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import FieldAppError
from screens import nav, widgets


def are_you_ok(app: nav.Shell) -> list[ft.Control]:
    question = app.services.lone.question()
    if question is None:
        return []
    session_id = question.session_id

    def ok(_e: Any) -> None:
        try:
            app.services.lone.answer_ok(session_id)
        except FieldAppError:
            return  # the question stays on screen: they can answer again
        app.request_sync()
        app.refresh()

    async def help_(_e: Any) -> None:
        await app.send_sos(session_id)

    asked = (f" (asked {app.local_time(question.asked_at)})" if question.asked_at else "")
    return [widgets.labelled("are-you-ok", ft.Container(ft.Column([
        ft.Row([ft.Icon(ft.Icons.HEALTH_AND_SAFETY, color=widgets.WARN, size=30),
                widgets.heading("Are you OK?", size=24)], spacing=8),
        widgets.body("Your visit has run past its expected end. The office is asking "
                     f"whether you are safe{asked}.", weight=ft.FontWeight.W_600),
        widgets.big_button("welfare-ok", "I'm OK", ok, color=widgets.OK,
                           icon=ft.Icons.CHECK_CIRCLE),
        widgets.big_button("welfare-help", "I need help", help_, color=widgets.DANGER,
                           icon=ft.Icons.SOS),
    ], spacing=8), bgcolor=ft.Colors.ORANGE_50, border=ft.Border.all(3, widgets.WARN),
        border_radius=10, padding=12), label="Are you OK?")]
