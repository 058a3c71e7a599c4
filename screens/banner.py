"""The records banner at the top of every screen: where the worker's records are, and sync."""

from __future__ import annotations

import flet as ft

from fieldapp.services import SyncCounts
from screens.widgets import DANGER, OK, WARN, Handler, labelled, link_button


def records_banner(counts: SyncCounts, last_sync: str | None, message: str,
                   on_sync: Handler, on_outbox: Handler | None = None) -> ft.Container:
    """Every screen says where the worker's records are: on the phone, sent, or at the office."""
    waiting = counts.on_phone + counts.sent
    if counts.rejected:
        summary, color = f"{counts.rejected} record(s) not accepted — see outbox", DANGER
    elif waiting:
        summary = f"{waiting} record(s) saved on phone, not yet received by the office"
        color = WARN
    elif counts.received:
        summary, color = "All records received by the office", OK
    else:
        summary, color = "No records waiting to be sent", OK
    buttons: list[ft.Control] = []
    if on_outbox is not None:
        buttons.append(link_button("outbox", "Outbox", on_outbox, icon=ft.Icons.OUTBOX))
    buttons.append(link_button("sync-now", "Sync now", on_sync, icon=ft.Icons.SYNC))
    return ft.Container(
        ft.Column([
            labelled("sync-status", ft.Text(summary, size=15, weight=ft.FontWeight.W_600,
                                            color=color)),
            ft.Text(message + (f" Last synced {last_sync}." if last_sync else ""), size=13,
                    color=ft.Colors.BLACK_87),
            ft.Row(buttons, alignment=ft.MainAxisAlignment.END, spacing=4),
        ], spacing=2),
        bgcolor=ft.Colors.GREY_100, padding=ft.Padding.symmetric(horizontal=12, vertical=6),
        border_radius=8,
    )
