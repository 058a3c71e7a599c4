"""The eMAR's dose details: how often, how much (range, per-date), patch site and removal, and
the effect of as-needed doses asked for 30-60 minutes after."""

from __future__ import annotations

from datetime import datetime

import flet as ft

from fieldapp.services import DoseLine, EffectPrompt, Medicine
from screens import widgets
from screens.mar_state import MarState
from sync.codes import DoseEffect, PatchSite


def detail_lines(s: MarState, card: str, m: Medicine, line: DoseLine | None) -> list[ft.Control]:
    """Frequency (and course, review date), the dose for the day, or "no dose set"."""
    words = m.frequency_words()
    if line is not None and line.course:
        words += f" · {line.course}"
    if m.schedule.review_date is not None:
        words += f" · review {m.schedule.review_date:%-d %b %Y}"
    out: list[ft.Control] = [widgets.labelled(f"{card}-frequency", widgets.body(
        words, size=15, color=ft.Colors.BLACK_87))]
    if line is not None and line.no_dose_set:
        out.append(widgets.labelled(f"{card}-no-dose", widgets.body(
            line.dose_text, size=16, color=widgets.DANGER, weight=ft.FontWeight.W_600)))
    return out


def amount_field(s: MarState, card: str, m: Medicine) -> list[ft.Control]:
    """A range dose asks how much was given."""
    if not m.amount.is_range:
        return []
    return [widgets.labelled(f"{card}-amount", s.field(
        f"{card}-amount", f"Amount given ({m.amount.describe()})", numeric=True))]


def patch_controls(s: MarState, card: str, m: Medicine, line: DoseLine) -> list[ft.Control]:
    """Where the new patch goes (the suggestion is the site used longest ago) and the old off."""
    if not m.patch_sites:
        return []
    chosen = s.sites.get(card) or line.next_site
    out: list[ft.Control] = [widgets.labelled(f"{card}-site-ask", widgets.body(
        f"New patch site (suggested: {line.next_site.label if line.next_site else '—'})",
        size=15))]
    out.append(ft.Row([widgets.labelled(
        f"{card}-site-{site.value}",
        ft.Chip(label=ft.Text(site.label, size=15), selected=chosen is site,
                on_select=lambda _e, site=site: s.pick_site(card, site), height=widgets.TOUCH),
        label=site.label) for site in m.patch_sites], wrap=True))
    out.append(widgets.labelled(f"{card}-old-removed", ft.Checkbox(
        label="Old patch taken off (and folded, sticky sides together)",
        value=card in s.removed, on_change=lambda e: s.toggle_removed(card, bool(
            e.control.value)))))
    return out


def site_words(site: str | None) -> str:
    return f" · site {PatchSite(site).label}" if site in PatchSite.__members__.values() else ""


def amount_words(answer: dict[str, object]) -> str:
    amount, unit = answer.get("amount"), answer.get("unit")
    return f" · {amount:g} {unit or ''}".rstrip() if isinstance(amount, int | float) else ""


def effect_cards(s: MarState, prompts: list[EffectPrompt], now: datetime,
                 in_visit: bool) -> list[ft.Control]:
    """As-needed doses waiting for their effect: asked from 30 min after, due by 60 min."""
    out: list[ft.Control] = [widgets.heading("Effect of as-needed doses", size=20)] \
        if prompts else []
    for k, p in enumerate(prompts):
        card = f"effect-{k}"
        state = p.state(now)
        when = {"wait": f"ask from {s.local(p.ask_from)}",
                "now": "ask now", "overdue": "overdue: ask now"}[state]
        lines: list[ft.Control] = [widgets.labelled(f"{card}-ask", widgets.body(
            f"{p.medicine.display_name} given at {s.local(p.given_at)}: did it work? ({when})",
            size=16, weight=ft.FontWeight.W_600,
            color=widgets.WARN if state == "overdue" else ft.Colors.BLACK))]
        if in_visit:
            lines.append(widgets.labelled(f"{card}-note", s.field(
                f"{card}-note", "What you saw (optional)")))
            lines.append(ft.Row([widgets.labelled(
                f"{card}-{e.value}",
                ft.Chip(label=ft.Text(e.label, size=15), height=widgets.TOUCH,
                        on_select=lambda _e, e=e, p=p, card=card: s.record_effect(
                            card, p.dose_record_id, e)),
                label=e.label) for e in DoseEffect], wrap=True))
        if card in s.messages:
            text, colour = s.messages[card]
            lines.append(widgets.body(text, color=colour, size=16))
        out.append(ft.Container(ft.Column(lines, spacing=8), padding=12, border_radius=8,
                                border=ft.Border.all(1, ft.Colors.GREY_400)))
    if "effects" in s.messages:
        text, colour = s.messages["effects"]
        out.append(widgets.labelled("effects-message", widgets.body(text, color=colour)))
    return out
