"""The outbox: every record on this phone and how far it has got (phone → sent → office)."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.domain.clock import parse_utc
from fieldapp.services.duress import visible_counts
from fieldapp.store import replica
from screens import widgets
from screens.app import WorkerApp

KIND_WORDS = {
    "check_in": "Check-in",
    "check_out": "Check-out",
    "task_outcome": "Task",
    "dose_outcome": "Medicine",
    "note": "Note",
    "addendum": "Correction",
    "escalation": "Escalation",
    "lone_worker": "Welfare check",
    "handover": "Handover",
}
SHOW_AT_MOST = 100


def ledger_rows(app: WorkerApp) -> list[dict[str, Any]]:
    """Newest first; records waiting or refused before those the office already has.

    Silent records (a duress alert) are never listed: a coercer may be watching the screen.
    """
    return app.store.rows(
        "SELECT r.id, r.kind, r.recorded_at, r.sync_state, r.reject_reason, v.start "
        "FROM records r LEFT JOIN visits v ON v.id = r.visit_id "
        "WHERE r.kind != 'lone_worker' "
        "ORDER BY CASE r.sync_state WHEN 'rejected' THEN 0 WHEN 'phone' THEN 1 "
        "WHEN 'sent' THEN 2 ELSE 3 END, r.recorded_at DESC LIMIT ?",
        [SHOW_AT_MOST],
    )


def show_outbox(app: WorkerApp) -> None:
    from screens.day import show_day

    def render() -> list[ft.Control]:
        counts = visible_counts(app.store)
        last = app.store.get_meta(replica.LAST_SYNC_KEY)
        lines: list[ft.Control] = [
            widgets.labelled("back", ft.TextButton("Today's visits", icon=ft.Icons.ARROW_BACK,
                                                   on_click=lambda _e: show_day(app),
                                                   height=widgets.TOUCH), label="Back to today"),
            app.banner(),
            widgets.heading("Outbox"),
            widgets.body(f"Saved on phone: {counts.on_phone} · Sent, not yet confirmed: "
                         f"{counts.sent} · Received by the office: {counts.received}"
                         + (f" · Not accepted: {counts.rejected}" if counts.rejected else "")),
            widgets.body("Last successful sync: "
                         + (app.local_time(parse_utc(last)) if last else "not yet"), size=15),
        ]
        rows = ledger_rows(app)
        for i, r in enumerate(rows):
            when = app.local_time(parse_utc(r["recorded_at"]))
            visit = f" · visit at {app.local_time(parse_utc(r['start']))}" if r["start"] else ""
            state = widgets.STATE_WORDS.get(r["sync_state"], r["sync_state"])
            text = f"{when} {KIND_WORDS.get(r['kind'], r['kind'])}{visit} — {state}"
            if r["sync_state"] == "rejected" and r["reject_reason"]:
                text += f": {r['reject_reason']}"
            color = widgets.DANGER if r["sync_state"] == "rejected" else (
                widgets.OK if r["sync_state"] == "received" else ft.Colors.ORANGE_900)
            lines.append(widgets.labelled(f"outbox-{i}", ft.Text(text, size=15, color=color)))
        if not rows:
            lines.append(widgets.body("Nothing recorded on this phone yet."))
        return lines

    app.set_screen(render)
