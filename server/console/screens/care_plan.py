"""A person's care plan tasks: remove or add tasks in a draft, then save the draft as a new
version that waits for a second coordinator's check (the same queue as medicines changes).
Opening it opens the sealed plan; the audit log says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from server.console.context import Console
from server.console.widgets import button, heading, labelled, problem, small
from server.errors import ServerError
from server.med_versions import Source
from server.services.care_plan import CATEGORIES, CarePlan, read_plan, save_tasks, task


def care_plan_route(service_user_id: str) -> str:
    return f"/people/{service_user_id}/care-plan"


class CarePlanState:
    def __init__(self, console: Console, service_user_id: str):
        self.console = console
        self.service_user_id = service_user_id
        self.problem, self.status = "", ""
        self.error_field: str | None = None
        self.plan: CarePlan = self._read()
        self.draft: list[dict[str, Any]] = self.plan.tasks
        self.new: dict[str, Any] = {}
        self.meta: dict[str, str] = {}

    def _read(self) -> CarePlan:
        c = self.console
        return read_plan(c.engine, c.key(), c.coordinator, self.service_user_id, c.clock)

    def remove(self, index: int) -> None:
        del self.draft[index]

    def add(self) -> None:
        try:
            self.draft.append(task(self.new))
            self.new, self.problem, self.error_field = {}, "", None
        except ServerError as exc:
            self.problem, self.error_field = str(exc), exc.field

    def save(self) -> None:
        c = self.console
        try:
            v = save_tasks(c.engine, c.key(), c.coordinator, self.service_user_id, self.draft,
                           self.meta.get("why", ""), self.meta.get("source", ""), c.clock)
        except ServerError as exc:
            self.problem, self.error_field = str(exc), exc.field
            return
        self.problem, self.error_field, self.meta = "", None, {}
        self.status = (f"Care plan version {v.version} saved. It waits for a second "
                       "coordinator to check it before phones receive it.")
        self.plan = self._read()
        self.draft = self.plan.tasks


def render_care_plan(state: CarePlanState, redraw: Callable[[], None]) -> list[ft.Control]:
    p = state.plan

    def act(fn: Callable[[], None]) -> Callable[[], None]:
        def go() -> None:
            fn()
            redraw()
        return go

    out: list[ft.Control] = [
        ft.Row([button("console-back", "Back", state.console.back)]),
        heading(f"Care plan: {p.person_name}"),
        small(f"Version {p.version} in force. Opening this plan was logged in the audit trail."),
        ft.Text(state.status, color=ft.Colors.GREEN_900),
    ]
    if p.waiting is not None:
        out.append(ft.Text(f"An edit (version {p.waiting.version}) waits for its check; save "
                           "another once it is checked or rejected.", color=ft.Colors.ORANGE_900))
    for i, t in enumerate(state.draft):
        out.append(labelled(f"console-plan-task-{i}", ft.Row([
            ft.Text(f"{t.get('visit_type', '')} · {CATEGORIES.get(t.get('category', ''), '')}"
                    f" · {t.get('title', '')}", weight=ft.FontWeight.BOLD, width=520),
            small(str(t.get("instructions") or "")),
            button(f"console-plan-remove-{i}", "Remove", act(_remover(state, i)),
                   icon=ft.Icons.DELETE)], wrap=True), f"Task {t.get('title', '')}"))
    return out + _add_form(state, act) + _save_form(state, act)


def _remover(state: CarePlanState, index: int) -> Callable[[], None]:
    return lambda: state.remove(index)


def _text(state: CarePlanState, into: dict[str, Any], field: str, label: str) -> ft.Control:
    def changed(e: ft.Event[ft.TextField]) -> None:
        into[field] = e.control.value

    return labelled(f"console-plan-{field}", ft.TextField(
        label=label, width=420, value=str(into.get(field) or ""), on_change=changed,
        error=state.problem if state.error_field == field else None), label)


def _chips(state: CarePlanState, into: dict[str, Any], field: str,
           options: dict[str, str], act: Callable[..., Callable[[], None]]) -> ft.Control:
    def pick(key: str) -> Callable[[], None]:
        return act(lambda: into.__setitem__(field, key))

    said = state.problem if state.error_field == field else ""
    return ft.Column([ft.Row([labelled(f"console-plan-{field}-{k}", ft.Chip(
        label=ft.Text(t), selected=into.get(field) == k, on_select=lambda _e, k=k: pick(k)()),
        t) for k, t in options.items()], wrap=True),
        *([ft.Text(said, color=ft.Colors.RED_800)] if said else [])])


def _add_form(state: CarePlanState, act: Callable[..., Callable[[], None]]) -> list[ft.Control]:
    visits = {v: v for v in state.plan.visit_types} or {"morning": "morning"}
    return [ft.Text("Add a task", size=18, weight=ft.FontWeight.BOLD),
            _chips(state, state.new, "visit_type", visits, act),
            _chips(state, state.new, "category", CATEGORIES, act),
            _text(state, state.new, "title", "The task"),
            _text(state, state.new, "instructions", "How they like it done"),
            button("console-plan-add", "Add to the draft", act(state.add), icon=ft.Icons.ADD)]


def _save_form(state: CarePlanState, act: Callable[..., Callable[[], None]]) -> list[ft.Control]:
    return [ft.Text("Save the draft", size=18, weight=ft.FontWeight.BOLD),
            _text(state, state.meta, "why", "Why the plan is changing"),
            _chips(state, state.meta, "source", {s.value: s.label for s in Source}, act),
            problem(state.problem if state.error_field not in (
                "why", "source", "title", "visit_type", "category") else ""),
            button("console-plan-save", "Save for a second check", act(state.save),
                   icon=ft.Icons.SAVE)]
