"""Drafting the end-of-shift handover from the shift's own records: one pure function.

    draft_handover(shift, visits, records, *, now, seed, office=OfficeAnswers(), names={})
        -> sync.handover.Payload

- `shift` (`Shift`): the worker, the window [start, end) and the people in the worker's sync
  scope, plus the agency's time zone for the times an item's text shows.
- `visits` (`ShiftVisit`) and `records` (`ShiftRecord`, with their opened sealed `content`) may
  hold more than the shift: only visits of this worker starting (or checked in to) inside the
  window count, and
  only this worker's records of those visits, or with no visit and written inside the window.
  Nothing about a person outside `shift.scope` is drafted.
- `office` (`OfficeAnswers`): what the office has said so far (escalation states by record id,
  dose outcomes it corrected), `names`: person id -> the name an item's text starts with.
- `seed`: a UUID (the new handover record's id); item ids are derived from it, so the draft is
  reproducible and every handover's item ids are its own.

What becomes an item (docs/handover.md has the table): a visit missed, or late and still not
checked in (its status as the day view shows it); a check-in late beyond the on-time
tolerance; a task refused, partly done or not done; a dose refused, not given, not available
or outside its window (after any correction); an escalation raised in the shift (open, or a
concern once the office resolved it) except safeguarding ones, which only the safeguarding
lead reads; an SOS not followed by "I'm OK"; a note the worker flagged "for handover". A
duress alert is never drafted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from fieldapp.domain import visit_rules
from sync.codes import (
    DoseOutcome,
    EscalationState,
    EscalationType,
    HandoverCategory,
    LoneWorkerEvent,
    TaskOutcome,
    Timing,
)
from sync.handover import Item, Payload, SectionName, empty_payload

C = HandoverCategory
# The SBAR section each category is drafted into.
SECTION_OF: Mapping[HandoverCategory, SectionName] = {
    C.VISIT_MISSED: "situation", C.VISIT_LATE: "situation",
    C.TASK_NOT_DONE: "background", C.FLAGGED_NOTE: "background",
    C.DOSE_REFUSED: "assessment", C.DOSE_OMITTED: "assessment", C.DOSE_FLAGGED: "assessment",
    C.CONCERN: "assessment",
    C.ESCALATION_OPEN: "recommendation", C.ALERT_OPEN: "recommendation",
}
_NOT_DONE = (TaskOutcome.REFUSED, TaskOutcome.PARTLY_DONE, TaskOutcome.NOT_DONE)
_GIVEN = (DoseOutcome.GIVEN, DoseOutcome.TAKEN, DoseOutcome.NOT_REQUIRED)


@dataclass(frozen=True)
class Shift:
    worker_id: str
    start: datetime
    end: datetime
    scope: frozenset[str]  # people in this worker's sync scope
    tz: tzinfo


@dataclass(frozen=True)
class ShiftVisit:
    id: str
    worker_id: str
    person_id: str
    visit_type: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ShiftRecord:
    id: str
    kind: str
    author: str
    recorded_at: datetime
    visit_id: str | None
    person_id: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)
    content: Mapping[str, Any] = field(default_factory=dict)  # the opened sealed content
    corrects: str | None = None


@dataclass(frozen=True)
class OfficeAnswers:
    escalations: Mapping[str, str] = field(default_factory=dict)  # record id -> state code
    dose_outcomes: Mapping[str, str] = field(default_factory=dict)  # record id -> corrected


@dataclass
class _Ctx:
    shift: Shift
    seed: uuid.UUID
    names: Mapping[str, str]
    payload: Payload = field(default_factory=empty_payload)

    def add(self, category: HandoverCategory, text: str, sources: Sequence[str],
            person_id: str | None, visit_id: str | None) -> None:
        if person_id is not None and person_id not in self.shift.scope:
            return
        key = f"{category.value}|{visit_id}|{','.join(sources)}"
        name = self.names.get(person_id or "", "")
        item: Item = {"id": str(uuid.uuid5(self.seed, key)), "category": category.value,
                      "text": f"{name}: {text}" if name else text,
                      "source_ids": list(sources), "person_id": person_id,
                      "visit_id": visit_id, "for_next_worker": False}
        self.payload["sections"][SECTION_OF[category]]["items"].append(item)

    def at(self, when: datetime) -> str:
        return when.astimezone(self.shift.tz).strftime("%H:%M")


def draft_handover(shift: Shift, visits: Iterable[ShiftVisit], records: Iterable[ShiftRecord],
                   *, now: datetime, seed: str, office: OfficeAnswers | None = None,
                   names: Mapping[str, str] | None = None) -> Payload:
    """The shift's open items as an SBAR payload (module docstring); the worker edits it."""
    office = office or OfficeAnswers()
    ctx = _Ctx(shift, uuid.UUID(seed), names or {})
    records = list(records)
    # A visit checked in to early (before its booked start) is part of the shift too.
    checked_in = {r.visit_id for r in records if r.kind == "check_in"
                  and r.author == shift.worker_id and shift.start <= r.recorded_at <= shift.end}
    mine = sorted((v for v in visits if v.worker_id == shift.worker_id
                   and (shift.start <= v.start < shift.end or v.id in checked_in)
                   and v.person_id in shift.scope),
                  key=lambda v: (v.start, v.id))
    by_id = {v.id: v for v in mine}
    own = sorted((r for r in records if r.author == shift.worker_id and (
        r.visit_id in by_id if r.visit_id else shift.start <= r.recorded_at <= shift.end)),
        key=lambda r: (r.recorded_at, r.id))
    fixes = _corrections(own, office)
    done = missed = late = 0
    for v in mine:
        kinds = {r.kind: r for r in own if r.visit_id == v.id and r.kind in (
            "check_in", "check_out")}
        status = _visit(ctx, v, kinds.get("check_in"), kinds.get("check_out"), now)
        done += "check_out" in kinds
        missed += status == "missed"
        late += status == "late"
    for r in own:
        if r.kind == "task_outcome":
            _task(ctx, r, fixes)
        elif r.kind == "dose_outcome":
            _dose(ctx, r, fixes)
        elif r.kind == "escalation":
            _escalation(ctx, r, office)
        elif r.kind == "note" and r.content.get("for_handover") is True:
            text = str(fixes.get(r.id, {}).get("text") or r.content.get("text") or "")
            phrases = [str(p) for p in r.content.get("phrases") or []]
            ctx.add(C.FLAGGED_NOTE, "; ".join(x for x in (text, *phrases) if x),
                    [r.id, *fixes.get(r.id, {}).get("ids", [])], r.person_id, r.visit_id)
    _alerts(ctx, own)
    ctx.payload["sections"]["situation"]["text"] = (
        f"Shift {ctx.at(shift.start)}–{ctx.at(min(now, shift.end))}: {len(mine)} visit(s), "
        f"{done} done, {missed} not visited, {late} late.")
    return ctx.payload


def _corrections(own: Sequence[ShiftRecord], office: OfficeAnswers) -> dict[str, dict[str, Any]]:
    """The latest correction per record: its new outcome or text and the addenda's ids."""
    out: dict[str, dict[str, Any]] = {}
    for r in own:
        if r.kind == "addendum" and r.corrects:
            fix = out.setdefault(r.corrects, {"ids": []})
            fix["ids"].append(r.id)
            outcome = r.facts.get("outcome") or r.content.get("outcome")
            if outcome:
                fix["outcome"] = outcome
            if r.content.get("text"):
                fix["text"] = r.content["text"]
    for rid, outcome in office.dose_outcomes.items():
        out.setdefault(rid, {"ids": []}).setdefault("outcome", outcome)
    return out


def _visit(ctx: _Ctx, v: ShiftVisit, check_in: ShiftRecord | None,
           check_out: ShiftRecord | None, now: datetime) -> str:
    """The visit's status as the day view shows it; missed, late and a late check-in are items."""
    booked = f"{v.visit_type} visit booked {ctx.at(v.start)}"
    status = visit_rules.visit_status(v.start, v.end,
                                      check_in.recorded_at if check_in else None,
                                      check_out.recorded_at if check_out else None, now)
    if status is visit_rules.VisitStatus.MISSED:
        ctx.add(C.VISIT_MISSED, f"{booked}: not visited", [], v.person_id, v.id)
        return "missed"
    if status is visit_rules.VisitStatus.LATE:
        late = visit_rules.check_in_timing(v.start, now).minutes
        ctx.add(C.VISIT_LATE, f"{booked}: not checked in, {late} min past its start", [],
                v.person_id, v.id)
        return "late"
    if check_in is None:
        return status.value
    timing = visit_rules.check_in_timing(v.start, check_in.recorded_at)
    if timing.kind is not Timing.LATE:
        return status.value
    why = check_in.content.get("reason")
    ctx.add(C.VISIT_LATE, f"{booked}: checked in {timing.minutes} min late"
            + (f" ({why})" if why else ""), [check_in.id], v.person_id, v.id)
    return "late"


def _task(ctx: _Ctx, r: ShiftRecord, fixes: Mapping[str, Mapping[str, Any]]) -> None:
    fix = fixes.get(r.id, {})
    code = fix.get("outcome") or r.facts.get("outcome") or r.content.get("outcome")
    if code not in tuple(TaskOutcome) or TaskOutcome(code) not in _NOT_DONE:
        return
    title = r.content.get("title") or "A task"
    why = r.content.get("reason")
    ctx.add(C.TASK_NOT_DONE, f"{title}: {TaskOutcome(code).label.lower()}"
            + (f" ({why})" if why else ""), [r.id, *fix.get("ids", [])], r.person_id,
            r.visit_id)


def _dose(ctx: _Ctx, r: ShiftRecord, fixes: Mapping[str, Mapping[str, Any]]) -> None:
    fix = fixes.get(r.id, {})
    code = fix.get("outcome") or r.facts.get("outcome") or r.content.get("outcome")
    if code not in tuple(DoseOutcome):
        return
    outcome, window = DoseOutcome(code), r.facts.get("window")
    if outcome is DoseOutcome.REFUSED:
        category = C.DOSE_REFUSED
    elif outcome is DoseOutcome.NOT_AVAILABLE or (outcome in _GIVEN and window):
        category = C.DOSE_FLAGGED
    elif outcome not in _GIVEN:
        category = C.DOSE_OMITTED
    else:
        return
    medicine = " ".join(str(x) for x in (r.content.get("medicine"), r.content.get("dose")) if x)
    due = r.facts.get("scheduled_at")
    when = f" due {ctx.at(datetime.fromisoformat(due))}" if isinstance(due, str) else ""
    words = outcome.label.split(" (")[0]
    if category is C.DOSE_FLAGGED and outcome in _GIVEN:
        words += f", {window} for its time window"
    why = r.content.get("reason")
    ctx.add(category, f"{medicine or 'A medicine'}{when}: {words}" + (f" ({why})" if why else ""),
            [r.id, *fix.get("ids", [])], r.person_id, r.visit_id)


def _escalation(ctx: _Ctx, r: ShiftRecord, office: OfficeAnswers) -> None:
    kind = r.facts.get("type") or r.content.get("type")
    if kind == EscalationType.SAFEGUARDING:
        return  # only the safeguarding lead reads these: never in a handover
    state = office.escalations.get(r.id)
    summary = str(r.content.get("summary") or (EscalationType(kind).label if kind in tuple(
        EscalationType) else "Escalation"))
    sources = [r.id, *([d] if isinstance(d := r.facts.get("dose_record_id"), str) else [])]
    if state == EscalationState.RESOLVED:
        ctx.add(C.CONCERN, f"{summary} (raised {ctx.at(r.recorded_at)}, resolved by the office)",
                sources, r.person_id, r.visit_id)
        return
    stage = ("acknowledged by the office" if state == EscalationState.ACKNOWLEDGED
             else "not yet acknowledged by the office")
    ctx.add(C.ESCALATION_OPEN, f"{summary} (raised {ctx.at(r.recorded_at)}, {stage})",
            sources, r.person_id, r.visit_id)


def _alerts(ctx: _Ctx, own: Sequence[ShiftRecord]) -> None:
    """An SOS still standing: none of the worker's "I'm OK" answers came after it."""
    alerts = [r for r in own if r.kind == "lone_worker"]

    def event(r: ShiftRecord) -> Any:
        return r.content.get("event") or r.facts.get("event")

    for r in alerts:
        if event(r) != LoneWorkerEvent.SOS:
            continue  # a duress alert above all: the phone never shows it
        if any(event(o) == LoneWorkerEvent.OK and o.recorded_at > r.recorded_at for o in alerts):
            continue
        where = r.facts.get("open_visit_id") or r.visit_id
        ctx.add(C.ALERT_OPEN, f"SOS raised at {ctx.at(r.recorded_at)}, not stood down",
                [r.id], r.person_id, where if isinstance(where, str) else None)
