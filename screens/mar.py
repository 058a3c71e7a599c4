"""The eMAR for one visit: each due dose gets one outcome, PRN with its limits, then back."""

from __future__ import annotations

from typing import Any

import flet as ft

from screens import looks, nav, widgets
from screens.mar_cards import dose_card, prn_card
from screens.mar_doses import effect_cards
from screens.mar_state import MarState


class MarScreen(MarState):
    def render(self) -> list[ft.Control]:
        return render(self)


def allergies_line(person: dict[str, Any]) -> ft.Control:
    """Allergies in red only when there are some: "none known" is not an alarm."""
    words, alarm = looks.allergy_words(list(person.get("allergies") or []))
    if not alarm:
        return widgets.body(f"Allergies: {words}", size=16)
    return ft.Text(f"Allergies: {words}", size=16, color=widgets.DANGER,
                   weight=ft.FontWeight.W_600)


def render(s: MarState) -> list[ft.Control]:
    app = s.app
    rnd = app.services.medication.round(s.visit_id)
    detail = app.services.visits.visit(s.visit_id)
    s.fixes = dict(detail.corrections)  # VisitService.visit() read them already
    in_visit = rnd.checked_in_at is not None and rnd.checked_out_at is None
    name = detail.person.get("preferred_name") or detail.person.get("name", "")
    back = nav.visit_route(s.visit_id)
    out: list[ft.Control] = [
        widgets.back_button("mar-back", "Back to the visit", lambda _e: app.go(back)),
        app.banner(),
        widgets.heading(f"Medicines · {name}", size=22),
        allergies_line(detail.person),
    ]
    if not in_visit:
        out.append(widgets.body("Check in to the visit to record medicines."
                                if rnd.checked_in_at is None else
                                "This visit is checked out. A recorded dose can still be "
                                "corrected: tap \"Correct this\" under it."))
    left = len(rnd.unanswered)
    out.append(widgets.labelled("mar-summary", widgets.heading(
        f"Due at this visit: {len(rnd.doses)} · {left} still to record", size=18)))
    out += [dose_card(s, i, line, in_visit, rnd.record_states)
            for i, line in enumerate(rnd.doses)] or [
        widgets.body("No scheduled doses at this visit.")]
    if rnd.prn:
        out.append(widgets.heading("As needed (PRN)", size=20))
        out += [prn_card(s, j, line, in_visit, rnd.record_states)
                for j, line in enumerate(rnd.prn)]
    out += effect_cards(s, rnd.effects_due, app.now(), in_visit)
    out.append(widgets.big_button("mar-done", "Back to the visit", lambda _e: app.go(back),
                                  outlined=True))
    return out
