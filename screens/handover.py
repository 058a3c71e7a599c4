"""End of shift: the drafted handover as SBAR, each section's words and items (remove one, or
mark it for the next worker), Submit, and then how far it has got with the office."""

from __future__ import annotations

import flet as ft

from fieldapp.services import HANDOVER_SECTIONS as SECTIONS
from fieldapp.services import HandoverItem as Item
from screens import nav, widgets
from screens.handover_marks import status_lines
from screens.handover_state import SECTION_TITLES, HandoverState
from sync.codes import HandoverCategory


class HandoverScreen(HandoverState):
    def render(self) -> list[ft.Control]:
        return render(self)

    def footer(self) -> list[ft.Control]:
        if self.submitted is not None or self.draft is None:
            return []
        return [*([self.error] if self.error.value else []),
                widgets.big_button("handover-submit", "Submit handover",
                                   lambda _e: self.submit(), icon=ft.Icons.SEND)]


def item_row(s: HandoverState, section: str, n: int, item: Item) -> ft.Control:
    gone = item["id"] in s.removed
    name = f"handover-{section}-{n}"
    words = f"{HandoverCategory(item['category']).label}: {item['text']}"
    parts: list[ft.Control] = [widgets.labelled(name, widgets.body(
        ("Removed: " if gone else "") + words, size=15,
        color=ft.Colors.GREY_700 if gone else ft.Colors.BLACK), label=words)]
    if not gone and item["person_id"]:
        tip = "For the next worker visiting this person"
        parts.append(widgets.labelled(f"{name}-next", ft.Switch(
            label=tip, value=item["id"] in s.for_next, height=widgets.TOUCH,
            on_change=lambda _e: s.flip_next(item["id"])), label=tip))
    parts.append(widgets.link_button(f"{name}-remove", "Keep it" if gone else "Remove",
                                     lambda _e: s.flip_removed(item["id"]),
                                     icon=ft.Icons.UNDO if gone else ft.Icons.DELETE_OUTLINE))
    return ft.Container(ft.Column(parts, spacing=2), padding=8, border_radius=8,
                        border=ft.Border.all(1, ft.Colors.GREY_400))


def sections(s: HandoverState) -> list[ft.Control]:
    out: list[ft.Control] = []
    for name in SECTIONS:
        rows = [item_row(s, name, n, i) for n, i in enumerate(s.items(name))]
        out.append(widgets.section(SECTION_TITLES[name], [
            widgets.labelled(f"handover-{name}-text", s.texts[name]),
            *(rows or [widgets.body("Nothing drafted here.", size=15)])]))
    return out


def after_submit(s: HandoverState) -> list[ft.Control]:
    done = s.submitted
    assert done is not None
    out: list[ft.Control] = [widgets.heading("Handover submitted", size=20)]
    if done.warning:
        out.append(widgets.labelled("handover-warning", widgets.body(
            done.warning, color=widgets.WARN, weight=ft.FontWeight.W_600)))
    status = s.status()
    out += status_lines(s.app, [status] if status else [])
    out.append(widgets.big_button("handover-done", "Back to today's visits",
                                  lambda _e: s.app.go(nav.DAY), outlined=True))
    return out


def render(s: HandoverState) -> list[ft.Control]:
    app = s.app
    out: list[ft.Control] = [
        widgets.back_button("handover-back", "Today's visits", lambda _e: app.go(nav.DAY)),
        app.banner(), widgets.heading("End of shift handover")]
    if s.submitted is not None:
        return out + after_submit(s)
    if s.draft is None:
        return out + [widgets.body("The handover could not be drafted. Try again.")]
    d = s.draft
    out.append(widgets.body(f"Your shift {app.local_time(d.shift_start)}–"
                            f"{app.local_time(d.shift_end)}. Drafted from your records: "
                            "check it, add what the next person must know, then submit."))
    if d.unsynced:
        out.append(widgets.labelled("handover-unsynced", widgets.body(
            f"{d.unsynced} record(s) are not yet received by the office. They stay on this "
            "phone and keep syncing.", color=widgets.WARN)))
    return out + [*sections(s), widgets.section("Anything else", [
        widgets.labelled("handover-text", s.overall)])]
