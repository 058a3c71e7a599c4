"""Printable reports drawn with reportlab: the MAR chart (A4 landscape) for inspections and the
handover shift report (A4 portrait)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from server.services.handovers import HandoverReport
from server.services.mar_chart import CODE_KEY, MARK_KEY, NOT_RECORDED, MarChart


def mar_chart_pdf(chart: MarChart) -> bytes:
    """The chart as PDF bytes: header, the grid, the key to the codes, and the notes."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm,
        title="MAR chart", author="Field App office console")
    last = chart.days[-1]
    story: list[Flowable] = [
        Paragraph(f"MAR chart: {escape(chart.person_name)}", styles["Title"]),
        Paragraph(escape(
            f"Date of birth {chart.date_of_birth or 'not recorded'} · Allergies: "
            f"{chart.allergies} · {chart.start:%d %b %Y} to {last:%d %b %Y} · printed "
            f"{chart.printed_at} by {chart.printed_by}"), styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    header = ["Medicine", "Time", *[f"{d:%a %d %b}" for d in chart.days]]
    data: list[list[Any]] = [header]
    for row in chart.rows:
        cells = [Paragraph("<br/>".join(
            escape(c.text) + (f" [{c.note}]" if c.note else "") for c in row.entries(d))
            or (f"<i>{NOT_RECORDED}</i>" if row.missing(d) else ""), small)
            for d in chart.days]
        data.append([Paragraph(f"<b>{escape(row.medicine)}</b><br/>{escape(row.details)}",
                               small), row.time, *cells])
    width = doc.width
    first, second = 62 * mm, 13 * mm
    day = (width - first - second) / max(1, len(chart.days))
    grid = Table(data, colWidths=[first, second] + [day] * len(chart.days), repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [grid, Spacer(1, 4 * mm), Paragraph("Key", styles["Heading3"])]
    key = [f"<b>{code}</b> {escape(label)}" for code, label in CODE_KEY.items()]
    key += [f"<b>{mark}</b> {escape(label)}" for mark, label in MARK_KEY.items()]
    key.append("Each entry: code, actual time, initials of the worker.")
    story.append(Paragraph(" · ".join(key), small))
    if chart.versions:
        story.append(Paragraph("Versions of the medicines list in force", styles["Heading3"]))
        story += [Paragraph(escape(v), small) for v in chart.versions]
    if chart.notes:
        story.append(Paragraph("Notes", styles["Heading3"]))
        story += [Paragraph(f"[{i}] {escape(n)}", small) for i, n in enumerate(chart.notes, 1)]
    doc.build(story)
    return out.getvalue()


def _local(iso: str | None, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime(fmt) if iso else "—"


def handover_pdf(report: HandoverReport, tz: ZoneInfo) -> bytes:
    """The shift report as PDF bytes: who and when, its state, the SBAR sections with their
    items and the records each comes from, and the office's replies. An item withheld from the
    reader (safeguarding) is printed as withheld."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title="Shift handover",
                            author="Field App office console")
    s = report.summary
    state = (f"Acknowledged by {s.acknowledged_by_name or 'the office'} at "
             f"{_local(s.acknowledged_at, tz, '%d %b %Y %H:%M')}" if s.acknowledged
             else "NOT YET ACKNOWLEDGED")
    story: list[Flowable] = [
        Paragraph(f"Shift handover: {escape(s.worker_name)}", styles["Title"]),
        Paragraph(escape(
            f"Shift {_local(s.shift_start, tz, '%a %d %b %Y %H:%M')} to "
            f"{_local(s.shift_end, tz)} · {s.items} item(s)"
            f"{' · with concerns' if s.has_concerns else ''} · {state} · printed "
            f"{_local(report.read_at, tz, '%d %b %Y %H:%M')} by {report.read_by}"), body),
        Spacer(1, 3 * mm),
        Paragraph(escape(report.text or "(no overall note)"), body),
    ]
    if report.damaged:
        story.append(Paragraph("This handover could not be opened.", body))
    for section in report.sections:
        story += [Paragraph(escape(section.title), styles["Heading2"]),
                  Paragraph(escape(section.text or "—"), body)]
        rows: list[list[Any]] = [["What", "About", "Detail", "From records"]]
        for i in section.items:
            sources = ", ".join(f"{link.label} {link.record_id[:8]}" for link in i.links)
            rows.append([Paragraph(escape(i.category_label), small),
                         Paragraph(escape(i.person_name or "—"), small),
                         Paragraph(escape(i.text) + (" <i>(for the next worker)</i>"
                                                     if i.for_next_worker else ""), small),
                         Paragraph(escape(sources or "—"), small)])
        if len(rows) > 1:
            grid = Table(rows, colWidths=[32 * mm, 32 * mm, 78 * mm, 38 * mm], repeatRows=1)
            grid.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story += [Spacer(1, 2 * mm), grid]
    story.append(Paragraph("Replies from the office", styles["Heading2"]))
    story += [Paragraph(escape(f"{_local(r.at, tz, '%d %b %H:%M')} {r.by_name}: {r.text}"), body)
              for r in report.replies] or [Paragraph("None.", body)]
    doc.build(story)
    return out.getvalue()
