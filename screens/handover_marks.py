"""Handover parts other screens show: the day view's end-of-shift button and the worker's
handovers with the office's answer, and a visit's points from earlier handovers."""

from __future__ import annotations

import flet as ft

from fieldapp.services import HandoverPoint, HandoverStatus
from screens import nav, widgets
from sync.codes import HandoverAckState

ANSWERED = (HandoverAckState.ACKNOWLEDGED.value, HandoverAckState.REPLIED.value)


def end_shift_button(app: nav.Shell, ready: bool) -> ft.Control:
    """"End shift & hand over" once the last visit is checked out; "Hand over now" before."""
    if ready:
        return widgets.big_button("end-shift", "End shift & hand over",
                                  lambda _e: app.go(nav.HANDOVER), icon=ft.Icons.ASSIGNMENT)
    return widgets.link_button("hand-over-now", "Hand over now",
                               lambda _e: app.go(nav.HANDOVER), icon=ft.Icons.ASSIGNMENT)


def status_words(app: nav.Shell, h: HandoverStatus) -> str:
    words = f"Handover {app.local_time(h.submitted_at)}, {h.items} item(s): "
    if h.stage in ANSWERED and h.acknowledged_at:
        words += (f"acknowledged by {h.acknowledged_by or 'the office'} at "
                  f"{app.local_time(h.acknowledged_at)}")
    else:
        words += h.words[0].lower() + h.words[1:]
    return words


def status_lines(app: nav.Shell, handovers: list[HandoverStatus]) -> list[ft.Control]:
    """One line per handover (green once the office answered), and the office's reply."""
    out: list[ft.Control] = []
    for i, h in enumerate(handovers):
        out.append(widgets.progress_line(f"handover-status-{i}", h.stage in ANSWERED,
                                         ft.Icons.SCHEDULE, status_words(app, h)))
        if h.reply:
            out.append(widgets.labelled(f"handover-reply-{i}", widgets.body(
                f"Reply from the office: {h.reply}", weight=ft.FontWeight.W_600)))
    return out


def earlier_points(app: nav.Shell, points: list[HandoverPoint]) -> list[ft.Control]:
    """What earlier handovers passed on about this person, to read before checking in."""
    if not points:
        return []
    lines: list[ft.Control] = [
        widgets.marked_line(f"handover-point-{i}", ft.Icons.INFO, widgets.PRIMARY,
                            f"{p.category.label}: {p.text} "
                            f"({p.written_at.astimezone(app.tz):%a %H:%M})")
        for i, p in enumerate(points)]
    return [widgets.section("From earlier handovers", lines, identifier="handover-points")]
