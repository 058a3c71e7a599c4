"""The exports screen: the visits or the MAR entries of a date range as a CSV download. Each
export, and every sealed record it opens, is in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import flet as ft

from server.console.context import Console
from server.console.widgets import button, heading, labelled, problem, small
from server.errors import Invalid, ServerError
from server.services.exports import MAX_DAYS, mar_csv, visits_csv

EXPORTS = "/exports"


def parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("Write dates as YYYY-MM-DD, for example 2026-12-07.", field=field) from None


class ExportsState:
    def __init__(self, console: Console):
        self.console = console
        today = console.today()
        self.first = ft.TextField(label="From (YYYY-MM-DD)", width=180,
                                  value=(today - timedelta(days=6)).isoformat())
        self.last = ft.TextField(label="To (YYYY-MM-DD)", width=180, value=today.isoformat())
        self.problem = ""
        self.status = ""

    def export(self, what: str) -> tuple[str, bytes] | None:
        """The file to download (a name that says nothing about anyone), or None with the
        reason in `problem`."""
        c = self.console
        make = visits_csv if what == "visits" else mar_csv
        try:
            first = parse_day(self.first.value or "", "first")
            last = parse_day(self.last.value or "", "last")
            text = make(c.engine, c.key(), c.coordinator, first, last, c.clock)
        except ServerError as exc:
            self.problem, self.status = str(exc), ""
            return None
        self.problem = ""
        self.status = f"{what.capitalize() if what == 'visits' else 'MAR'} CSV ready: check " \
                      "your downloads."
        return f"{what}-{first}-to-{last}.csv", text.encode("utf-8")


def render_exports(state: ExportsState, redraw: Callable[[], None]) -> list[ft.Control]:
    def download(what: str) -> Callable[[ft.Event[ft.Button]], object]:
        async def run(_e: ft.Event[ft.Button]) -> None:
            made = state.export(what)
            if made is not None:
                await ft.FilePicker().save_file(file_name=made[0], src_bytes=made[1])
            redraw()
        return run

    return [
        ft.Row([button("console-exports-back", "Back", state.console.back)]),
        heading("Exports"),
        small(f"Up to {MAX_DAYS} days at a time. Notes and reasons a record's readers are "
              "limited to (safeguarding) are written as [restricted] unless you may read them. "
              "Each export is logged in the audit trail."),
        ft.Row([labelled("console-exports-first", state.first, "First day"),
                labelled("console-exports-last", state.last, "Last day")], wrap=True),
        ft.Row([
            labelled("console-exports-visits", ft.Button(
                "Visits CSV", icon=ft.Icons.TABLE_VIEW, on_click=download("visits"))),
            labelled("console-exports-mar", ft.Button(
                "MAR entries CSV", icon=ft.Icons.MEDICATION, on_click=download("mar"))),
        ], wrap=True),
        labelled("console-exports-problem", problem(state.problem)),
        labelled("console-exports-status", ft.Text(state.status, color=ft.Colors.GREEN_800)),
    ]
