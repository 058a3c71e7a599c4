"""One visit: key facts, check-in, the care-plan checklist, medicines, a note, and check-out."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.errors import CheckOutBlocked, FieldAppError
from fieldapp.services.visits import VisitDetail
from screens import widgets
from screens.app import WorkerApp

QUICK_PHRASES = [
    "In good spirits",
    "Ate well",
    "Drank well",
    "Skin checked, no concerns",
    "Seemed tired",
    "Family visiting",
]


def key_facts(d: VisitDetail, in_visit: bool) -> ft.Control:
    p = d.person
    allergies = p.get("allergies") or []
    rows = [
        ("Allergies", ", ".join(allergies) if allergies else "None recorded"),
        ("Resuscitation", p.get("dnacpr") or "Not recorded"),
        ("Communication", p.get("communication_needs") or "No particular needs"),
    ]
    if in_visit and p.get("access_notes"):
        rows.append(("Access", p["access_notes"]))
    return ft.Container(
        ft.Column([
            ft.Text(f"{label}: {value}", size=16, color=ft.Colors.BLACK,
                    weight=ft.FontWeight.W_600 if label == "Allergies" and allergies else None)
            for label, value in rows
        ], spacing=4),
        bgcolor=ft.Colors.AMBER_50, padding=12, border_radius=8,
        border=ft.Border.all(1, ft.Colors.AMBER_900),
    )


def show_visit(app: WorkerApp, visit_id: str) -> None:
    from screens.day import show_day, status_chip

    error = widgets.error_text()
    not_done_open: set[str] = set()
    reasons: dict[str, ft.TextField] = {}
    fluids: dict[str, tuple[ft.TextField, ft.TextField]] = {}
    note = widgets.field("note-text", "Visit note", multiline=True)
    picked: list[str] = []
    checkin_reason = widgets.field("checkin-reason", "Reason for arriving early or late")
    checkout_reason = widgets.field("checkout-reason", "Reason for leaving early or late")
    consent = ft.Switch(label="Share my location at check-in and check-out only",
                        value=False, height=widgets.TOUCH)
    fixing: dict[str, str] = {}  # record id being corrected -> its identifier prefix
    fix_reason = widgets.field("correct-reason", "Why is this being corrected?")
    fix_text = widgets.field("correct-text", "What it should say")

    where = {"at": "end"}

    def error_here(place: str) -> list[ft.Control]:
        """The error shows next to the thing the worker just tapped, not off-screen."""
        return [error] if where["at"] == place and error.value else []

    def act(fn: Any, *args: Any, at: str = "end", **kwargs: Any) -> None:
        error.value = ""
        where["at"] = at
        try:
            fn(*args, **kwargs)
        except CheckOutBlocked as exc:
            error.value = exc.details()
        except FieldAppError as exc:
            error.value = str(exc)
        else:
            app.request_sync()
        app.refresh()

    def toggle_not_done(task_id: str) -> None:
        not_done_open.symmetric_difference_update({task_id})
        app.refresh()

    def task_row(index: int, d: VisitDetail, task: dict[str, Any]) -> ft.Control:
        tid = task["id"]
        answered = d.task_outcomes.get(tid)
        lines: list[ft.Control] = [
            ft.Text(task["title"], size=17, weight=ft.FontWeight.W_600, color=ft.Colors.BLACK),
        ]
        if task.get("instructions"):
            lines.append(ft.Text(task["instructions"], size=15, color=ft.Colors.BLACK_87))
        if answered:
            word = answered["outcome"].replace("_", " ").capitalize()
            if answered.get("reason"):
                word += f": {answered['reason']}"
            if answered.get("fluid_taken_ml") is not None:
                word += (f" (offered {answered['fluid_offered_ml']} ml, "
                         f"taken {answered['fluid_taken_ml']} ml)")
            state = widgets.STATE_WORDS[d.record_states.get(answered["record_id"], "phone")]
            lines.append(widgets.labelled(
                f"task-{index}-answer",
                ft.Row([
                    ft.Icon(ft.Icons.CHECK_CIRCLE, color=widgets.OK, size=22),
                    ft.Text(f"{word} · {state}", size=15, color=widgets.OK,
                            weight=ft.FontWeight.BOLD, expand=True),
                ], vertical_alignment=ft.CrossAxisAlignment.START)))
            lines += corrections(d, answered["record_id"], f"task-{index}")
        elif d.checked_in_at is not None and d.checked_out_at is None:
            ml: tuple[ft.TextField, ft.TextField] | None = None
            if task.get("fluid"):
                ml = fluids.setdefault(tid, (
                    widgets.field(f"task-{index}-offered", "Offered (ml)", numeric=True),
                    widgets.field(f"task-{index}-taken", "Taken (ml)", numeric=True)))
                lines.append(ft.Row([
                    ft.Container(widgets.labelled(f"task-{index}-offered", ml[0]), expand=True),
                    ft.Container(widgets.labelled(f"task-{index}-taken", ml[1]), expand=True),
                ]))

            def answer(outcome: str, reason: str | None = None,
                       ml: tuple[ft.TextField, ft.TextField] | None = ml) -> None:
                amounts: list[int | None] = [None, None]
                if ml is not None and (ml[0].value or ml[1].value):
                    try:
                        amounts = [int(ml[0].value or ""), int(ml[1].value or "")]
                    except ValueError:
                        error.value = "Enter the fluid offered and taken as whole ml, e.g. 200."
                        where["at"] = f"task-{index}"
                        app.refresh()
                        return
                act(app.visits.record_task, d.id, tid, outcome, reason, *amounts,
                    at=f"task-{index}")

            lines.append(ft.Row([
                widgets.big_button(f"task-{index}-done", "Done", lambda _e: answer("done"),
                                   color=widgets.OK),
                widgets.big_button(f"task-{index}-not-done", "Not done",
                                   lambda _e: toggle_not_done(tid), outlined=True),
            ]))
            if tid in not_done_open:
                reason = reasons.setdefault(tid, widgets.field(f"task-{index}-reason",
                                                               "Why? (what happened)"))
                lines.append(widgets.labelled(f"task-{index}-reason", reason))
                lines.append(widgets.big_button(
                    f"task-{index}-save-reason", "Save: not done",
                    lambda _e: answer("not_done", reason.value or ""),
                    color=widgets.DANGER))
                lines.append(ft.Row([
                    widgets.big_button(f"task-{index}-{code}", word,
                                       lambda _e, code=code: answer(code, reason.value or ""),
                                       outlined=True)
                    for code, word in (("partly_done", "Partly done"), ("refused", "Refused"),
                                       ("not_required", "Not needed"))], wrap=True))
        lines += error_here(f"task-{index}")
        return ft.Container(ft.Column(lines, spacing=6), padding=12, border_radius=8,
                            border=ft.Border.all(1, ft.Colors.GREY_400))

    def corrections(d: VisitDetail, record_id: str, prefix: str) -> list[ft.Control]:
        """The corrections already made (the original stays above), and a way to add one."""
        out: list[ft.Control] = [
            widgets.body(f"Correction: {c.text or c.outcome} — {c.reason} · "
                         f"{widgets.STATE_WORDS.get(c.sync_state, '')}", size=14,
                         color=ft.Colors.ORANGE_900)
            for c in d.corrections.get(record_id, [])]
        if fixing.get(record_id) == prefix:
            out += [widgets.labelled("correct-text", fix_text),
                    widgets.labelled("correct-reason", fix_reason),
                    *error_here(f"fix-{prefix}"),
                    widgets.big_button("correct-save", "Save correction",
                                       lambda _e: save_fix(record_id, prefix), outlined=True)]
        else:
            out.append(widgets.labelled(f"{prefix}-correct", ft.TextButton(
                "Correct this", on_click=lambda _e: open_fix(record_id, prefix),
                height=widgets.TOUCH), label="Correct this record"))
        return out

    def open_fix(record_id: str, prefix: str) -> None:
        fixing.clear()
        fixing[record_id] = prefix
        app.refresh()

    def save_fix(record_id: str, prefix: str) -> None:
        act(app.visits.addenda.correct, record_id, fix_reason.value or "",
            at=f"fix-{prefix}", text=fix_text.value or "")
        if not error.value:
            fixing.clear()
            fix_reason.value = fix_text.value = ""
            app.refresh()

    def phrase_chip(text: str) -> ft.Control:
        def flip(_e: Any) -> None:
            if text in picked:
                picked.remove(text)
            else:
                picked.append(text)
            app.refresh()

        return widgets.labelled(
            f"phrase-{QUICK_PHRASES.index(text)}",
            ft.Chip(label=ft.Text(text, size=15), selected=text in picked, on_select=flip,
                    height=widgets.TOUCH),
            label=text)

    def save_note(d: VisitDetail) -> None:
        act(app.visits.add_note, d.id, note.value or "", list(picked), at="note")
        if not error.value:
            note.value = ""
            picked.clear()
            app.refresh()

    def render() -> list[ft.Control]:
        d = app.visits.visit(visit_id)
        in_visit = d.checked_in_at is not None and d.checked_out_at is None
        out: list[ft.Control] = [
            widgets.labelled("back", ft.TextButton("Today's visits", icon=ft.Icons.ARROW_BACK,
                                                   on_click=lambda _e: show_day(app),
                                                   height=widgets.TOUCH), label="Back to today"),
            app.banner(),
            call_office(app),
            ft.Row([
                ft.Column([
                    widgets.heading(d.person.get("preferred_name") or d.person.get("name", "")),
                    widgets.body(f"{d.visit_type.capitalize()} visit "
                                 f"{app.local_time(d.start)}–{app.local_time(d.end)}"),
                ], spacing=0, expand=True),
                status_chip(d.status),
            ]),
            key_facts(d, in_visit),
        ]
        if d.goals:
            out.append(widgets.body("Goals: " + "; ".join(d.goals), size=15))
        if d.checked_in_at is None:
            out += [widgets.labelled("checkin-reason", checkin_reason),
                    widgets.labelled("location-consent", consent,
                                     label="Share my location at check-in and check-out only"),
                    *error_here("check-in"),
                    widgets.big_button("visit-check-in", "Check in",
                                       lambda _e: act(app.visits.check_in, d.id,
                                                      checkin_reason.value or None,
                                                      at="check-in", location=None,
                                                      location_consent=bool(consent.value)))]
        else:
            out.append(widgets.body(f"Checked in {app.local_time(d.checked_in_at)}"
                                    + (f" · checked out {app.local_time(d.checked_out_at)}"
                                       if d.checked_out_at else ""), weight=ft.FontWeight.W_600))
        out.append(widgets.heading("Tasks", size=20))
        out += [task_row(i, d, t) for i, t in enumerate(d.tasks)] or [
            widgets.body("No care-plan tasks for this visit type.")]
        if d.medicines:
            out += medicines_section(app, d)
        out.append(widgets.heading("Notes", size=20))
        for i, n in enumerate(d.notes):
            words = "; ".join(n.get("phrases") or [])
            text = " ".join(x for x in (words, n.get("text", "")) if x)
            state = widgets.STATE_WORDS[d.record_states.get(n["record_id"], "phone")]
            out.append(widgets.body(f"{text} · {state}", size=15))
            out += corrections(d, n["record_id"], f"note-{i}")
        for e in d.escalations:
            out.append(widgets.body(f"Office told automatically ({e.get('severity')}): "
                                    f"{e.get('summary', '')}", size=15,
                                    color=ft.Colors.ORANGE_900))
        if in_visit:
            out += [
                ft.Row([phrase_chip(p) for p in QUICK_PHRASES], wrap=True),
                widgets.labelled("note-text", note),
                *error_here("note"),
                widgets.big_button("note-save", "Save note", lambda _e: save_note(d),
                                   outlined=True),
                widgets.labelled("checkout-reason", checkout_reason),
                *error_here("end"),
                widgets.big_button("visit-check-out", "Check out",
                                   lambda _e: act(app.visits.check_out, d.id,
                                                  checkout_reason.value or None,
                                                  location=None,
                                                  location_consent=bool(consent.value))),
            ]
        else:
            out += error_here("end")
        return out

    app.set_screen(render)


def medicines_section(app: WorkerApp, d: VisitDetail) -> list[ft.Control]:
    """How many doses are due and still to record, and the way into the eMAR."""
    from screens.mar import show_mar

    left = d.unanswered_doses
    critical = [x for x in left if x.time_critical]
    out: list[ft.Control] = [widgets.heading("Medicines", size=20)]
    words = (f"{len(d.due_doses)} dose(s) due at this visit · {len(left)} still to record"
             if d.due_doses else "No scheduled doses at this visit; as-needed medicines are in "
             "the list.")
    out.append(widgets.labelled("visit-doses", widgets.body(words, weight=ft.FontWeight.W_600)))
    if critical:
        out.append(widgets.body("Time-critical: " + ", ".join(
            f"{x.medicine.display_name} at {app.local_time(x.scheduled_at)}" for x in critical),
            color=widgets.DANGER, weight=ft.FontWeight.W_600))
    out.append(widgets.big_button("visit-mar", "Medicines (MAR)",
                                  lambda _e: show_mar(app, d.id), icon=ft.Icons.MEDICATION,
                                  color=widgets.DANGER if critical else widgets.PRIMARY))
    return out


def call_office(app: WorkerApp) -> ft.Control:
    """Tap to phone the office: works with no data signal, so nobody waits for sync."""
    number = app.device.identity().office_phone

    async def call(_e: Any) -> None:
        await ft.UrlLauncher().launch_url(f"tel:{number.replace(' ', '')}")

    return widgets.labelled("call-office", ft.OutlinedButton(
        content=f"Call the office {number}".strip(), icon=ft.Icons.PHONE, on_click=call,
        height=widgets.TOUCH), label="Call the office")
