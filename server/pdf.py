"""Printable MAR chart (PDF, A4 landscape) for inspections, drawn with reportlab."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

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
    if chart.notes:
        story.append(Paragraph("Notes", styles["Heading3"]))
        story += [Paragraph(f"[{i}] {escape(n)}", small) for i, n in enumerate(chart.notes, 1)]
    doc.build(story)
    return out.getvalue()
