"""One handover: its SBAR sections with each item's source records, acknowledge, reply, and a PDF
shift report to print. Opening it opens the sealed handover and replies; the audit log says so."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console.context import Console, attempt, escalation_route, mar_route, visit_route
from server.console.screens.handovers import shift_words, status_words
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.pdf import handover_pdf
from server.services.handovers import (
    HandoverReport,
    ReportItem,
    ReportSection,
    SourceLink,
    acknowledge,
    read,
    reply,
)
from sync.codes import HandoverCategory

MEDICINE_ITEMS = (HandoverCategory.DOSE_REFUSED, HandoverCategory.DOSE_OMITTED,
                  HandoverCategory.DOSE_FLAGGED)


class HandoverState:
    def __init__(self, console: Console, handover_id: str):
        self.console = console
        self.handover_id = handover_id
        self.problem = ""
        self.status = ""
        self.report: HandoverReport = self._read()

    def _read(self) -> HandoverReport:
        c = self.console
        return read(c.engine, c.key(), c.coordinator, self.handover_id, c.clock)

    def _act(self, action: Callable[[], None]) -> None:
        self.problem = attempt(action)
        self.report = self._read()

    def acknowledge(self) -> None:
        c = self.console
        self._act(lambda: acknowledge(c.engine, c.coordinator, self.handover_id, c.clock))

    def reply(self, text: str) -> None:
        c = self.console
        self._act(lambda: reply(c.engine, c.coordinator, self.handover_id, text, c.clock))

    def pdf(self) -> tuple[str, bytes]:
        """The shift report, and a file name that says nothing about anyone."""
        day = self.report.summary.shift_start[:10]
        return f"handover-{day}.pdf", handover_pdf(self.report, self.console.tz)


def render_handover(state: HandoverState, redraw: Callable[[], None]) -> list[ft.Control]:
    r, tz = state.report, state.console.tz
    s = r.summary

    async def download(_e: object) -> None:
        name, pdf = state.pdf()
        await ft.FilePicker().save_file(file_name=name, src_bytes=pdf)
        state.status = "PDF ready: check your downloads."
        redraw()

    body: list[ft.Control] = [
        ft.Text(r.text or "(no overall note)", size=15),
        *([problem("This handover could not be opened; the record is kept as it came.")]
          if r.damaged else []),
        *[_section(state, section) for section in r.sections],
    ]
    side: list[ft.Control] = [
        ft.Text(status_words(s, tz), weight=ft.FontWeight.BOLD,
                color=ft.Colors.ORANGE_900 if not s.acknowledged else None),
        problem(state.problem),
        *_actions(state, redraw),
        labelled("console-handover-pdf", ft.Button(
            "Download shift report (PDF)", icon=ft.Icons.PICTURE_AS_PDF, on_click=download),
            "Download the shift report as PDF"),
        ft.Text(state.status),
        heading("Replies"),
        *([small("No replies yet.")] if not r.replies else []),
        *[ft.Text(f"{local_hm(x.at, tz)} {x.by_name}: {x.text}") for x in r.replies],
    ]
    return [
        ft.Row([button("console-back", "Back", state.console.back),
                heading(f"Handover: {s.worker_name}")], wrap=True),
        ft.Text(f"Shift {shift_words(s, tz)} · {s.items} item(s)"
                f"{' · with concerns' if s.has_concerns else ''}. "
                "Opening this handover was logged in the audit trail."),
        ft.Row([ft.Column(body, width=780, spacing=12),
                ft.Column(side, width=400, spacing=8)],
               vertical_alignment=ft.CrossAxisAlignment.START, spacing=32),
    ]


def _actions(state: HandoverState, redraw: Callable[[], None]) -> list[ft.Control]:
    def ack() -> None:
        state.acknowledge()
        redraw()

    text = ft.TextField(label="Reply to the worker", multiline=True, min_lines=2, width=380)

    def send() -> None:
        state.reply(text.value or "")
        redraw()

    out: list[ft.Control] = []
    if not state.report.summary.acknowledged:
        out.append(button("console-handover-ack", "Acknowledge", ack, icon=ft.Icons.CHECK))
    return [*out, labelled("console-handover-reply-text", text, "Reply to the worker"),
            button("console-handover-reply-send", "Send reply", send, icon=ft.Icons.SEND)]


def _section(state: HandoverState, section: ReportSection) -> ft.Control:
    return ft.Column([
        ft.Text(section.title, size=18, weight=ft.FontWeight.BOLD),
        ft.Text(section.text or "—"),
        *[_item(state, i) for i in section.items],
    ], spacing=4)


def _item(state: HandoverState, item: ReportItem) -> ft.Control:
    about = f" · {item.person_name}" if item.person_name else ""
    tags = " · for the next worker" if item.for_next_worker else ""
    links = [_link(state, link) for link in item.links]
    if item.visit_id and not any(link.target == "visit" for link in item.links):
        links.append(button(f"console-handover-visit-{item.id}", "Open the visit",
                            lambda: state.console.go(visit_route(str(item.visit_id)))))
    if item.person_id and item.category in MEDICINE_ITEMS:
        links.append(button(f"console-handover-mar-{item.id}", "Open the MAR chart",
                            lambda: state.console.go(mar_route(str(item.person_id)))))
    return labelled(f"console-handover-item-{item.id}", ft.Container(ft.Column([
        ft.Text(f"{item.category_label}{about}{tags}", weight=ft.FontWeight.BOLD,
                color=ft.Colors.GREY_700 if item.restricted else None),
        ft.Text(item.text, italic=item.restricted),
        *([ft.Row(links, wrap=True)] if links else []),
    ], spacing=2), padding=8, border=ft.Border.all(1, ft.Colors.GREY_400), border_radius=6))


def _link(state: HandoverState, link: SourceLink) -> ft.Control:
    if link.target is None or link.target_id is None:
        return small(f"{link.label} (nothing to open)")
    route = (escalation_route(link.target_id) if link.target == "escalation"
             else visit_route(link.target_id))
    words = ("Open the escalation" if link.target == "escalation"
             else f"{link.label}: open the visit record")
    return button(f"console-handover-link-{link.record_id}", words,
                  lambda: state.console.go(route), icon=ft.Icons.OPEN_IN_NEW)
