"""Shared building blocks: big labelled buttons, fields, chips, links and the records banner.

Imports no screen: every screen builds from these, so none needs another screen's module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote_plus

import flet as ft

TOUCH = 56  # px: comfortably above the 48 px minimum for a gloved or shaky thumb
PRIMARY = ft.Colors.BLUE_900
DANGER = ft.Colors.RED_900
OK = ft.Colors.GREEN_900
WARN = ft.Colors.ORANGE_900
Handler = Callable[[Any], Any]


def local_time(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%H:%M")


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


def link_button(identifier: str, text: str, on_click: Handler,
                icon: ft.IconData | None = None) -> ft.Semantics:
    """A text button with its words visible (never an icon alone) and a full-size target."""
    # In a row of its own, so a full-width column does not stretch and centre it.
    return labelled(identifier, ft.Row([ft.TextButton(text, icon=icon, on_click=on_click,
                                                      height=TOUCH)], tight=True), label=text)


def back_button(identifier: str, text: str, on_click: Handler) -> ft.Semantics:
    return link_button(identifier, text, on_click, icon=ft.Icons.ARROW_BACK)


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


def section(title: str, controls: list[ft.Control], identifier: str | None = None
            ) -> ft.Control:
    """A titled block of a long screen, so a worker can see where one part ends."""
    block = ft.Container(
        ft.Column([heading(title, size=20), *controls], spacing=8),
        padding=ft.Padding.only(top=8, bottom=8),
        border=ft.Border.only(top=ft.BorderSide(2, ft.Colors.GREY_300)))
    return labelled(identifier, block) if identifier else block


def marked_line(identifier: str, icon: ft.IconData, colour: str, text: str) -> ft.Semantics:
    """An answer as icon + words + colour, so no two outcomes rely on colour alone."""
    return labelled(identifier, ft.Row([
        ft.Icon(icon, color=colour, size=22),
        ft.Text(text, size=15, color=colour, weight=ft.FontWeight.BOLD, expand=True),
    ], vertical_alignment=ft.CrossAxisAlignment.START))


def progress_line(identifier: str, settled: bool, waiting_icon: ft.IconData,
                  text: str) -> ft.Semantics:
    """Where something sent to the office stands: a green tick once the office has it in
    hand (`settled`), else amber with `waiting_icon`."""
    return marked_line(identifier, ft.Icons.CHECK_CIRCLE if settled else waiting_icon,
                       OK if settled else WARN, text)


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


def maps_url(address: str, postcode: str) -> str:
    """A maps search for the address; the postcode alone finds the street if the rest is off."""
    return ("https://www.google.com/maps/search/?api=1&query="
            + quote_plus(", ".join(x for x in (address, postcode) if x)))


def maps_button(identifier: str, address: str, postcode: str) -> ft.Semantics:
    """"Open in maps": the phone's maps app (or the browser) searches for the address."""

    async def open_maps(_e: Any) -> None:
        await ft.UrlLauncher().launch_url(maps_url(address, postcode))

    return link_button(identifier, "Open in maps", open_maps, icon=ft.Icons.MAP)


def address_block(identifier: str, address: str, postcode: str) -> list[ft.Control]:
    """The address and postcode in words, and a link that opens them in maps."""
    if not (address or postcode):
        return []
    return [
        ft.Text(", ".join(x for x in (address, postcode) if x), size=16, color=ft.Colors.BLACK),
        maps_button(identifier, address, postcode),
    ]


def call_office(number: str) -> ft.Control:
    """Tap to phone the office: works with no data signal, so nobody waits for sync."""

    async def call(_e: Any) -> None:
        await ft.UrlLauncher().launch_url(f"tel:{number.replace(' ', '')}")

    return labelled("call-office", ft.OutlinedButton(
        content=f"Call the office {number}".strip(), icon=ft.Icons.PHONE, on_click=call,
        height=TOUCH), label="Call the office")


STATE_WORDS = {
    "none": "Nothing recorded yet",
    "phone": "Saved on phone",
    "sent": "Sent, waiting for the office",
    "received": "Received by the office",
    "rejected": "Not accepted by the office",
}
