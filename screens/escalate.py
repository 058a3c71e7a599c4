"""Escalate a concern in at most three steps, prefilled with the visit and person: each step's
body, the NEWS2 calculator, the SBARD to read out, the 999 and office calls, the footer."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.services import SOFT_SIGNS, SOFT_SIGNS_QUESTION, STAGE_WORDS, severity_advised
from screens import widgets
from screens.escalate_state import EscalateState
from sync.codes import EscalationType, Severity

AVPU = (("A", "Alert"), ("C", "New confusion"), ("V", "Responds to voice"),
        ("P", "Responds to pain"), ("U", "Unresponsive"))
STEP_TITLES = {"what": "Step 1 of 3: what is happening?", "details": "Step 2 of 3: details",
               "summary": "Step 3 of 3: read this out and send", "sent": "Escalation saved"}


class EscalateScreen(EscalateState):
    def render(self) -> list[ft.Control]:
        return render(self)

    def footer(self) -> list[ft.Control]:
        return footer(self)


def call_button(identifier: str, text: str, number: str, *, danger: bool) -> ft.Control:
    """A tel: link: the call works with no data signal, so nobody waits for sync."""

    async def call(_e: Any) -> None:
        await ft.UrlLauncher().launch_url(f"tel:{number.replace(' ', '')}")

    return widgets.big_button(identifier, text, call, icon=ft.Icons.PHONE,
                              color=widgets.DANGER if danger else widgets.PRIMARY,
                              outlined=not danger)


def office_phone(s: EscalateState) -> str:
    return s.app.services.identity().office_phone


def header(s: EscalateState) -> list[ft.Control]:
    ctx = s.context
    who = (f"About {ctx.person}, {ctx.visit}" if ctx.person else
           "Not about one visit (for example your own safety)")
    out: list[ft.Control] = [
        widgets.back_button("escalate-back", "Back", s.back_step),
        widgets.heading("Escalate a concern"),
        widgets.labelled("escalate-who", widgets.body(who, weight=ft.FontWeight.W_600)),
        widgets.body(STEP_TITLES[s.step], size=18, weight=ft.FontWeight.BOLD),
    ]
    if s.severity is Severity.EMERGENCY:
        out += [widgets.labelled("escalate-emergency", widgets.body(
            "Emergency: call 999 now. Then send this so the office knows.",
            color=widgets.DANGER, weight=ft.FontWeight.BOLD)),
            call_button("call-999", "Call 999 now", "999", danger=True)]
    return out


def choice(identifier: str, text: str, chosen: bool, on_click: Any) -> ft.Control:
    return widgets.big_button(identifier, text, on_click, outlined=not chosen,
                              icon=ft.Icons.CHECK_CIRCLE if chosen else None)


def step_what(s: EscalateState) -> list[ft.Control]:
    types = [choice(f"type-{t.value}", t.label, s.type is t,
                    lambda _e, t=t: s.pick_type(t)) for t in EscalationType]
    severities = [choice(f"severity-{v.value}", v.label, s.severity is v,
                         lambda _e, v=v: s.pick_severity(v)) for v in Severity]
    return [widgets.section("What is happening?", types),
            widgets.section("How urgent is it?", severities)]


def soft_signs(s: EscalateState) -> ft.Control:
    def box(code: str, label: str) -> ft.Control:
        return widgets.labelled(f"sign-{code}", ft.Checkbox(
            label=label, value=code in s.signs, height=widgets.TOUCH,
            label_style=ft.TextStyle(size=17),
            on_change=lambda e, c=code: s.flip_sign(c, bool(e.control.value))), label=label)

    return widgets.section("Soft signs", [widgets.body(SOFT_SIGNS_QUESTION),
                                          *[box(c, label) for c, label in SOFT_SIGNS]])


def news2_inputs(s: EscalateState) -> list[ft.Control]:
    def switch(identifier: str, text: str, name: str, value: bool) -> ft.Control:
        return widgets.labelled(identifier, ft.Switch(
            label=text, value=value, height=widgets.TOUCH,
            on_change=lambda e: s.set_flag(name, bool(e.control.value))), label=text)

    fields: list[ft.Control] = [widgets.labelled(f"news2-{n}", f) for n, f in s.obs.items()]
    avpu = [choice(f"news2-avpu-{code}", words, s.consciousness == code,
                   lambda _e, c=code: s.pick_consciousness(c)) for code, words in AVPU]
    return [*fields,
            switch("news2-oxygen", "On oxygen", "oxygen", s.oxygen),
            switch("news2-scale2", "SpO2 scale 2 (a clinician set a target of 88–92%)",
                   "scale2", s.scale2),
            widgets.body("Consciousness", weight=ft.FontWeight.W_600), *avpu,
            widgets.big_button("news2-calculate", "Work out NEWS2", s.calculate,
                               icon=ft.Icons.CALCULATE)]


def news2_result(s: EscalateState) -> list[ft.Control]:
    """Each parameter's score and the total, then the person's resuscitation plan, THEN the
    advice: the plan may change what the right call is."""
    scored = s.scored
    if scored is None:
        return []
    lines: list[ft.Control] = [
        widgets.body(f"{name.replace('_', ' ').capitalize()}: {points}", size=15)
        for name, points in scored.parts.items()]
    plan = s.context.resus_status or "Not recorded on the phone: ask the office."
    higher = severity_advised(scored.band, s.severity) if s.severity else None
    raise_it: list[ft.Control] = [] if higher is None else [widgets.big_button(
        "news2-raise-severity", f"Make this {higher.value}", lambda _e: s.pick_severity(higher),
        color=widgets.DANGER)]
    return [
        widgets.labelled("news2-parts", ft.Column(lines, spacing=2)),
        widgets.labelled("news2-total", widgets.heading(f"NEWS2 total: {scored.total}",
                                                        size=20)),
        widgets.labelled("news2-resus", widgets.body(
            f"Check first: DNACPR / treatment plan: {plan}", weight=ft.FontWeight.W_600,
            color=widgets.WARN)),
        widgets.labelled("news2-band", widgets.body(
            f"Advice: {scored.band.label}", size=18, weight=ft.FontWeight.BOLD,
            color=widgets.DANGER)),
        *raise_it,
    ]


def news2_panel(s: EscalateState) -> ft.Control:
    if not s.asks_news2:
        return widgets.body("The NEWS2 calculator is for staff trained to take observations "
                            "(your office switches it on for you).", size=15)
    return widgets.section("Observations (NEWS2)",
                           [*news2_inputs(s), *news2_result(s)], identifier="news2")


def step_details(s: EscalateState) -> list[ft.Control]:
    out: list[ft.Control] = [widgets.labelled("escalate-details", s.details)]
    if s.asks_soft_signs:
        out.append(soft_signs(s))
    if s.type is EscalationType.HEALTH_DETERIORATION:
        out.append(news2_panel(s))
    return out


def step_summary(s: EscalateState) -> list[ft.Control]:
    rows = [widgets.labelled(f"sbard-{head.lower()}", ft.Column([
        widgets.body(head, weight=ft.FontWeight.BOLD), widgets.body(text)], spacing=2))
        for head, text in s.summary().sections()]
    return [widgets.body("SBARD: read this out when you call."), *rows,
            widgets.labelled("escalate-decision", s.decision)]


def step_sent(s: EscalateState) -> list[ft.Control]:
    status = s.status()
    stage = status.stage if status else "phone"
    out: list[ft.Control] = [widgets.labelled("escalate-state", widgets.body(
        STAGE_WORDS[stage], size=18, weight=ft.FontWeight.BOLD,
        color=widgets.OK if stage != "phone" else widgets.WARN))]
    if stage == "phone":
        out.append(widgets.labelled("escalate-queued", widgets.body(
            "It is queued and will be sent when the phone has signal. Call the office now "
            "so nobody waits.", weight=ft.FontWeight.W_600)))
    if s.severity is Severity.EMERGENCY:
        out.append(call_button("call-999", "Call 999 now", "999", danger=True))
    out.append(call_button("escalate-call-office", f"Call the office {office_phone(s)}",
                           office_phone(s), danger=stage == "phone"))
    return out


def render(s: EscalateState) -> list[ft.Control]:
    body = {"what": step_what, "details": step_details, "summary": step_summary,
            "sent": step_sent}[s.step](s)
    top = header(s) if s.step != "sent" else [widgets.heading("Escalation saved")]
    return [*top, *body]


def footer(s: EscalateState) -> list[ft.Control]:
    out: list[ft.Control] = [s.error] if s.error.value else []
    if s.step == "summary":
        out.append(widgets.big_button("escalate-send", "Send to the office", s.send,
                                      icon=ft.Icons.SEND, color=widgets.DANGER))
    elif s.step == "sent":
        out.append(widgets.big_button("escalate-done", "Done", s.leave))
    else:
        out.append(widgets.big_button("escalate-next", "Next", s.next_step,
                                      icon=ft.Icons.ARROW_FORWARD))
    return out
