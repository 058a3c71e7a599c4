"""The coordinator console: a Flet web app using the same services, authorisation and audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine

from server import office
from server.clock import SYSTEM_CLOCK, Clock, local_today
from server.errors import ServerError

KIND_LABELS = {
    "check_in": "Checked in",
    "check_out": "Checked out",
    "task_outcome": "Task",
    "note": "Visit note",
    "dose_outcome": "Medicine",
    "addendum": "Correction",
    "escalation": "Escalation",
    "lone_worker": "Lone-worker event",
    "handover": "Handover",
}


def labelled(identifier: str, control: ft.Control, label: str | None = None) -> ft.Semantics:
    return ft.Semantics(identifier=identifier, label=label, content=control)


def local_hm(iso: str | None, tz: ZoneInfo) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%H:%M")


def make_console(engine: Engine, key: Callable[[], X25519PrivateKey],
                 clock: Clock = SYSTEM_CLOCK) -> Callable[[ft.Page], None]:
    def main(page: ft.Page) -> None:
        ConsoleApp(page, engine, key, clock).show_login()

    return main


class ConsoleApp:
    def __init__(self, page: ft.Page, engine: Engine, key: Callable[[], X25519PrivateKey],
                 clock: Clock = SYSTEM_CLOCK):
        self.page = page
        self.clock = clock
        self.engine = engine
        self.key = key
        self.who: office.Coordinator | None = None
        self.tz = ZoneInfo("Europe/London")
        page.title = "Field App — office console"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.padding = 16
        page.scroll = ft.ScrollMode.AUTO

    def _set(self, *controls: ft.Control) -> None:
        self.page.controls.clear()
        self.page.controls.extend(controls)
        self.page.update()

    # --- sign in --------------------------------------------------------------------------
    def show_login(self, message: str = "") -> None:
        email = ft.TextField(label="Email", autofocus=True, width=360,
                             keyboard_type=ft.KeyboardType.EMAIL)
        password = ft.TextField(label="Password", password=True, can_reveal_password=True,
                                width=360)
        error = ft.Text(message, color=ft.Colors.RED_800)

        def submit(_e: Any) -> None:
            try:
                self.who = office.sign_in(self.engine, email.value or "", password.value or "")
            except ServerError as exc:
                error.value = str(exc)
                self.page.update()
                return
            self.tz = office.tenant_zone(self.engine, self.who.tenant_id)
            self.show_day()

        password.on_submit = submit
        self._set(
            ft.Text("Office console", size=28, weight=ft.FontWeight.BOLD),
            ft.Text("Sign in with your office account."),
            labelled("console-email", email),
            labelled("console-password", password),
            labelled("console-sign-in", ft.Button("Sign in", on_click=submit, height=48)),
            error,
        )

    # --- the day's visits -----------------------------------------------------------------
    def show_day(self, day: date | None = None) -> None:
        assert self.who is not None
        day = day or local_today(self.clock, self.tz)
        rows = office.day_visits(self.engine, self.who, day)
        done = sum(1 for r in rows if r["status"] == "done")
        items: list[ft.Control] = []
        for r in rows:
            items.append(labelled(
                f"console-visit-{r['id']}",
                ft.Container(
                    ft.Column([
                        ft.Text(f"{local_hm(r['start'], self.tz)}–{local_hm(r['end'], self.tz)}  "
                                f"{r['person_name']} · {r['area']}", weight=ft.FontWeight.BOLD),
                        ft.Text(f"{r['worker_name']} · {r['visit_type']} · {r['status']}"
                                + (f" · in {local_hm(r['checked_in_at'], self.tz)}"
                                   if r["checked_in_at"] else "")
                                + (f" · out {local_hm(r['checked_out_at'], self.tz)}"
                                   if r["checked_out_at"] else "")),
                    ], spacing=2),
                    padding=12, border=ft.Border.all(1, ft.Colors.GREY_400),
                    border_radius=8,
                    on_click=lambda _e, vid=r["id"]: self.show_visit(vid),
                ),
                label=f"Visit {r['person_name']} {r['status']}",
            ))
        self._set(
            ft.Row([
                ft.Text(f"Visits on {day:%A %d %B %Y}", size=24, weight=ft.FontWeight.BOLD),
                labelled("console-refresh",
                         ft.Button("Refresh", on_click=lambda _e: self.show_day(day))),
            ], wrap=True),
            ft.Text(f"Signed in as {self.who.name}. {len(rows)} visits, {done} completed."),
            *items,
        )

    # --- one visit's record, and a person's MAR chart -------------------------------------
    def show_visit(self, visit_id: str) -> None:
        from server.console.visit import show_visit

        show_visit(self, visit_id)

    def show_mar(self, service_user_id: str, start: date | None = None,
                 back: Callable[[], None] | None = None) -> None:
        from server.console.mar import show_mar

        show_mar(self, service_user_id, start, back)


def describe(record: dict[str, Any], tz: ZoneInfo | None = None) -> str:
    if record["damaged"]:
        return "This record is damaged and cannot be read. The original is kept."
    c = record["content"]
    kind = record["kind"]
    if kind == "task_outcome":
        text = f"{c.get('title', 'Task')}: {c.get('outcome', '').replace('_', ' ')}"
        if c.get("reason"):
            text += f" — {c['reason']}"
        if c.get("fluid_taken_ml") is not None:
            text += (f" (fluids offered {c.get('fluid_offered_ml')} ml,"
                     f" taken {c['fluid_taken_ml']} ml)")
        return text
    if kind == "note":
        phrases = "; ".join(c.get("phrases") or [])
        return " ".join(p for p in (phrases, c.get("text", "")) if p)
    if kind == "check_in":
        text = f"Arrived {c.get('timing', '').replace('_', ' ')}"
        if c.get("reason"):
            text += f" — {c['reason']}"
        return text
    if kind == "check_out":
        text = f"Left {c.get('timing', 'on_time').replace('_', ' ')}"
        return text + (f" — {c['reason']}" if c.get("reason") else "")
    if kind == "dose_outcome":
        at = local_hm(c.get("actual_at"), tz or ZoneInfo("Europe/London"))
        text = f"{c.get('medicine', 'Medicine')}: {c.get('outcome', '')} at {at}"
        for key, word in (("reason", "reason"), ("witness", "witness")):
            if c.get(key):
                text += f" · {word}: {c[key]}"
        if c.get("flags"):
            text += " · FLAGGED: " + "; ".join(c["flags"])
        return text
    if kind == "escalation":
        return f"{c.get('severity', '').upper()} {c.get('type', '')}: {c.get('summary', '')}"
    if kind == "addendum":
        who = c.get("coordinator_name") or "the worker"
        new = c.get("outcome") or c.get("text") or ""
        return f"Correction by {who}: {new} — reason: {c.get('reason', '')}"
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())
                     if k not in ("worker_id", "device_id"))
