"""One visit, in sections: who and where, check-in, tasks, medicines, notes; the check-in or
check-out button stays at the bottom of the screen whatever the scroll."""

from __future__ import annotations

import flet as ft

from fieldapp.services import VisitDetail
from screens import nav, widgets
from screens.are_you_ok import are_you_ok
from screens.escalation_marks import escalate_button, escalation_lines
from screens.handover_marks import earlier_points
from screens.visit_end import need_more_time, reminder
from screens.visit_parts import key_facts, notes
from screens.visit_state import VisitState
from screens.visit_tasks import task_row


class VisitScreen(VisitState):
    def render(self) -> list[ft.Control]:
        self.detail = self.app.services.visits.visit(self.visit_id)
        return render(self, self.detail)

    def footer(self) -> list[ft.Control]:
        d = self.detail
        if d is None or d.checked_out_at is not None:
            return []
        return footer(self, d)


def in_visit(d: VisitDetail) -> bool:
    return d.checked_in_at is not None and d.checked_out_at is None


def who_and_where(s: VisitState, d: VisitDetail) -> list[ft.Control]:
    app, p = s.app, d.person
    out: list[ft.Control] = [
        ft.Row([
            ft.Column([
                widgets.heading(p.get("preferred_name") or p.get("name", "")),
                widgets.body(f"{d.visit_type.capitalize()} visit "
                             f"{app.local_time(d.start)}–{app.local_time(d.end)}"),
            ], spacing=0, expand=True),
            widgets.status_chip(d.status),
        ]),
        key_facts(d, in_visit(d)),
        *widgets.address_block("visit-maps", p.get("address_line", ""), p.get("postcode", "")),
    ]
    if d.goals:
        out.append(widgets.body("Goals: " + "; ".join(d.goals), size=15))
    return out


def arrival(s: VisitState, d: VisitDetail) -> list[ft.Control]:
    """Check-in state, the location choice, and any remark from the last save."""
    app = s.app
    out: list[ft.Control] = []
    if d.checked_in_at is not None:
        out.append(widgets.body(f"Checked in {app.local_time(d.checked_in_at)}"
                                + (f" · checked out {app.local_time(d.checked_out_at)}"
                                   if d.checked_out_at else ""), weight=ft.FontWeight.W_600))
    if d.checked_out_at is None:
        words = "Share my location at check-in and check-out only"
        out.append(widgets.labelled("location-consent", ft.Switch(
            label=words, value=app.share_location, on_change=s.set_sharing,
            height=widgets.TOUCH), label=words))
    if s.notice:
        out.append(widgets.labelled("visit-notice", widgets.body(s.notice, color=widgets.WARN)))
    return out


def medicines(s: VisitState, d: VisitDetail) -> list[ft.Control]:
    """How many doses are due and still to record, and the way into the eMAR."""
    app = s.app
    left = d.unanswered_doses
    critical = [x for x in left if x.time_critical]
    words = (f"{len(d.due_doses)} dose(s) due at this visit · {len(left)} still to record"
             if d.due_doses else "No scheduled doses at this visit; as-needed medicines are in "
             "the list.")
    out: list[ft.Control] = [
        widgets.labelled("visit-doses", widgets.body(words, weight=ft.FontWeight.W_600))]
    if critical:
        out.append(widgets.body("Time-critical: " + ", ".join(
            f"{x.medicine.display_name} at {app.local_time(x.scheduled_at)}" for x in critical),
            color=widgets.DANGER, weight=ft.FontWeight.W_600))
    out.append(widgets.big_button("visit-mar", "Medicines (MAR)", lambda _e: s.open_mar(),
                                  icon=ft.Icons.MEDICATION,
                                  color=widgets.DANGER if critical else widgets.PRIMARY))
    return out


def render(s: VisitState, d: VisitDetail) -> list[ft.Control]:
    app = s.app
    out: list[ft.Control] = [
        widgets.back_button("back", "Today's visits", lambda _e: app.go(nav.DAY)),
        app.banner(),
        *are_you_ok(app),
        *reminder(app, d.id),
        s.sos.control(),
        widgets.call_office(app.services.identity().office_phone),
        escalate_button(app, d.id),
        *who_and_where(s, d),
        *escalation_lines(app, app.services.escalations.mine(d.id)),
        *earlier_points(app, app.services.handover.points(d.person_id)),
        widgets.section("Check-in", arrival(s, d)),
        *([need_more_time(app, d.id, lambda text: s.say("extend", text)), *s.error_here("extend")]
          if in_visit(d) else []),
        widgets.section("Tasks", [task_row(s, i, d, t) for i, t in enumerate(d.tasks)] or [
            widgets.body("No care-plan tasks for this visit type.")]),
    ]
    if d.medicines:
        out.append(widgets.section("Medicines", medicines(s, d)))
    out.append(widgets.section("Notes", notes(s, d, in_visit(d))))
    if d.checked_out_at is not None:
        out += s.error_here("end")
    return out


def footer(s: VisitState, d: VisitDetail) -> list[ft.Control]:
    """Check in, or check out: always on screen. Says before the tap when a reason is needed."""
    timing = s.app.services.visits.timing_now(d)
    checking_in = d.checked_in_at is None
    doing, field = ("check-in", s.checkin_reason) if checking_in else ("end", s.checkout_reason)
    out: list[ft.Control] = []
    if timing.requires_reason:
        late = timing.kind.value == "late"
        action = "arriving" if checking_in else "leaving"
        out.append(widgets.labelled(f"{'checkin' if checking_in else 'checkout'}-timing",
                                    widgets.body(
            f"You are {timing.minutes} minutes {'late' if late else 'early'}: say why you are "
            f"{action} {'late' if late else 'early'} before you tap.", color=widgets.WARN,
            weight=ft.FontWeight.W_600, size=15)))
        out.append(widgets.labelled("checkin-reason" if checking_in else "checkout-reason",
                                    field))
    out += s.error_here(doing)
    if checking_in:
        out.append(widgets.big_button("visit-check-in", "Check in", s.check_in,
                                      icon=ft.Icons.LOGIN))
    else:
        out.append(widgets.big_button("visit-check-out", "Check out", s.check_out,
                                      icon=ft.Icons.LOGOUT))
    return out
