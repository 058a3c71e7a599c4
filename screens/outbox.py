"""The outbox: every record on this phone and how far it has got (phone → sent → office)."""

from __future__ import annotations

import flet as ft

from fieldapp.services import OutboxEntry
from screens import nav, widgets
from sync.kinds import KINDS

KIND_WORDS = {code: kind.label for code, kind in KINDS.items()}


class OutboxScreen(nav.ScreenState):
    def __init__(self, app: nav.Shell):
        self.app = app

    def line(self, i: int, r: OutboxEntry) -> ft.Control:
        app = self.app
        when = app.local_time(r.recorded_at)
        visit = f" · visit at {app.local_time(r.visit_start)}" if r.visit_start else ""
        state = widgets.STATE_WORDS.get(r.sync_state, r.sync_state)
        text = f"{when} {KIND_WORDS.get(r.kind, r.kind)}{visit} — {state}"
        if r.sync_state == "rejected" and r.reject_reason:
            text += f": {r.reject_reason}"
        color = widgets.DANGER if r.sync_state == "rejected" else (
            widgets.OK if r.sync_state == "received" else widgets.WARN)
        return widgets.labelled(f"outbox-{i}", ft.Text(text, size=15, color=color))

    def render(self) -> list[ft.Control]:
        return render(self)


def render(s: OutboxScreen) -> list[ft.Control]:
    counts = s.app.visible_counts()
    last = s.app.last_synced()
    lines: list[ft.Control] = [
        widgets.back_button("back", "Today's visits", lambda _e: s.app.go(nav.DAY)),
        s.app.banner(),
        widgets.heading("Outbox"),
        widgets.body(f"Saved on phone: {counts.on_phone} · Sent, not yet confirmed: "
                     f"{counts.sent} · Received by the office: {counts.received}"
                     + (f" · Not accepted: {counts.rejected}" if counts.rejected else "")),
        widgets.body("Last successful sync: " + (last or "not yet"), size=15),
    ]
    rows = s.app.ledger()
    lines += [s.line(i, r) for i, r in enumerate(rows)]
    if not rows:
        lines.append(widgets.body("Nothing recorded on this phone yet."))
    return lines
