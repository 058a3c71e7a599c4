"""The eMAR's witness picker for a controlled drug: a colleague from the staff list, by name."""

from __future__ import annotations

import flet as ft

from fieldapp.services import Witness
from screens import widgets
from screens.mar_state import MarState

SHOWN = 8  # names shown at once; typing part of a name finds the others


def _chip(s: MarState, card: str, n: int, w: Witness, picked: str | None) -> ft.Control:
    words = f"{w.name} ({w.role_words})" if w.role_words else w.name
    return widgets.labelled(f"{card}-witness-{n}", ft.Chip(
        label=ft.Text(words, size=15), selected=w.id == picked, height=widgets.TOUCH,
        on_select=lambda _e, w=w: s.pick_witness(card, w.id)), label=f"Witness: {words}")


def witness_controls(s: MarState, card: str) -> list[ft.Control]:
    """Who witnessed it: type part of a name, tap the colleague. The worker is never listed."""
    staff = s.app.services.medication.witnesses.all()
    if not staff:
        return [widgets.labelled(f"{card}-witness-none", widgets.body(
            "Controlled drug: a witness is picked from the staff list, and this phone has none "
            "yet. Sync the phone to get it.", size=15, color=widgets.DANGER))]
    picked = s.witness.get(card)
    chosen = next((w for w in staff if w.id == picked), None)
    out: list[ft.Control] = [widgets.labelled(f"{card}-witness-picked", widgets.body(
        f"Witness: {chosen.name}" if chosen else "Witness: tap the colleague who watched",
        size=15, weight=ft.FontWeight.W_600,
        color=widgets.OK if chosen else ft.Colors.BLACK_87))]
    find = s.field(f"{card}-witness-find", "Find the witness by name")
    find.on_change = lambda _e: s.app.refresh()
    out.append(widgets.labelled(f"{card}-witness-find", find))
    found = s.app.services.medication.witnesses.matching(s.value(f"{card}-witness-find"))
    out.append(ft.Row([_chip(s, card, n, w, picked) for n, w in enumerate(found[:SHOWN])],
                      wrap=True))
    if len(found) > SHOWN:
        out.append(widgets.labelled(f"{card}-witness-more", widgets.body(
            f"{len(found) - SHOWN} more: type part of a name to find them.", size=15)))
    elif not found:
        out.append(widgets.labelled(f"{card}-witness-more", widgets.body(
            "Nobody on the staff list has that name.", size=15, color=widgets.WARN)))
    return out
