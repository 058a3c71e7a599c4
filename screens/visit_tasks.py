"""The visit's checklist: each care-plan task with its answer, or the buttons to give one."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import VisitDetail
from screens import looks, widgets
from screens.visit_parts import corrections
from screens.visit_state import VisitState
from sync.codes import TaskOutcome

MEDICINES_TASK = "medication"  # the care-plan category of "Medicines due (see MAR)"


def task_row(s: VisitState, index: int, d: VisitDetail, task: dict[str, Any]) -> ft.Control:
    lines: list[ft.Control] = [
        ft.Text(task["title"], size=17, weight=ft.FontWeight.W_600, color=ft.Colors.BLACK),
    ]
    if task.get("instructions"):
        lines.append(ft.Text(task["instructions"], size=15, color=ft.Colors.BLACK_87))
    answered = d.task_outcomes.get(task["id"])
    if answered:
        lines.append(answer_line(s, index, d, answered))
        lines += corrections(s, d, answered["record_id"], f"task-{index}")
    elif d.checked_in_at is not None and d.checked_out_at is None:
        if task.get("category") == MEDICINES_TASK and d.due_doses and d.unanswered_doses:
            lines += follow_the_mar(s, index, d)
        else:
            lines += answer_controls(s, index, task)
    lines += s.error_here(f"task-{index}")
    return ft.Container(ft.Column(lines, spacing=6), padding=12, border_radius=8,
                        border=ft.Border.all(1, ft.Colors.GREY_400))


def answer_line(s: VisitState, index: int, d: VisitDetail, answered: dict[str, Any]
                ) -> ft.Control:
    look = looks.task_look(answered["outcome"])
    words = look.word
    if answered.get("reason"):
        words += f": {answered['reason']}"
    if answered.get("fluid_taken_ml") is not None:
        words += (f" (offered {answered['fluid_offered_ml']} ml, "
                  f"taken {answered['fluid_taken_ml']} ml)")
    state = widgets.STATE_WORDS[d.record_states.get(answered["record_id"], "phone")]
    return widgets.marked_line(f"task-{index}-answer", look.icon, look.colour,
                               f"{words} · {state}")


def follow_the_mar(s: VisitState, index: int, d: VisitDetail) -> list[ft.Control]:
    """The medicines task is answered after the MAR, never ticked before the doses are."""
    left, due = len(d.unanswered_doses), len(d.due_doses)
    return [
        widgets.labelled(f"task-{index}-waits", widgets.body(
            f"Record each dose in the MAR first: {left} of {due} still to record.",
            color=widgets.WARN, weight=ft.FontWeight.W_600)),
        widgets.big_button(f"task-{index}-mar", "Open the MAR", lambda _e: s.open_mar(),
                           icon=ft.Icons.MEDICATION, outlined=True),
    ]


def answer_controls(s: VisitState, index: int, task: dict[str, Any]) -> list[ft.Control]:
    tid = task["id"]
    out: list[ft.Control] = []
    if task.get("fluid"):
        ml = s.fluids.setdefault(tid, (
            widgets.field(f"task-{index}-offered", "Offered (ml)", numeric=True),
            widgets.field(f"task-{index}-taken", "Taken (ml)", numeric=True)))
        out.append(ft.Row([
            ft.Container(widgets.labelled(f"task-{index}-offered", ml[0]), expand=True),
            ft.Container(widgets.labelled(f"task-{index}-taken", ml[1]), expand=True),
        ]))
    out.append(ft.Row([
        widgets.big_button(f"task-{index}-done", "Done",
                           lambda _e: s.answer(index, tid, "done"), color=widgets.OK,
                           icon=ft.Icons.CHECK),
        widgets.big_button(f"task-{index}-not-done", "Not done",
                           lambda _e: s.toggle_not_done(tid), outlined=True),
    ]))
    if tid not in s.not_done_open:
        return out
    reason = s.reasons.setdefault(tid, widgets.field(f"task-{index}-reason",
                                                     "Why? (what happened)"))
    out.append(widgets.labelled(f"task-{index}-reason", reason))
    out.append(widgets.big_button(
        f"task-{index}-save-reason", "Save: not done",
        lambda _e: s.answer(index, tid, "not_done", reason.value or ""),
        color=widgets.DANGER))
    out.append(ft.Row([
        widgets.big_button(f"task-{index}-{code}", looks.task_look(code).word,
                           lambda _e, code=code: s.answer(index, tid, code,
                                                          reason.value or ""),
                           outlined=True)
        for code in (TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED, TaskOutcome.NOT_REQUIRED)],
        wrap=True))
    return out
