"""A visit's record printed (A4 portrait): the visit, then each record in time order with its
corrections under it. A record the reader may not read is printed as restricted, never opened."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from server.console.record_text import KIND_LABELS, describe
from server.console.widgets import local_hm
from server.services.visit_record import OpenedRecord, VisitRecord

RESTRICTED = "Restricted record (safeguarding): only a safeguarding lead can read it."


def _what(r: OpenedRecord, tz: ZoneInfo) -> str:
    return RESTRICTED if r.restricted else describe(r, tz)


def visit_record_pdf(v: VisitRecord, tz: ZoneInfo, printed_by: str, printed_at: str) -> bytes:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = body.clone("small", fontSize=8.5, leading=11)
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title="Visit record",
                            author="Field App office console")
    story: list[Flowable] = [
        Paragraph(f"Visit record: {escape(v.person_name)}", styles["Title"]),
        Paragraph(escape(
            f"{v.visit_type.capitalize()} visit {local_hm(v.start, tz)}–{local_hm(v.end, tz)} "
            f"on {local_day(v.start, tz)} by {v.worker_name} · {v.area} · printed {printed_at} "
            f"by {printed_by}"), body),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [["Time", "Record", "What was recorded", "Received"]]
    for r in v.originals:
        rows.append([local_hm(r.recorded_at, tz), KIND_LABELS.get(r.kind, r.kind),
                     Paragraph(escape(_what(r, tz)), small), local_hm(r.received_at, tz)])
        for fix in v.corrections_of(r.id):
            rows.append([local_hm(fix.recorded_at, tz), "Correction",
                         Paragraph(escape(_what(fix, tz)), small),
                         local_hm(fix.received_at, tz)])
    if len(rows) == 1:
        story.append(Paragraph("Nothing recorded for this visit has reached the office.", body))
    else:
        grid = Table(rows, colWidths=[16 * mm, 30 * mm, 118 * mm, 16 * mm], repeatRows=1)
        grid.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(grid)
    doc.build(story)
    return out.getvalue()


def local_day(iso: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%a %d %b %Y")
