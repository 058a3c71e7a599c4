"""Shared building blocks: big labelled buttons, fields, and the records-status banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.store.replica import SyncCounts

TOUCH = 56  # px: comfortably above the 48 px minimum for a gloved or shaky thumb
PRIMARY = ft.Colors.BLUE_900
DANGER = ft.Colors.RED_900
OK = ft.Colors.GREEN_900
Handler = Callable[[Any], Any]


def labelled(identifier: str, control: ft.Control, label: str | None = None) -> ft.Semantics:
    """Every actionable control carries an accessibility identifier (the browser tests use it)."""
    return ft.Semantics(identifier=identifier, label=label, content=control)


def big_button(identifier: str, text: str, on_click: Handler, *, color: str = PRIMARY,
               icon: ft.IconData | None = None, outlined: bool = False) -> ft.Semantics:
    style = ft.ButtonStyle(
        text_style=ft.TextStyle(size=18, weight=ft.FontWeight.W_600),
        shape=ft.RoundedRectangleBorder(radius=10),
    )
    if outlined:
        button: ft.Control = ft.OutlinedButton(
            content=text, icon=icon, on_click=on_click, height=TOUCH, style=style,
            expand=True)
    else:
        button = ft.FilledButton(
            content=text, icon=icon, on_click=on_click, height=TOUCH, style=style,
            bgcolor=color, color=ft.Colors.WHITE, expand=True)
    return labelled(identifier, ft.Row([button]), label=text)


def field(identifier: str, label: str, *, password: bool = False, numeric: bool = False,
          value: str = "", multiline: bool = False, hint: str | None = None) -> ft.TextField:
    return ft.TextField(
        label=label, value=value, password=password, can_reveal_password=password,
        keyboard_type=ft.KeyboardType.NUMBER if numeric else None,
        multiline=multiline, min_lines=3 if multiline else None, hint_text=hint,
        text_size=18, border=ft.OutlineInputBorder(border_radius=8),
    )


def heading(text: str, size: int = 24) -> ft.Text:
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK)


def body(text: str, **kwargs: Any) -> ft.Text:
    kwargs.setdefault("size", 16)
    kwargs.setdefault("color", ft.Colors.BLACK)
    return ft.Text(text, **kwargs)


def error_text() -> ft.Text:
    return ft.Text("", color=DANGER, size=16, weight=ft.FontWeight.W_600)


STATE_WORDS = {
    "none": "Nothing recorded yet",
    "phone": "Saved on phone",
    "sent": "Sent, waiting for the office",
    "received": "Received by the office",
    "rejected": "Not accepted by the office",
}


def records_banner(counts: SyncCounts, last_sync: str | None, message: str,
                   on_sync: Handler, on_outbox: Handler | None = None) -> ft.Container:
    """Every screen says where the worker's records are: on the phone, sent, or at the office."""
    waiting = counts.on_phone + counts.sent
    if counts.rejected:
        summary, color = f"{counts.rejected} record(s) not accepted — see outbox", DANGER
    elif waiting:
        summary = f"{waiting} record(s) saved on phone, not yet received by the office"
        color = ft.Colors.ORANGE_900
    elif counts.received:
        summary, color = "All records received by the office", OK
    else:
        summary, color = "No records waiting to be sent", OK
    lines = [
        labelled("sync-status", ft.Text(summary, size=15, weight=ft.FontWeight.W_600,
                                        color=color)),
        ft.Text(message + (f" Last synced {last_sync}." if last_sync else ""), size=13,
                color=ft.Colors.BLACK_87),
    ]
    outbox: list[ft.Control] = []
    if on_outbox is not None:
        outbox = [labelled("outbox", ft.IconButton(ft.Icons.OUTBOX, on_click=on_outbox,
                                                   tooltip="Outbox: every record and where "
                                                   "it is", icon_size=28, width=TOUCH,
                                                   height=TOUCH), label="Open the outbox")]
    return ft.Container(
        ft.Row([
            ft.Column(lines, spacing=2, expand=True),
            *outbox,
            labelled("sync-now", ft.IconButton(ft.Icons.SYNC, on_click=on_sync,
                                               tooltip="Sync now", icon_size=28,
                                               width=TOUCH, height=TOUCH), label="Sync now"),
        ]),
        bgcolor=ft.Colors.GREY_100, padding=ft.Padding.symmetric(horizontal=12, vertical=6),
        border_radius=8,
    )
