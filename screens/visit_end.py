"""When the open visit is due to end: the reminder ("check out or extend") and, on the visit
screen, "Need more time?" with 15, 30 or 60 more minutes, which the office is told at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.services import EXTEND_CHOICES, FieldAppError
from screens import nav, widgets


def reminder(app: nav.Shell, visit_id: str | None = None) -> list[ft.Control]:
    """"Your visit is due to end at HH:MM — check out or extend", from 10 minutes before."""
    due = app.services.lone.reminder(visit_id)
    if due is None:
        return []
    words = (f"Your visit is due to end at {app.local_time(due.ends_at)} — check out or "
             "extend")
    line = widgets.marked_line("end-reminder", ft.Icons.ALARM, widgets.WARN, words)
    if visit_id is not None:
        return [line]
    # On the day view the line opens the visit, where both actions are.
    return [line, widgets.link_button("end-reminder-open", "Open the visit",
                                      lambda _e: app.go(nav.visit_route(due.visit_id)),
                                      icon=ft.Icons.ARROW_FORWARD)]


def need_more_time(app: nav.Shell, visit_id: str, say: Callable[[str], None]) -> ft.Control:
    """The extend choices of a checked-in visit; `say(text)` shows a problem next to them."""
    end = app.services.lone.expected_end(visit_id)

    def extend(minutes: int) -> widgets.Handler:
        def tap(_e: Any) -> None:
            try:
                app.services.lone.extend(visit_id, minutes)
            except FieldAppError as exc:
                say(str(exc))
                return
            app.request_sync()
            app.refresh()
        return tap

    buttons: list[ft.Control] = [
        widgets.labelled(f"extend-{m}", ft.OutlinedButton(
            content=f"+{m} min", on_click=extend(m), height=widgets.TOUCH),
            label=f"{m} more minutes")
        for m in EXTEND_CHOICES]
    lines: list[ft.Control] = []
    if end is not None:
        lines.append(widgets.labelled("expected-end", widgets.body(
            f"Expected to end at {app.local_time(end)}. The office checks on you if you have "
            "not checked out soon after.", size=15)))
    return widgets.section("Need more time?", [*lines, ft.Row(buttons, wrap=True, spacing=8)],
                           identifier="need-more-time")
