"""The audit log, for admins: who read or changed what and when, filtered by days and record;
exported as CSV (the export itself is audited)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import flet as ft

from server.console.context import Console
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.errors import Forbidden, ServerError
from server.services.audit_trail import ADMINS_ONLY, AuditEntry, entries, export_csv

AUDIT = "/audit"


class AuditState:
    def __init__(self, console: Console):
        if not console.coordinator.is_admin:
            raise Forbidden(ADMINS_ONLY)
        self.console = console
        self.end = console.today()
        self.start = self.end - timedelta(days=6)
        self.target = ""
        self.texts = (self.start.isoformat(), self.end.isoformat(), "")
        self.found: list[AuditEntry] = []
        self.problem = ""
        self.status = ""
        self.run()

    def run(self) -> None:
        c = self.console
        try:
            self.found = entries(c.engine, c.coordinator, self.start, self.end, c.tz,
                                 target_id=self.target)
            self.problem = ""
        except ServerError as exc:
            self.problem = str(exc)

    def apply(self, start: str, end: str, target: str) -> None:
        self.texts = (start.strip(), end.strip(), target.strip())
        try:
            self.start, self.end = date.fromisoformat(start.strip()), date.fromisoformat(
                end.strip())
        except ValueError:
            self.problem = "Write both days as YYYY-MM-DD."
            return
        self.target = target.strip()
        self.run()

    def csv(self) -> tuple[str, bytes]:
        c = self.console
        return (f"audit-log-{self.start}-{self.end}.csv",
                export_csv(c.engine, c.coordinator, self.start, self.end, c.tz, c.clock.now()))


def render_audit(state: AuditState, redraw: Callable[[], None]) -> list[ft.Control]:
    start, end, target = (ft.TextField(label=label, width=width, value=value)
                          for label, width, value in zip(
                              ("From (YYYY-MM-DD)", "To (YYYY-MM-DD)", "Record id"),
                              (190, 190, 360), state.texts, strict=True))

    def apply() -> None:
        state.apply(start.value or "", end.value or "", target.value or "")
        redraw()

    async def download(_e: object) -> None:
        name, data = state.csv()
        await ft.FilePicker().save_file(file_name=name, src_bytes=data)
        state.status = "CSV ready: check your downloads."
        state.run()
        redraw()

    return [
        ft.Row([button("console-back", "Back", state.console.back), heading("Audit log")],
               wrap=True),
        small("Every opening of a sealed record, sign-in and export, newest first (the first "
              "200 on screen; the CSV has every entry of the days chosen)."),
        ft.Row([labelled("audit-start", start, "From day"),
                labelled("audit-end", end, "To day"),
                labelled("audit-target", target, "Only entries about this record id"),
                button("audit-show", "Show", apply, icon=ft.Icons.FILTER_LIST),
                labelled("audit-csv", ft.Button("Export CSV", icon=ft.Icons.DOWNLOAD,
                                                on_click=download),
                         label="Export the audit log as CSV")],
               wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        problem(state.problem),
        *([ft.Text(state.status, color=ft.Colors.GREEN_800)] if state.status else []),
        *([ft.Text("No entries on these days.")] if not state.found else []),
        *[_entry(state, i, e) for i, e in enumerate(state.found)],
    ]


def _entry(state: AuditState, i: int, e: AuditEntry) -> ft.Control:
    tz = state.console.tz
    when = f"{e.at[:10]} {local_hm(e.at, tz)}"
    return labelled(f"audit-entry-{i}", ft.Row([
        ft.Text(when, width=150),
        ft.Text(e.actor, width=220, weight=ft.FontWeight.BOLD),
        ft.Text(e.action_words, width=240),
        ft.Text(f"{e.target_kind} {e.target_id}", expand=True),
    ]), label=f"{when} {e.actor} {e.action_words} {e.target_kind} {e.target_id}")


def audit_link(console: Console) -> list[ft.Control]:
    """The audit log's button, for admins only."""
    if not console.coordinator.is_admin:
        return []
    return [button("console-audit", "Audit log", lambda: console.go(AUDIT),
                   icon=ft.Icons.POLICY)]
