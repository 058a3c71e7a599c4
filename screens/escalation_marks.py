"""The always-reachable Escalate button and the lines that say how far each of the worker's
escalations has got with the office (acknowledged at what time). Imports no screen."""

from __future__ import annotations

import flet as ft

from fieldapp.services import EscalationStatus
from screens import nav, widgets
from sync.codes import EscalationState

DONE_STAGES = (EscalationState.ACKNOWLEDGED.value, EscalationState.RESOLVED.value)


def escalate_button(app: nav.Shell, visit_id: str | None) -> ft.Control:
    return widgets.big_button("escalate", "Escalate a concern",
                              lambda _e: app.go(nav.escalate_route(visit_id)),
                              icon=ft.Icons.REPORT, color=widgets.DANGER, outlined=True)


def status_words(app: nav.Shell, e: EscalationStatus) -> str:
    words = f"{e.type.label} ({e.severity.value}), raised {app.local_time(e.raised_at)}: "
    if e.stage == EscalationState.ACKNOWLEDGED and e.acknowledged_at:
        return words + f"acknowledged by the office at {app.local_time(e.acknowledged_at)}"
    if e.stage == EscalationState.RESOLVED and e.resolved_at:
        return words + f"resolved by the office at {app.local_time(e.resolved_at)}"
    return words + e.words[0].lower() + e.words[1:]


def escalation_lines(app: nav.Shell, escalations: list[EscalationStatus]) -> list[ft.Control]:
    """One line per escalation, newest first; green once the office has it in hand."""
    return [widgets.progress_line(f"escalation-{i}", e.stage in DONE_STAGES, ft.Icons.REPORT,
                                  status_words(app, e)) for i, e in enumerate(escalations)]
