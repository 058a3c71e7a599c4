"""A visit's record: times, tasks, doses, notes, escalations, and corrections.

Each correction shows under the record it corrects; the original is never hidden. A coordinator
amends a record with a reason (an addendum written by the office, audited). Opening the screen
opens the visit's sealed records, and the audit log says so.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console.context import HOME, Console, mar_route
from server.console.record_text import KIND_LABELS, describe
from server.console.visit_pdf import visit_record_pdf
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.errors import ServerError
from server.services.amendments import CORRECTABLE_OUTCOMES, amend_record
from server.services.visit_record import OpenedRecord, VisitRecord, visit_record

SAVED = "Amendment saved. The original record stays as it was."
RESTRICTED = ("Restricted record (safeguarding): only a safeguarding lead can read it or "
              "its corrections.")


class VisitState:
    def __init__(self, console: Console, visit_id: str):
        self.console = console
        self.visit_id = visit_id
        self.amending: str | None = None  # the record an amendment is being written for
        self.message = ""  # what the last amendment did
        self.problem = ""  # why the last amendment was refused
        self.draft: tuple[str, str | None, str | None] = ("", None, None)  # kept if refused
        self.visit: VisitRecord = self._read()

    def _read(self) -> VisitRecord:
        c = self.console
        return visit_record(c.engine, c.key(), c.coordinator, self.visit_id, c.clock)

    def amend(self, record_id: str) -> None:
        self.amending, self.message, self.problem = record_id, "", ""
        self.draft = ("", None, None)

    def outcomes(self, record: OpenedRecord) -> tuple[str, ...]:
        return CORRECTABLE_OUTCOMES.get(record.kind, ())

    def save(self, reason: str, text: str | None, outcome: str | None) -> None:
        assert self.amending is not None
        c = self.console
        self.draft = (reason, text, outcome)
        try:
            amend_record(c.engine, c.coordinator, self.amending, reason, text=text,
                         outcome=outcome, clock=c.clock)
        except ServerError as exc:
            self.problem = str(exc)
            return
        self.amending, self.message, self.problem = None, SAVED, ""
        self.visit = self._read()

    def pdf(self) -> tuple[str, bytes]:
        """The record to print, and a file name that says nothing about the person."""
        c = self.console
        printed = c.clock.now().astimezone(c.tz).strftime("%d %b %Y %H:%M")
        return (f"visit-record-{self.visit.start[:10]}.pdf",
                visit_record_pdf(self.visit, c.tz, c.coordinator.name, printed))

    def open_mar(self) -> None:
        self.console.go(mar_route(self.visit.service_user_id))


def render_visit(state: VisitState, redraw: Callable[[], None]) -> list[ft.Control]:
    v, tz = state.visit, state.console.tz
    async def download(_e: object) -> None:
        name, pdf = state.pdf()
        await ft.FilePicker().save_file(file_name=name, src_bytes=pdf)
        state.message = "PDF ready: check your downloads."
        redraw()

    cards = [_card(state, i, r, redraw) for i, r in enumerate(v.originals)] or [
        ft.Text("Nothing recorded for this visit has reached the office yet.")]
    return [
        ft.Row([button("console-back", "Back to the day", lambda: state.console.go(HOME)),
                button("console-mar-open", "MAR chart", state.open_mar,
                       icon=ft.Icons.MEDICATION),
                labelled("console-visit-pdf", ft.Button("Download PDF to print",
                                                        icon=ft.Icons.PICTURE_AS_PDF,
                                                        on_click=download))], wrap=True),
        heading(f"{v.person_name} · {v.area}"),
        ft.Text(f"{v.visit_type.capitalize()} visit {local_hm(v.start, tz)}–"
                f"{local_hm(v.end, tz)} by {v.worker_name}"),
        small("Opening this record was logged in the audit trail."),
        *([ft.Text(state.message, color=ft.Colors.GREEN_800)] if state.message else []),
        *cards,
    ]


def _card(state: VisitState, i: int, r: OpenedRecord,
          redraw: Callable[[], None]) -> ft.Control:
    tz = state.console.tz
    if r.restricted:
        return labelled(f"console-record-{i}", ft.Container(
            ft.Column([ft.Text(f"{local_hm(r.recorded_at, tz)}  "
                               f"{KIND_LABELS.get(r.kind, r.kind)}", weight=ft.FontWeight.BOLD),
                       ft.Text(RESTRICTED, italic=True)], spacing=2),
            padding=10, border_radius=6, border=ft.Border.all(1, ft.Colors.GREY_500)),
            label="Restricted record")
    lines: list[ft.Control] = [
        ft.Text(f"{local_hm(r.recorded_at, tz)}  {KIND_LABELS.get(r.kind, r.kind)}",
                weight=ft.FontWeight.BOLD),
        ft.Text(describe(r, tz)),
        small(f"Received by office {local_hm(r.received_at, tz)}"),
    ]
    for fix in state.visit.corrections_of(r.id):
        lines.append(labelled(f"console-correction-{i}", ft.Text(
            f"{local_hm(fix.recorded_at, tz)} {describe(fix, tz)}", color=ft.Colors.ORANGE_900)))
    if state.amending == r.id:
        lines += _amend_form(state, r, redraw)
    elif r.kind != "addendum":
        def amend(_e: object) -> None:
            state.amend(r.id)
            redraw()

        lines.append(labelled(f"console-amend-{i}", ft.TextButton(
            "Amend with a reason", on_click=amend, height=48)))
    alarm = r.kind == "escalation"
    return labelled(f"console-record-{i}", ft.Container(
        ft.Column(lines, spacing=2), padding=10, border_radius=6,
        border=ft.Border.all(2 if alarm else 1,
                             ft.Colors.RED_700 if alarm else ft.Colors.GREY_300)))


def _amend_form(state: VisitState, r: OpenedRecord,
                redraw: Callable[[], None]) -> list[ft.Control]:
    said, wrote, chose = state.draft
    reason = ft.TextField(label="Reason for the amendment (required)", width=480, value=said)
    text = ft.TextField(label="What the record should say", width=480, value=wrote or "")
    code = ft.Dropdown(label="Correct outcome", width=300, value=chose,
                       options=[ft.DropdownOption(c) for c in state.outcomes(r)])

    def save(_e: object) -> None:
        state.save(reason.value or "", text.value or None, code.value or None)
        redraw()

    return [*([code] if code.options else []),
            labelled("console-amend-text", text), labelled("console-amend-reason", reason),
            problem(state.problem),
            labelled("console-amend-save", ft.Button("Save amendment", on_click=save,
                                                     height=48))]
