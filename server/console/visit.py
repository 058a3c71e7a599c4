"""The console's visit record: times, tasks, doses, notes, escalations, and corrections.

Each correction shows under the record it corrects; the original is never hidden. A coordinator
amends a record with a reason (an addendum written by the office, audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from server import office
from server.errors import ServerError

if TYPE_CHECKING:
    from server.console.app import ConsoleApp


def show_visit(console: ConsoleApp, visit_id: str, message: str = "") -> None:
    from server.console.app import KIND_LABELS, describe, labelled, local_hm

    assert console.who is not None
    try:
        v = office.visit_record(console.engine, console.key(), console.who, visit_id,
                                console.clock)
    except ServerError as exc:
        console._set(ft.Text(str(exc)), ft.Button("Back", on_click=lambda _e: console.show_day()))
        return
    tz = console.tz
    fixes: dict[str, list[dict[str, Any]]] = {}
    for r in v["records"]:
        if r["kind"] == "addendum" and r["corrects"]:
            fixes.setdefault(r["corrects"], []).append(r)
    originals = [r for r in v["records"] if r["kind"] != "addendum"
                 or r["corrects"] not in {o["id"] for o in v["records"]}]
    amending: dict[str, str] = {}
    reason = ft.TextField(label="Reason for the amendment (required)", width=480)
    text = ft.TextField(label="What the record should say", width=480)
    code = ft.Dropdown(label="Correct outcome", width=300, options=[])
    error = ft.Text(message, color=ft.Colors.RED_800)

    def amend(record: dict[str, Any]) -> None:
        amending.clear()
        amending["id"] = record["id"]
        codes = {"dose_outcome": office.DOSE_CODES, "task_outcome": office.TASK_CODES}
        code.options = [ft.DropdownOption(c) for c in codes.get(record["kind"], ())]
        code.value = None
        draw()

    def save(_e: Any) -> None:
        assert console.who is not None
        try:
            office.amend_record(console.engine, console.who, amending["id"], reason.value or "",
                                text=text.value or None, outcome=code.value or None,
                                clock=console.clock)
        except ServerError as exc:
            error.value = str(exc)
            console.page.update()
            return
        show_visit(console, visit_id, "Amendment saved. The original record stays as it was.")

    def card(i: int, r: dict[str, Any]) -> ft.Control:
        lines: list[ft.Control] = [
            ft.Text(f"{local_hm(r['recorded_at'], tz)}  {KIND_LABELS.get(r['kind'], r['kind'])}",
                    weight=ft.FontWeight.BOLD),
            ft.Text(describe(r, tz)),
            ft.Text(f"Received by office {local_hm(r['received_at'], tz)}", size=12,
                    color=ft.Colors.GREY_700),
        ]
        for f in fixes.get(r["id"], []):
            lines.append(labelled(f"console-correction-{i}", ft.Text(
                f"{local_hm(f['recorded_at'], tz)} {describe(f, tz)}",
                color=ft.Colors.ORANGE_900)))
        if amending.get("id") == r["id"]:
            extra: list[ft.Control] = [code] if code.options else []
            lines += [*extra, labelled("console-amend-text", text),
                      labelled("console-amend-reason", reason), error,
                      labelled("console-amend-save", ft.Button("Save amendment",
                                                               on_click=save, height=48))]
        elif r["kind"] != "addendum":
            lines.append(labelled(f"console-amend-{i}", ft.TextButton(
                "Amend with a reason", on_click=lambda _e: amend(r), height=48)))
        return labelled(f"console-record-{i}", ft.Container(
            ft.Column(lines, spacing=2), padding=10, border_radius=6,
            border=ft.Border.all(2 if r["kind"] == "escalation" else 1,
                                 ft.Colors.RED_700 if r["kind"] == "escalation"
                                 else ft.Colors.GREY_300)))

    def draw() -> None:
        lines = [card(i, r) for i, r in enumerate(originals)] or [
            ft.Text("Nothing recorded for this visit has reached the office yet.")]
        console._set(
            ft.Row([
                labelled("console-back", ft.Button("Back to the day",
                                                   on_click=lambda _e: console.show_day())),
                labelled("console-mar-open", ft.Button(
                    "MAR chart", icon=ft.Icons.MEDICATION,
                    on_click=lambda _e: console.show_mar(
                        v["service_user_id"], back=lambda: show_visit(console, visit_id)))),
            ], wrap=True),
            ft.Text(f"{v['person_name']} · {v['area']}", size=24, weight=ft.FontWeight.BOLD),
            ft.Text(f"{v['visit_type'].capitalize()} visit {local_hm(v['start'], tz)}–"
                    f"{local_hm(v['end'], tz)} by {v['worker_name']}"),
            ft.Text("Opening this record was logged in the audit trail.", size=12,
                    color=ft.Colors.GREY_700),
            *([ft.Text(message, color=ft.Colors.GREEN_800)] if message and not amending else []),
            *lines,
        )

    draw()
