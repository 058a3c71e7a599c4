"""The eMAR for one visit: each due dose gets one outcome, PRN with its limits, then back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from fieldapp.domain.mar import CLOSING_SOON, Medicine, Outcome, SupportLevel, WindowState
from fieldapp.errors import FieldAppError, RuleViolation
from fieldapp.services.medication import DoseLine, DoseSaved, PrnLine
from screens import widgets
from screens.app import WorkerApp

SUPPORT_WORDS = {
    SupportLevel.PROMPT: "Prompt: remind; they take it themselves",
    SupportLevel.ASSIST: "Assist: help open it; they take it",
    SupportLevel.ADMINISTER: "Administer: you give it",
}
# Everything in the stable code set that is not the big buttons (given/taken, refused).
OTHER_CODES = [Outcome.PARTIAL, Outcome.NOT_AVAILABLE, Outcome.ASLEEP, Outcome.NAUSEA_VOMITING,
               Outcome.HOSPITAL, Outcome.AWAY, Outcome.WITHHELD, Outcome.OTHER]
WARN = ft.Colors.ORANGE_900


def primary_code(m: Medicine) -> Outcome:
    return Outcome.GIVEN if m.support_level is SupportLevel.ADMINISTER else Outcome.TAKEN


def show_mar(app: WorkerApp, visit_id: str) -> None:
    from screens.visit import show_visit

    fields: dict[str, ft.TextField] = {}
    chosen: dict[str, Outcome] = {}  # card id -> a non-taken outcome waiting for its reason
    others_open: set[str] = set()
    messages: dict[str, tuple[str, str]] = {}  # card id -> (text, colour)
    fixing: dict[str, str] = {}  # card id -> the dose record being corrected
    fix_code: dict[str, Outcome] = {}

    def field(ident: str, label: str, **kw: Any) -> ft.TextField:
        return fields.setdefault(ident, widgets.field(ident, label, **kw))

    def say(card: str, text: str, colour: str = widgets.DANGER) -> None:
        messages.clear()
        messages[card] = (text, colour)

    def when(card: str) -> datetime | None:
        """The worker's own time (HH:MM today) or None for now."""
        raw = (fields[f"{card}-time"].value or "").strip() if f"{card}-time" in fields else ""
        if not raw:
            return None
        try:
            hh, mm = (int(x) for x in raw.replace(".", ":").split(":"))
            local = app.clock.now().astimezone(app.tz).replace(hour=hh, minute=mm, second=0,
                                                               microsecond=0)
        except ValueError:
            raise RuleViolation("Type the time as HH:MM, for example 08:10.") from None
        return local

    def record(card: str, medicine: Medicine, scheduled: datetime | None, code: Outcome) -> None:
        try:
            saved = app.visits.medication.record_dose(
                visit_id, medicine.id, scheduled, code.value,
                (fields[f"{card}-reason"].value if f"{card}-reason" in fields else None),
                actual_at=when(card),
                witness=(fields[f"{card}-witness"].value if f"{card}-witness" in fields
                         else None),
                worker_name=app.device.identity().worker_name)
        except FieldAppError as exc:
            say(card, str(exc))
        else:
            chosen.pop(card, None)
            others_open.discard(card)
            for suffix in ("reason", "witness", "time"):
                if f"{card}-{suffix}" in fields:
                    fields[f"{card}-{suffix}"].value = ""
            say(card, saved_words(saved), widgets.OK if not saved.flags else WARN)
            app.request_sync()
        app.refresh()

    def pick(card: str, code: Outcome) -> None:
        chosen[card] = code
        messages.clear()
        app.refresh()

    def toggle_others(card: str) -> None:
        others_open.symmetric_difference_update({card})
        app.refresh()

    def message(card: str) -> list[ft.Control]:
        if card not in messages:
            return []
        text, colour = messages[card]
        return [widgets.labelled(f"{card}-message", ft.Text(
            text, color=colour, size=16, weight=ft.FontWeight.W_600))]

    def open_fix(card: str, record_id: str) -> None:
        fixing.clear()
        fix_code.clear()
        fixing[card] = record_id
        messages.clear()
        app.refresh()

    def save_fix(card: str, record_id: str) -> None:
        code = fix_code.get(card)
        reason = fields[f"{card}-fix-reason"].value if f"{card}-fix-reason" in fields else ""
        try:
            app.visits.addenda.correct(record_id, reason, outcome=code.value if code else None)
        except FieldAppError as exc:
            say(card, str(exc))
        else:
            fixing.pop(card, None)
            fields[f"{card}-fix-reason"].value = ""
            say(card, "Correction saved. The original stays on the record.", widgets.OK)
            app.request_sync()
        app.refresh()

    def corrections(card: str, answer: dict[str, Any], fixes: dict[str, list[Any]],
                    states: dict[str, str]) -> list[ft.Control]:
        """Corrections already made to this dose (the original stays), and a way to add one."""
        rid = answer.get("record_id")
        if not rid or answer.get("other"):
            return []
        out: list[ft.Control] = [
            widgets.body(f"Corrected to {Outcome(c.outcome).label.lower() if c.outcome else '—'}"
                         f": {c.reason} · {widgets.STATE_WORDS.get(c.sync_state, '')}",
                         size=14, color=WARN)
            for c in fixes.get(rid, [])]
        if fixing.get(card) != rid:
            out.append(widgets.labelled(f"{card}-correct", ft.TextButton(
                "Correct this", on_click=lambda _e: open_fix(card, rid),
                height=widgets.TOUCH), label="Correct this dose"))
            return out

        def choose(code: Outcome) -> None:
            fix_code[card] = code
            app.refresh()

        out.append(widgets.body("What should it have said?", size=15))
        out.append(ft.Row([widgets.labelled(
            f"{card}-fix-{c.value}",
            ft.Chip(label=ft.Text(c.label, size=15), selected=fix_code.get(card) is c,
                    on_select=lambda _e, c=c: choose(c), height=widgets.TOUCH),
            label=c.label) for c in Outcome], wrap=True))
        out.append(widgets.labelled(f"{card}-fix-reason", field(
            f"{card}-fix-reason", "Why is this being corrected?")))
        out.append(widgets.big_button(f"{card}-fix-save", "Save correction",
                                      lambda _e: save_fix(card, rid), outlined=True))
        return out

    def answer_controls(card: str, m: Medicine, scheduled: datetime | None) -> list[ft.Control]:
        """Time, witness, one big primary button, refused, and the other outcomes."""
        out: list[ft.Control] = []
        primary = primary_code(m)
        if m.is_prn:
            out.append(widgets.labelled(f"{card}-reason", field(
                f"{card}-reason", "Reason for giving", hint=m.prn.reason_hint if m.prn else None)))
        if m.controlled:
            out.append(widgets.labelled(f"{card}-witness", field(
                f"{card}-witness", "Witness (second person's full name)")))
        out.append(widgets.labelled(f"{card}-time", field(
            f"{card}-time", "Time (blank = now, or an earlier HH:MM)")))
        out.append(widgets.big_button(f"{card}-{primary.value}", primary.value.capitalize(),
                                      lambda _e: record(card, m, scheduled, primary),
                                      color=widgets.OK))
        if m.is_prn:
            return out
        out.append(ft.Row([
            widgets.big_button(f"{card}-refused", "Refused",
                               lambda _e: pick(card, Outcome.REFUSED), outlined=True),
            widgets.big_button(f"{card}-other", "Other outcome…",
                               lambda _e: toggle_others(card), outlined=True),
        ]))
        if card in others_open:
            out.append(ft.Row([widgets.labelled(
                f"{card}-code-{c.value}",
                ft.Chip(label=ft.Text(c.label, size=15), selected=chosen.get(card) is c,
                        on_select=lambda _e, c=c: pick(card, c), height=widgets.TOUCH),
                label=c.label) for c in OTHER_CODES], wrap=True))
        if card in chosen:
            code = chosen[card]
            out.append(widgets.labelled(f"{card}-reason", field(
                f"{card}-reason", f"Why: {code.label.lower()}")))
            out.append(widgets.big_button(f"{card}-save", f"Save: {code.label}",
                                          lambda _e: record(card, m, scheduled, code),
                                          color=widgets.DANGER))
        return out

    fixes: dict[str, list[Any]] = {}

    def dose_card(i: int, line: DoseLine, in_visit: bool, states: dict[str, str]) -> ft.Control:
        card, due, m = f"dose-{i}", line.due, line.due.medicine
        lines: list[ft.Control] = [
            ft.Text(f"{app.local_time(due.scheduled_at)} · {m.display_name}", size=18,
                    weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
            widgets.body(f"{m.dose}, {m.route} · {SUPPORT_WORDS[m.support_level]}", size=15),
        ]
        if m.instructions:
            lines.append(widgets.body(m.instructions, size=15, color=ft.Colors.BLACK_87))
        if due.time_critical:
            lines.append(window_text(app, line, card))
        if line.answer is not None:
            lines.append(answer_text(app, card, line.answer, states))
            lines += corrections(card, line.answer, fixes, states)
        elif in_visit:
            lines += answer_controls(card, m, due.scheduled_at)
        lines += message(card)
        return box(lines, critical=due.time_critical and line.answer is None)

    def prn_card(j: int, line: PrnLine, in_visit: bool, states: dict[str, str]) -> ft.Control:
        card, m, rules, d = f"prn-{j}", line.medicine, line.medicine.prn, line.decision
        assert rules is not None
        lines: list[ft.Control] = [
            ft.Text(m.display_name, size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.BLACK),
            widgets.body(f"{m.dose}, {m.route} · {SUPPORT_WORDS[m.support_level]}", size=15),
            widgets.body(f"As needed: at least {rules.min_interval_hours:g} hours apart, at "
                         f"most {rules.max_doses_24h} in 24 hours"
                         + (" · Controlled drug: needs a witness" if m.controlled else ""),
                         size=15),
            widgets.labelled(f"{card}-status", widgets.body(
                f"Can be given now ({d.doses_last_24h} in the last 24 hours)" if d.allowed
                else f"Not yet: next dose at {app.local_time(d.next_allowed_at)}"
                if d.next_allowed_at else "Not allowed today",
                color=widgets.OK if d.allowed else widgets.DANGER, weight=ft.FontWeight.W_600)),
        ]
        for n, given in enumerate(line.given):
            lines.append(answer_text(app, f"{card}-given-{n}", given, states))
            lines += corrections(f"{card}-given-{n}", given, fixes, states)
        if in_visit:
            lines += answer_controls(card, m, None)
        lines += message(card)
        return box(lines)

    def render() -> list[ft.Control]:
        rnd = app.visits.medication.round(visit_id)
        detail = app.visits.visit(visit_id)
        fixes.clear()
        fixes.update(detail.corrections)  # VisitService.visit() read them already
        in_visit = rnd.checked_in_at is not None and rnd.checked_out_at is None
        name = detail.person.get("preferred_name") or detail.person.get("name", "")
        allergies = ", ".join(detail.person.get("allergies") or []) or "None recorded"
        out: list[ft.Control] = [
            widgets.labelled("mar-back", ft.TextButton(
                "Back to the visit", icon=ft.Icons.ARROW_BACK,
                on_click=lambda _e: show_visit(app, visit_id),
                height=widgets.TOUCH), label="Back to the visit"),
            app.banner(),
            widgets.heading(f"Medicines · {name}", size=22),
            ft.Text(f"Allergies: {allergies}", size=16, color=widgets.DANGER,
                    weight=ft.FontWeight.W_600),
        ]
        if not in_visit:
            out.append(widgets.body("Check in to the visit to record medicines."
                                    if rnd.checked_in_at is None else
                                    "This visit is checked out. A recorded dose can still be "
                                    "corrected: tap \"Correct this\" under it."))
        left = len(rnd.unanswered)
        out.append(widgets.labelled("mar-summary", widgets.heading(
            f"Due at this visit: {len(rnd.doses)} · {left} still to record", size=18)))
        out += [dose_card(i, line, in_visit, rnd.record_states)
                for i, line in enumerate(rnd.doses)] or [
            widgets.body("No scheduled doses at this visit.")]
        if rnd.prn:
            out.append(widgets.heading("As needed (PRN)", size=20))
            out += [prn_card(j, line, in_visit, rnd.record_states)
                    for j, line in enumerate(rnd.prn)]
        out.append(widgets.big_button("mar-done", "Back to the visit",
                                      lambda _e: show_visit(app, visit_id), outlined=True))
        return out

    # The office hears about missed time-critical doses as soon as the round is opened.
    try:
        if app.visits.medication.round(visit_id).checked_in_at is not None:
            if app.visits.medication.raise_due_escalations(visit_id):
                app.request_sync()
    except FieldAppError:
        pass  # the screen shows the problem itself
    app.set_screen(render)


def box(lines: list[ft.Control], critical: bool = False) -> ft.Container:
    return ft.Container(ft.Column(lines, spacing=8), padding=12, border_radius=8,
                        border=ft.Border.all(2 if critical else 1,
                                             ft.Colors.RED_900 if critical else
                                             ft.Colors.GREY_400))


def window_text(app: WorkerApp, line: DoseLine, card: str) -> ft.Control:
    opens, closes = line.due.window_opens, line.due.window_closes
    assert opens is not None and closes is not None
    span = f"Time-critical: give {app.local_time(opens)}–{app.local_time(closes)}"
    words, colour = {
        WindowState.UPCOMING: (f"{span}. Too early now: a dose now is flagged.", WARN),
        WindowState.OPEN: (f"{span}. Window open.", widgets.OK),
        WindowState.CLOSING_SOON: (f"{span}. Window closes within "
                                   f"{int(CLOSING_SOON.total_seconds() // 60)} minutes!", WARN),
        WindowState.MISSED: (f"{span}. Window closed: a dose now is flagged late and the "
                             "office is told.", widgets.DANGER),
    }[line.window]
    if line.answer is not None:
        words, colour = span, ft.Colors.BLACK_87
    return widgets.labelled(f"{card}-window", ft.Text(words, size=15, color=colour,
                                                      weight=ft.FontWeight.W_600))


def answer_text(app: WorkerApp, card: str, answer: dict[str, Any],
                states: dict[str, str]) -> ft.Control:
    code = Outcome(answer["outcome"])
    at = app.local_time(datetime.fromisoformat(answer["actual_at"]))
    if answer.get("other"):
        text = f"{code.label} at {at} · recorded by another worker"
    else:
        text = f"{code.label} at {at}"
        if answer.get("reason"):
            text += f": {answer['reason']}"
        if answer.get("witness"):
            text += f" · witness {answer['witness']}"
        if answer.get("flags"):
            text += " · FLAGGED: " + "; ".join(answer["flags"])
        text += f" · {widgets.STATE_WORDS[states.get(answer['record_id'], 'phone')]}"
    return widgets.labelled(f"{card}-answer", ft.Row([
        ft.Icon(ft.Icons.CHECK_CIRCLE, color=widgets.OK, size=22),
        ft.Text(text, size=15, color=widgets.OK, weight=ft.FontWeight.BOLD, expand=True)],
        vertical_alignment=ft.CrossAxisAlignment.START))


def saved_words(saved: DoseSaved) -> str:
    text = "Saved."
    if saved.flags:
        text += " Flagged: " + "; ".join(saved.flags) + "."
    if saved.escalations:
        text += " The office has been told automatically."
    return text
