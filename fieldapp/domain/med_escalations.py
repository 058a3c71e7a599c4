"""Medication escalations: which dose events the office must hear about, raised once each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from fieldapp.domain.mar import (
    DoseRecord,
    DueDose,
    Medicine,
    Outcome,
    WindowState,
    unanswered_doses,
    utc,
    window_state,
)
from sync.codes import EscalationType, MedicationEvent, Severity


def missed_time_critical(
    due_doses: Iterable[DueDose], history: Iterable[DoseRecord], now: datetime
) -> list[DueDose]:
    """Time-critical doses whose window has closed with no outcome recorded."""
    return [
        d for d in unanswered_doses(due_doses, history)
        if window_state(d, now) is WindowState.MISSED
    ]


@dataclass(frozen=True)
class EscalationDraft:
    """An escalation for the office to raise; `dedupe_key` stays the same for the same event,
    so calling again (after every dose, or on a timer) never raises it twice."""

    type: EscalationType
    severity: Severity
    summary: str
    medicine_id: str
    scheduled_at: datetime | None
    dedupe_key: str
    raised_at: datetime


def medication_escalations(
    new_dose: DoseRecord | None,
    history: Sequence[DoseRecord],
    due_doses: Sequence[DueDose],
    now: datetime,
    *,
    medicines: Iterable[Medicine] = (),
    tz: tzinfo | None = None,
) -> list[EscalationDraft]:
    """What the office must be told after `new_dose` (or on a timer, with None).

    Urgent: refused twice in a row (this outcome and the previous one recorded for the medicine,
    ordered by dose time), not available, a time-critical dose missed or taken outside its
    window. Routine: a regular dose taken outside its window (DueDose.flag_for). `medicines`
    supplies names for PRN doses (not in `due_doses`). Routine: a dose set per date
    (warfarin, insulin) due with no dose entered for its local date in `tz` (default
    Europe/London) and no outcome yet: the phone shows nothing to give, and the office must
    enter one.
    """
    now = utc(now, "current time")
    known = {m.id: m for m in medicines} | {d.medicine.id: d.medicine for d in due_doses}
    drafts: list[EscalationDraft] = []

    def draft(severity: Severity, event: MedicationEvent, medicine_id: str,
              at: datetime | None, summary: str) -> None:
        stamp = at.isoformat() if at else ""
        drafts.append(EscalationDraft(
            EscalationType.MEDICATION, severity, summary, medicine_id, at,
            f"medication:{event}:{medicine_id}:{stamp}", now,
        ))

    if new_dose is not None:
        mid = new_dose.medicine_id
        name = known[mid].display_name if mid in known else "A medicine"
        at = new_dose.scheduled_at or new_dose.actual_at
        if new_dose.outcome is Outcome.REFUSED:
            earlier = [r for r in history if r.medicine_id == mid and r.dose_time < at]
            if earlier and max(earlier, key=lambda r: r.dose_time).outcome is Outcome.REFUSED:
                draft(Severity.URGENT, MedicationEvent.REFUSED_TWICE, mid, at,
                      f"{name} was refused twice in a row (this dose and the one before).")
        if new_dose.outcome is Outcome.NOT_AVAILABLE:
            draft(Severity.URGENT, MedicationEvent.NOT_AVAILABLE, mid, at,
                  f"{name} was not available (out of stock) for a dose.")
        due = next((d for d in due_doses if d.key == (mid, new_dose.scheduled_at)), None)
        if due and new_dose.outcome.counts_as_dose and due.flag_for(new_dose.actual_at):
            # A time-critical dose at the wrong time is as serious as a missed one.
            if due.time_critical:
                draft(Severity.URGENT, MedicationEvent.OUTSIDE_WINDOW, mid, at,
                      f"Time-critical {name} was taken outside its window.")
            else:
                draft(Severity.ROUTINE, MedicationEvent.OUTSIDE_WINDOW, mid, at,
                      f"{name}: dose recorded outside its window.")

    recorded = [*history, new_dose] if new_dose else list(history)
    zone = tz or ZoneInfo("Europe/London")
    for due in unanswered_doses(due_doses, recorded):
        if due.medicine.amount.missing_on(due.scheduled_at.astimezone(zone).date()):
            draft(Severity.URGENT if due.time_critical else Severity.ROUTINE,
                  MedicationEvent.NO_DOSE_SET, due.medicine.id, due.scheduled_at,
                  f"{due.medicine.display_name}: no dose has been set for this date; the "
                  "care worker has nothing to give until the office enters one.")
    for due in missed_time_critical(due_doses, recorded, now):
        draft(Severity.URGENT, MedicationEvent.MISSED, due.medicine.id, due.scheduled_at,
              f"Time-critical {due.medicine.display_name} was missed: its window closed with "
              "no dose recorded.")
    return drafts
