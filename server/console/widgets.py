"""Small pieces every console screen draws with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft


def labelled(identifier: str, control: ft.Control, label: str | None = None) -> ft.Semantics:
    """`control` with an accessibility identifier (what the browser tests find it by)."""
    return ft.Semantics(identifier=identifier, label=label, content=control)


def button(identifier: str, text: str, action: Callable[[], Any],
           icon: ft.IconData | None = None) -> ft.Semantics:
    return labelled(identifier, ft.Button(text, icon=icon, on_click=lambda _e: action()))


def local_hm(iso: str | None, tz: ZoneInfo) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%H:%M")


def heading(text: str) -> ft.Text:
    return ft.Text(text, size=24, weight=ft.FontWeight.BOLD)


def small(text: str) -> ft.Text:
    return ft.Text(text, size=12, color=ft.Colors.GREY_700)


def problem(text: str) -> ft.Text:
    return ft.Text(text, color=ft.Colors.RED_800)
