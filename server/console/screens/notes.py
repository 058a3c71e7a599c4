"""Visit notes review: filters, a results list, and the record chosen opened in a pane beside it.

Searching names the people in the results (each an audited read of their record); opening a
result opens its sealed content and corrections, each an audited read, and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import flet as ft

from server.console.context import Console, visit_route
from server.console.record_text import describe
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.errors import ServerError
from server.services.notes_search import (
    Flag,
    Hit,
    NotesQuery,
    OpenedNote,
    Results,
    open_note,
    search,
)

NOTES = "/notes"
LIST_WIDTH = 620


class NotesState:
    def __init__(self, console: Console):
        self.console = console
        self.query = NotesQuery()
        self.texts = {"person": "", "worker": "", "start": "", "end": ""}  # as typed
        self.problem = ""
        self.results: Results | None = None
        self.opened: OpenedNote | None = None
        self.open_problem = ""
        self.run()

    def run(self) -> None:
        c = self.console
        try:
            self.results = search(c.engine, c.coordinator, self.query, c.clock.now(), c.tz)
            self.problem = ""
        except ServerError as exc:
            self.problem = str(exc)

    def apply(self, person: str, worker: str, start: str, end: str,
              flags: set[Flag]) -> None:
        """New filters from the form; a day that is not a date is said so, not guessed."""
        self.texts = {"person": person, "worker": worker, "start": start.strip(),
                      "end": end.strip()}
        try:
            first = date.fromisoformat(start.strip()) if start.strip() else None
            last = date.fromisoformat(end.strip()) if end.strip() else None
        except ValueError:
            self.problem = "Write days as YYYY-MM-DD, or leave them empty for the last week."
            return
        self.query = NotesQuery(person=person, worker=worker, start=first, end=last,
                                flags=frozenset(flags))
        self.opened = None
        self.run()

    def older(self) -> None:
        if self.results and self.results.hits:
            self.query = NotesQuery(**{**vars(self.query),
                                       "before": self.results.hits[-1].recorded_at})
            self.run()

    def open(self, record_id: str) -> None:
        c = self.console
        try:
            self.opened = open_note(c.engine, c.key(), c.coordinator, record_id, c.clock.now())
            self.open_problem = ""
        except ServerError as exc:
            self.opened, self.open_problem = None, str(exc)


def render_notes(state: NotesState, redraw: Callable[[], None]) -> list[ft.Control]:
    r = state.results
    listing: list[ft.Control] = []
    if r is not None:
        listing.append(labelled("notes-summary", ft.Text(
            f"{len(r.hits)} shown, {r.start:%d %b %Y} to {r.end:%d %b %Y}, newest first."
            + (" More are older." if r.more else ""))))
        listing += [_hit(state, h, redraw) for h in r.hits]
        if r.why_empty and not r.hits:
            listing.append(ft.Text(r.why_empty))
        if r.more:
            def older() -> None:
                state.older()
                redraw()
            listing.append(button("notes-older", "Older records", older))
    return [
        ft.Row([button("console-back", "Back", state.console.back),
                heading("Visit notes review")], wrap=True),
        small("Search by a person's full name (as on their record), part of a worker's name, "
              "days and flags. Opening a record is logged in the audit trail."),
        _filters(state, redraw),
        problem(state.problem),
        ft.Row([ft.Column(listing, width=LIST_WIDTH, spacing=4,
                          horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                ft.Column(_pane(state), expand=True, spacing=6)],
               vertical_alignment=ft.CrossAxisAlignment.START, spacing=24),
    ]


def _filters(state: NotesState, redraw: Callable[[], None]) -> ft.Control:
    t, q = state.texts, state.query
    person = ft.TextField(label="Person's full name", width=240, value=t["person"])
    worker = ft.TextField(label="Worker", width=200, value=t["worker"])
    start = ft.TextField(label="From (YYYY-MM-DD)", width=190, value=t["start"])
    end = ft.TextField(label="To (YYYY-MM-DD)", width=190, value=t["end"])
    boxes = {f: ft.Checkbox(label=f.label, value=f in q.flags) for f in Flag}

    def apply() -> None:
        state.apply(person.value or "", worker.value or "", start.value or "",
                    end.value or "", {f for f, box in boxes.items() if box.value})
        redraw()

    return ft.Row([
        labelled("notes-person", person, "Filter by the person's full name"),
        labelled("notes-worker", worker, "Filter by worker"),
        labelled("notes-start", start, "From day"),
        labelled("notes-end", end, "To day"),
        *[ft.Container(labelled(f"notes-flag-{f.value}", box, f"Only {f.label.lower()}"),
                       width=140) for f, box in boxes.items()],
        button("notes-search", "Search", apply, icon=ft.Icons.SEARCH),
    ], wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER)


def _hit(state: NotesState, h: Hit, redraw: Callable[[], None]) -> ft.Control:
    tz = state.console.tz
    chosen = state.opened is not None and state.opened.record.id == h.id
    flags = " · ".join(f.label.removesuffix("s") for f in h.flags)

    def open_(_e: object) -> None:
        state.open(h.id)
        redraw()

    when = f"{h.recorded_at[:10]} {local_hm(h.recorded_at, tz)}"
    return labelled(f"notes-hit-{h.id}", ft.Container(ft.Column([
        ft.Row([ft.Text(when, weight=ft.FontWeight.BOLD), ft.Text(h.label),
                *([ft.Text(f" {flags} ", color=ft.Colors.WHITE, bgcolor=ft.Colors.ORANGE_900)]
                  if flags else [])], wrap=True),
        ft.Text(f"{h.person_name} · by {h.worker_name}"),
    ], spacing=2), padding=10, border_radius=6, on_click=open_,
        border=ft.Border.all(2 if chosen else 1,
                             ft.Colors.BLUE_700 if chosen else ft.Colors.GREY_400)),
        label=f"Open {h.label} of {when} by {h.worker_name}")


def _pane(state: NotesState) -> list[ft.Control]:
    if state.open_problem:
        return [problem(state.open_problem)]
    n = state.opened
    if n is None:
        return [small("Choose a record to read it here.")]
    tz, r = state.console.tz, n.record
    lines: list[ft.Control] = [
        heading(f"{r.kind.replace('_', ' ').capitalize()} · {n.person_name}"),
        ft.Text(f"Recorded {r.recorded_at[:10]} {local_hm(r.recorded_at, tz)} by "
                f"{n.worker_name}; received by the office {local_hm(r.received_at, tz)}"),
        labelled("notes-detail", ft.Text(describe(r, tz), size=16)),
        small("Opening this record was logged in the audit trail."),
    ]
    for fix in n.corrections:
        lines.append(ft.Text(f"{local_hm(fix.recorded_at, tz)} {describe(fix, tz)}",
                             color=ft.Colors.ORANGE_900))
    if n.visit_id:
        visit_id = n.visit_id
        lines.append(button("notes-open-visit", "Open the whole visit",
                            lambda: state.console.go(visit_route(visit_id))))
    return lines


def notes_link(console: Console) -> ft.Control:
    return button("console-notes", "Notes review", lambda: console.go(NOTES),
                  icon=ft.Icons.MANAGE_SEARCH)
