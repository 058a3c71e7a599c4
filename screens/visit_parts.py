"""Parts of the visit screen: key facts, notes with quick phrases, and corrections."""

from __future__ import annotations

import flet as ft

from fieldapp.services import VisitDetail
from screens import looks, widgets
from screens.visit_state import QUICK_PHRASES, VisitState


def key_facts(d: VisitDetail, in_visit: bool) -> ft.Control:
    """Allergies, resuscitation and communication first; an amber box, red only for danger."""
    p = d.person
    words, alarm = looks.allergy_words(list(p.get("allergies") or []))
    rows = [
        ("Allergies", words),
        ("Resuscitation", p.get("dnacpr") or "Not recorded"),
        ("Communication", p.get("communication_needs") or "No particular needs"),
    ]
    review = p.get("medicines_review")
    if isinstance(review, dict):  # the office marked the list after a hospital stay
        rows.insert(0, ("Medicines", str(review.get("text") or "List needs review")))
    if in_visit and p.get("access_notes"):
        rows.append(("Access", p["access_notes"]))
    return ft.Container(
        ft.Column([
            ft.Text(f"{label}: {value}", size=16,
                    color=widgets.DANGER if _alarm(label, alarm) else ft.Colors.BLACK,
                    weight=ft.FontWeight.W_600 if _alarm(label, alarm) else None)
            for label, value in rows
        ], spacing=4),
        bgcolor=ft.Colors.AMBER_50, padding=12, border_radius=8,
        border=ft.Border.all(1, ft.Colors.AMBER_900),
    )


def _alarm(label: str, allergy_alarm: bool) -> bool:
    return label == "Medicines" or (label == "Allergies" and allergy_alarm)


def corrections(s: VisitState, d: VisitDetail, record_id: str, prefix: str
                ) -> list[ft.Control]:
    """The corrections already made (the original stays above), and a way to add one."""
    out: list[ft.Control] = [
        widgets.body(f"Correction: {c.text or c.outcome} — {c.reason} · "
                     f"{widgets.STATE_WORDS.get(c.sync_state, '')}", size=14,
                     color=widgets.WARN)
        for c in d.corrections.get(record_id, [])]
    if s.fixing.get(record_id) == prefix:
        out += [widgets.labelled("correct-text", s.fix_text),
                widgets.labelled("correct-reason", s.fix_reason),
                *s.error_here(f"fix-{prefix}"),
                widgets.big_button("correct-save", "Save correction",
                                   lambda _e: s.save_fix(record_id, prefix), outlined=True)]
    else:
        out.append(widgets.labelled(f"{prefix}-correct", ft.TextButton(
            "Correct this", icon=ft.Icons.EDIT, height=widgets.TOUCH,
            on_click=lambda _e: s.open_fix(record_id, prefix)), label="Correct this record"))
    return out


def phrase_chip(s: VisitState, text: str) -> ft.Control:
    return widgets.labelled(
        f"phrase-{QUICK_PHRASES.index(text)}",
        ft.Chip(label=ft.Text(text, size=15), selected=text in s.picked,
                on_select=lambda _e: s.flip_phrase(text), height=widgets.TOUCH),
        label=text)


def notes(s: VisitState, d: VisitDetail, in_visit: bool) -> list[ft.Control]:
    out: list[ft.Control] = []
    for i, n in enumerate(d.notes):
        words = "; ".join(n.get("phrases") or [])
        text = " ".join(x for x in (words, n.get("text", "")) if x)
        state = widgets.STATE_WORDS[d.record_states.get(n["record_id"], "phone")]
        flag = " · for handover" if n.get("for_handover") else ""
        out.append(widgets.body(f"{text} · {state}{flag}", size=15))
        out += corrections(s, d, n["record_id"], f"note-{i}")
    for e in (x for x in d.escalations if x.get("automatic")):
        out.append(widgets.body(f"Office told automatically ({e.get('severity')}): "
                                f"{e.get('summary', '')}", size=15, color=widgets.WARN))
    if in_visit:
        out += [
            ft.Row([phrase_chip(s, p) for p in QUICK_PHRASES], wrap=True),
            widgets.labelled("note-text", s.note),
            widgets.labelled("note-for-handover", ft.Switch(
                label="For handover", value=s.for_handover, on_change=s.set_for_handover,
                height=widgets.TOUCH), label="For handover"),
            *s.error_here("note"),
            widgets.big_button("note-save", "Save note", lambda _e: s.save_note(),
                               outlined=True),
        ]
    elif not out:
        out.append(widgets.body("No notes for this visit."))
    return out
