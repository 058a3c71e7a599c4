"""The eMAR's cards: one per due dose and one per as-needed medicine, with their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from fieldapp.services import (
    CLOSING_SOON,
    DoseLine,
    Medicine,
    Outcome,
    PrnLine,
    SupportLevel,
    WindowState,
)
from screens import looks, mar_doses, mar_witness, widgets
from screens.mar_state import OTHER_CODES, MarState, primary_code

SUPPORT_WORDS = {s: f"{s.label}: {s.description}" for s in SupportLevel}


def box(lines: list[ft.Control], critical: bool = False, flagged: bool = False
        ) -> ft.Container:
    colour = ft.Colors.RED_900 if critical else widgets.WARN if flagged else ft.Colors.GREY_400
    return ft.Container(ft.Column(lines, spacing=8), padding=12, border_radius=8,
                        bgcolor=ft.Colors.ORANGE_50 if flagged else None,
                        border=ft.Border.all(2 if critical or flagged else 1, colour))


def message(s: MarState, card: str) -> list[ft.Control]:
    if card not in s.messages:
        return []
    text, colour = s.messages[card]
    return [widgets.labelled(f"{card}-message", ft.Text(
        text, color=colour, size=16, weight=ft.FontWeight.W_600))]


def window_text(s: MarState, line: DoseLine, card: str) -> ft.Control:
    opens, closes = line.due.window_opens, line.due.window_closes
    assert opens is not None and closes is not None
    span = f"Time-critical: give {s.local(opens)}–{s.local(closes)}"
    words, colour = {
        WindowState.UPCOMING: (f"{span}. Too early now: a dose now is flagged.", widgets.WARN),
        WindowState.OPEN: (f"{span}. Window open.", widgets.OK),
        WindowState.CLOSING_SOON: (f"{span}. Window closes within "
                                   f"{int(CLOSING_SOON.total_seconds() // 60)} minutes!",
                                   widgets.WARN),
        WindowState.MISSED: (f"{span}. Window closed: a dose now is flagged late and the "
                             "office is told.", widgets.DANGER),
    }[line.window]
    if line.answer is not None:
        words, colour = span, ft.Colors.BLACK_87
    return widgets.labelled(f"{card}-window", ft.Text(words, size=15, color=colour,
                                                      weight=ft.FontWeight.W_600))


def answer_text(s: MarState, card: str, answer: dict[str, Any],
                states: dict[str, str]) -> ft.Control:
    code = Outcome(answer["outcome"])
    at = s.local(datetime.fromisoformat(answer["actual_at"]))
    flags = answer.get("flags") or []
    if answer.get("other"):
        text = f"{code.label} at {at} · recorded by another worker"
    else:
        text = f"{code.label} at {at}"
        if answer.get("reason"):
            text += f": {answer['reason']}"
        if answer.get("witness"):
            text += f" · witness {answer['witness']}"
        text += mar_doses.amount_words(answer) + mar_doses.site_words(answer.get("patch_site"))
        if flags:
            text += " · FLAGGED: " + "; ".join(flags)
        text += f" · {widgets.STATE_WORDS[states.get(answer['record_id'], 'phone')]}"
    look = looks.dose_look(code.value, code.label, bool(flags))
    return widgets.marked_line(f"{card}-answer", look.icon, look.colour, text)


def corrections(s: MarState, card: str, answer: dict[str, Any]) -> list[ft.Control]:
    """Corrections already made to this dose (the original stays), and a way to add one."""
    rid = answer.get("record_id")
    if not rid or answer.get("other"):
        return []
    out: list[ft.Control] = [
        widgets.body(f"Corrected to {Outcome(c.outcome).label.lower() if c.outcome else '—'}"
                     f": {c.reason} · {widgets.STATE_WORDS.get(c.sync_state, '')}",
                     size=14, color=widgets.WARN)
        for c in s.fixes.get(rid, [])]
    if s.fixing.get(card) != rid:
        out.append(widgets.labelled(f"{card}-correct", ft.TextButton(
            "Correct this", icon=ft.Icons.EDIT, on_click=lambda _e: s.open_fix(card, rid),
            height=widgets.TOUCH), label="Correct this dose"))
        return out
    out.append(widgets.body("What should it have said?", size=15))
    out.append(ft.Row([widgets.labelled(
        f"{card}-fix-{c.value}",
        ft.Chip(label=ft.Text(c.label, size=15), selected=s.fix_code.get(card) is c,
                on_select=lambda _e, c=c: s.choose_fix(card, c), height=widgets.TOUCH),
        label=c.label) for c in Outcome], wrap=True))
    out.append(widgets.labelled(f"{card}-fix-reason", s.field(
        f"{card}-fix-reason", "Why is this being corrected?")))
    out.append(widgets.big_button(f"{card}-fix-save", "Save correction",
                                  lambda _e: s.save_fix(card, rid), outlined=True))
    return out


def confirm_controls(s: MarState, card: str, m: Medicine, line: DoseLine | None
                     ) -> list[ft.Control]:
    """Outside its window: say why, then save it flagged (the office is told), or go back."""
    code = s.confirming[card]
    return [
        widgets.labelled(f"{card}-confirm-ask", widgets.body(
            f"This dose is outside its time window. Saving '{code.label}' now flags it and "
            "tells the office. Say why, then confirm.", color=widgets.WARN,
            weight=ft.FontWeight.W_600)),
        widgets.labelled(f"{card}-reason", s.field(f"{card}-reason", "Why is it early or late?")),
        widgets.big_button(f"{card}-confirm", "Confirm: save it flagged",
                           lambda _e: s.confirm(card, m, line), color=widgets.WARN,
                           icon=ft.Icons.WARNING_AMBER),
        widgets.big_button(f"{card}-confirm-cancel", "Cancel",
                           lambda _e: s.cancel_confirm(card), outlined=True),
    ]


def answer_controls(s: MarState, card: str, m: Medicine, line: DoseLine | None
                    ) -> list[ft.Control]:
    """Time, witness, one big primary button, refused, and the other outcomes."""
    if card in s.confirming:
        return confirm_controls(s, card, m, line)
    out: list[ft.Control] = []
    primary = primary_code(m)
    if m.is_prn:
        out.append(widgets.labelled(f"{card}-reason", s.field(
            f"{card}-reason", "Reason for giving", hint=m.prn.reason_hint if m.prn else None)))
    if m.controlled:
        out += mar_witness.witness_controls(s, card)
    out += mar_doses.amount_field(s, card, m)
    if line is not None:
        out += mar_doses.patch_controls(s, card, m, line)
    out.append(widgets.labelled(f"{card}-time", s.field(
        f"{card}-time", "Time (blank = now, or an earlier HH:MM)")))
    if line is None or not line.no_dose_set:  # nothing to give without today's dose
        out.append(widgets.big_button(f"{card}-{primary.value}", primary.value.capitalize(),
                                      lambda _e: s.record(card, m, line, primary),
                                      color=widgets.OK, icon=ft.Icons.CHECK))
    if m.is_prn:
        return out
    out.append(ft.Row([
        widgets.big_button(f"{card}-refused", "Refused",
                           lambda _e: s.pick(card, Outcome.REFUSED), outlined=True),
        widgets.big_button(f"{card}-other", "Other outcome…",
                           lambda _e: s.toggle_others(card), outlined=True),
    ]))
    if card in s.others_open:
        out.append(ft.Row([widgets.labelled(
            f"{card}-code-{c.value}",
            ft.Chip(label=ft.Text(c.label, size=15), selected=s.chosen.get(card) is c,
                    on_select=lambda _e, c=c: s.pick(card, c), height=widgets.TOUCH),
            label=c.label) for c in OTHER_CODES], wrap=True))
    if card in s.chosen:
        code = s.chosen[card]
        out.append(widgets.labelled(f"{card}-reason", s.field(
            f"{card}-reason", f"Why: {code.label.lower()}")))
        out.append(widgets.big_button(f"{card}-save", f"Save: {code.label}",
                                      lambda _e: s.record(card, m, line, code),
                                      color=widgets.DANGER))
    return out


def dose_card(s: MarState, i: int, line: DoseLine, in_visit: bool,
              states: dict[str, str]) -> ft.Control:
    card, due, m = f"dose-{i}", line.due, line.due.medicine
    lines: list[ft.Control] = [
        ft.Text(f"{s.local(due.scheduled_at)} · {m.display_name}", size=18,
                weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
        widgets.body(f"{m.dose if line.no_dose_set else line.dose_text or m.dose}, {m.route} · "
                     f"{SUPPORT_WORDS[m.support_level]}", size=15),
        *mar_doses.detail_lines(s, card, m, line),
    ]
    if m.instructions:
        lines.append(widgets.body(m.instructions, size=15, color=ft.Colors.BLACK_87))
    if due.time_critical:
        lines.append(window_text(s, line, card))
    flagged = bool(line.answer and line.answer.get("flags"))
    if line.answer is not None:
        lines.append(answer_text(s, card, line.answer, states))
        lines += corrections(s, card, line.answer)
    elif in_visit:
        lines += answer_controls(s, card, m, line)
    lines += message(s, card)
    return box(lines, critical=due.time_critical and line.answer is None, flagged=flagged)


def prn_card(s: MarState, j: int, line: PrnLine, in_visit: bool,
             states: dict[str, str]) -> ft.Control:
    card, m, rules, d = f"prn-{j}", line.medicine, line.medicine.prn, line.decision
    assert rules is not None
    lines: list[ft.Control] = [
        ft.Text(m.display_name, size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
        widgets.body(f"{m.dose}, {m.route} · {SUPPORT_WORDS[m.support_level]}", size=15),
        widgets.body((f"For: {rules.reason_hint} · " if rules.reason_hint else "")
                     + f"As needed: at least {rules.min_interval_hours:g} hours apart, at "
                     f"most {rules.max_doses_24h} in 24 hours"
                     + (f" and {rules.max_amount_24h:g} {m.amount.unit}".rstrip()
                        if rules.max_amount_24h else "")
                     + (" · Controlled drug: needs a witness" if m.controlled else ""),
                     size=15),
        widgets.labelled(f"{card}-status", widgets.body(
            f"Can be given now ({d.doses_last_24h} in the last 24 hours)" if d.allowed
            else f"Not yet: next dose at {s.local(d.next_allowed_at)}"
            if d.next_allowed_at else "Not allowed today",
            color=widgets.OK if d.allowed else widgets.DANGER, weight=ft.FontWeight.W_600)),
    ]
    for n, given in enumerate(line.given):
        lines.append(answer_text(s, f"{card}-given-{n}", given, states))
        lines += corrections(s, f"{card}-given-{n}", given)
    if in_visit:
        lines += answer_controls(s, card, m, None)
    lines += message(s, card)
    return box(lines)
