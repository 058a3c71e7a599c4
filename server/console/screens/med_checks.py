"""The "to check" queue: each transcribed change beside the version it replaces, checked against
its source by a coordinator who did not write it (then phones receive it) or rejected with a
reason. Each change shown opens sealed data; the audit log says so."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import flet as ft

from server.console.context import Console
from server.console.screens.medicines import medicines_route
from server.console.widgets import button, heading, labelled, local_hm, problem, small
from server.errors import ServerError
from server.services.med_checks import VersionView, check, reject, to_check


class ToCheckState:
    def __init__(self, console: Console):
        self.console = console
        self.problem = ""
        self.status = ""
        self.reasons: dict[str, str] = {}
        self.items: list[VersionView] = self._read()

    def _read(self) -> list[VersionView]:
        c = self.console
        return to_check(c.engine, c.key(), c.coordinator, c.clock)

    def _act(self, action: Callable[[], object], done: str) -> None:
        try:
            action()
            self.status, self.problem = done, ""
        except ServerError as exc:
            self.problem, self.status = str(exc), ""
        self.items = self._read()

    def check(self, item: VersionView) -> None:
        c = self.console
        self._act(lambda: check(c.engine, c.coordinator, item.version.id, c.clock),
                  f"{item.title} for {item.person_name}: checked. In force now; phones "
                  "receive it at their next sync.")

    def reject(self, item: VersionView) -> None:
        c = self.console
        because = self.reasons.get(item.version.id, "")
        self._act(lambda: reject(c.engine, c.coordinator, item.version.id, because, c.clock),
                  f"{item.title} for {item.person_name}: rejected; it never reaches a phone.")


def render_to_check(state: ToCheckState, redraw: Callable[[], None]) -> list[ft.Control]:
    return [
        ft.Row([button("console-back", "Back", state.console.back),
                heading(f"Changes to check ({len(state.items)})")], wrap=True),
        ft.Text("Check each change against its source (GP letter, discharge summary, ...). "
                "A change reaches phones only once someone other than its author checks it."),
        ft.Text(state.status, color=ft.Colors.GREEN_900),
        problem(state.problem),
        *([ft.Text("Nothing waits for a check.")] if not state.items else []),
        *[_item(state, n, i, redraw) for n, i in enumerate(state.items)],
    ]


def version_lines(item: VersionView, tz: ZoneInfo) -> list[ft.Control]:
    """What a version says: who and when, why and its source, and what changed."""
    v = item.version
    lines: list[ft.Control] = [
        ft.Text(f"{item.title} · {item.person_name} · {v.action.label} (version {v.version})",
                weight=ft.FontWeight.BOLD),
        small(f"By {item.author_name} {_when(v.authored_at, tz)} · Source: {item.source_label}"),
        ft.Text(f"Why: {v.why}"),
    ]
    if v.override:
        lines.append(ft.Text(f"Allergy warning overridden: {v.override}",
                             color=ft.Colors.RED_800))
    lines += [ft.Text(f"{d.label}: {d.before} → {d.after}") for d in item.differences]
    return lines


def _when(iso: str, tz: ZoneInfo) -> str:
    return f"on {iso[:10]} at {local_hm(iso, tz)}" if iso else "at set-up"


def _item(state: ToCheckState, n: int, item: VersionView,
          redraw: Callable[[], None]) -> ft.Control:
    c = state.console
    mine = item.version.author_id == c.coordinator.id
    reason = ft.TextField(label="What is wrong (to reject)", width=420,
                          value=state.reasons.get(item.version.id, ""))

    def typed(e: ft.Event[ft.TextField]) -> None:
        state.reasons[item.version.id] = e.control.value or ""

    reason.on_change = typed

    def do(fn: Callable[[VersionView], None]) -> Callable[[], None]:
        def go() -> None:
            fn(item)
            redraw()
        return go

    actions: list[ft.Control] = [button(f"console-check-open-{n}", "Open the list",
                                        lambda: c.go(medicines_route(
                                            item.version.service_user_id)))]
    if mine:
        actions.append(ft.Text("You wrote this change: another coordinator must check it.",
                               color=ft.Colors.ORANGE_900))
    else:
        actions += [button(f"console-check-{n}", "Checked against the source",
                           do(state.check), icon=ft.Icons.CHECK),
                    labelled(f"console-reject-reason-{n}", reason, "What is wrong"),
                    button(f"console-reject-{n}", "Reject", do(state.reject),
                           icon=ft.Icons.CLOSE)]
    return labelled(f"console-to-check-{n}", ft.Container(ft.Column([
        *version_lines(item, c.tz), ft.Row(actions, wrap=True)], spacing=4),
        padding=12, border=ft.Border.all(2, ft.Colors.ORANGE_700), border_radius=8,
        width=1000), label=f"Change to check: {item.title}")
