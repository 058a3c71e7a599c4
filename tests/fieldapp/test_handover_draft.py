"""Drafting a handover (fieldapp/domain/handover.py): exactly the shift's open items."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldapp.domain.handover import (
    OfficeAnswers,
    Shift,
    ShiftRecord,
    ShiftVisit,
    draft_handover,
)
from sync.handover import items_of, payload_errors

ME, COLLEAGUE = "worker-me", "worker-colleague"
ANN, BOB, CAT, OUTSIDER = (str(uuid.uuid4()) for _ in range(4))
DAY = datetime(2026, 11, 23, tzinfo=UTC)
NOW = DAY.replace(hour=18)
SHIFT = Shift(ME, DAY.replace(hour=7), NOW, frozenset({ANN, BOB, CAT}), ZoneInfo("Europe/London"))
SEED = str(uuid.uuid4())


def visit(person: str, hour: int, worker: str = ME, day: datetime = DAY) -> ShiftVisit:
    start = day.replace(hour=hour)
    return ShiftVisit(str(uuid.uuid4()), worker, person, "morning", start,
                      start + timedelta(minutes=30))


def rec(kind: str, v: ShiftVisit | None, at: datetime, *, author: str = ME,
        person: str | None = None, facts: dict[str, Any] | None = None,
        content: dict[str, Any] | None = None, corrects: str | None = None) -> ShiftRecord:
    return ShiftRecord(str(uuid.uuid4()), kind, author, at, v.id if v else None,
                       v.person_id if v else person, facts or {}, content or {}, corrects)


def visited(v: ShiftVisit, late_minutes: int = 0, reason: str | None = None
            ) -> list[ShiftRecord]:
    cin = v.start + timedelta(minutes=late_minutes)
    return [rec("check_in", v, cin, content={"reason": reason}),
            rec("check_out", v, cin + timedelta(minutes=25))]


def dose(v: ShiftVisit, outcome: str, **extra: Any) -> ShiftRecord:
    facts = {"medicine_id": str(uuid.uuid4()), "scheduled_at": v.start.isoformat(),
             "actual_at": v.start.isoformat(), "outcome": outcome, "prn": False,
             "controlled": False, **extra}
    return rec("dose_outcome", v, v.start + timedelta(minutes=5), facts=facts,
               content={"medicine": "Paracetamol", "dose": "500 mg", "reason": "Said no"})


def draft(visits: list[ShiftVisit], records: list[ShiftRecord], **kw: Any) -> dict[str, Any]:
    payload = draft_handover(SHIFT, visits, records, now=NOW, seed=SEED, **kw)
    assert payload_errors(payload) == []
    return dict(payload)


def found(payload: Any) -> list[tuple[str, list[str], str | None]]:
    return sorted((i["category"], i["source_ids"], i["visit_id"]) for i in items_of(payload))


def test_a_quiet_shift_has_no_items_and_says_so() -> None:
    a = visit(ANN, 8)
    payload = draft([a], visited(a))
    assert items_of(payload) == []  # type: ignore[arg-type]
    assert "1 visit(s), 1 done, 0 not visited" in payload["sections"]["situation"]["text"]


def test_a_seeded_shift_gives_exactly_its_open_items() -> None:
    a, b, c = visit(ANN, 8), visit(BOB, 10), visit(CAT, 13)
    refused, given = dose(a, "refused"), dose(a, "given")
    task = rec("task_outcome", a, a.start, facts={"task_id": "t1", "outcome": "not_done"},
               content={"title": "Shower", "reason": "Too tired"})
    done_task = rec("task_outcome", a, a.start, facts={"task_id": "t2", "outcome": "done"})
    escalation = rec("escalation", b, b.start + timedelta(minutes=20),
                     facts={"type": "fall", "severity": "urgent"},
                     content={"summary": "Fall: found on the floor"})
    flagged = rec("note", b, b.start, content={"text": "Key safe is stiff",
                                               "for_handover": True})
    plain = rec("note", b, b.start, content={"text": "Had lunch", "for_handover": False})
    late_in = visited(b, late_minutes=40, reason="Traffic")
    records = [*visited(a), refused, given, task, done_task, escalation, flagged, plain,
               *late_in]  # c: never checked in
    payload = draft([a, b, c], records)
    assert found(payload) == sorted([
        ("dose_refused", [refused.id], a.id),
        ("task_not_done", [task.id], a.id),
        ("escalation_open", [escalation.id], b.id),
        ("flagged_note", [flagged.id], b.id),
        ("visit_late", [late_in[0].id], b.id),
        ("visit_missed", [], c.id),
    ])
    by_cat = {i["category"]: i for i in items_of(payload)}  # type: ignore[arg-type]
    assert by_cat["visit_late"]["person_id"] == BOB
    assert "40 min late (Traffic)" in by_cat["visit_late"]["text"]
    assert "Shower: not done (Too tired)" in by_cat["task_not_done"]["text"]
    assert by_cat["flagged_note"]["text"] == "Key safe is stiff"
    assert [i["category"] for i in payload["sections"]["recommendation"]["items"]] == [
        "escalation_open"]


def test_nothing_from_other_workers_other_days_or_people_outside_the_scope() -> None:
    mine = visit(ANN, 8)
    theirs = visit(BOB, 9, worker=COLLEAGUE)
    yesterday = visit(ANN, 8, day=DAY - timedelta(days=1))
    outsider = visit(OUTSIDER, 11)
    records = [
        *visited(mine),
        dose(theirs, "refused"),  # a colleague's visit (even were it on this phone)
        rec("note", mine, mine.start, author=COLLEAGUE,
            content={"text": "x", "for_handover": True}),  # a colleague's record
        dose(yesterday, "refused"),  # yesterday's shift
        rec("escalation", None, DAY.replace(hour=6), person=ANN,
            facts={"type": "fall", "severity": "routine"}),  # before the shift began
        dose(outsider, "refused"),
        rec("escalation", None, DAY.replace(hour=12), person=OUTSIDER,
            facts={"type": "fall", "severity": "routine"}),
    ]
    assert items_of(draft([mine, theirs, yesterday, outsider], records)) == []  # type: ignore


def test_corrections_and_the_offices_answers_count() -> None:
    a = visit(ANN, 8)
    refused, omitted = dose(a, "refused"), dose(a, "asleep")
    fix = rec("addendum", a, a.start + timedelta(minutes=10), corrects=refused.id,
              facts={"corrects_kind": "dose_outcome", "actor": "worker", "outcome": "taken"})
    resolved = rec("escalation", a, a.start, facts={"type": "fall", "severity": "urgent"})
    acked = rec("escalation", a, a.start, facts={"type": "health_deterioration",
                                                 "severity": "urgent"})
    office = OfficeAnswers(escalations={resolved.id: "resolved", acked.id: "acknowledged"},
                           dose_outcomes={omitted.id: "not_available"})
    payload = draft([a], [*visited(a), refused, omitted, fix, resolved, acked], office=office)
    assert found(payload) == sorted([
        ("dose_flagged", [omitted.id], a.id),
        ("concern", [resolved.id], a.id),
        ("escalation_open", [acked.id], a.id),
    ])
    texts = {i["category"]: i["text"] for i in items_of(payload)}  # type: ignore[arg-type]
    assert "acknowledged by the office" in texts["escalation_open"]
    assert "resolved by the office" in texts["concern"]


def test_doses_refused_omitted_and_flagged() -> None:
    a = visit(ANN, 8)
    cases = {"refused": "dose_refused", "hospital": "dose_omitted",
             "partial": "dose_omitted", "not_available": "dose_flagged"}
    doses = [dose(a, o) for o in cases]
    early = dose(a, "given", window="early")
    prn_none = dose(a, "not_required")
    payload = draft([a], [*visited(a), *doses, early, prn_none])
    assert found(payload) == sorted(
        [(cases[d.facts["outcome"]], [d.id], a.id) for d in doses]
        + [("dose_flagged", [early.id], a.id)])
    text = next(i["text"] for i in items_of(payload)  # type: ignore[arg-type]
                if i["source_ids"] == [early.id])
    assert text.startswith("Paracetamol 500 mg due ") and "early for its time window" in text


def test_safeguarding_and_duress_never_appear_an_sos_only_until_stood_down() -> None:
    a = visit(ANN, 8)
    t = a.start + timedelta(minutes=5)
    guard = rec("escalation", a, t, facts={"type": "safeguarding", "severity": "urgent"})
    duress = rec("lone_worker", None, t, facts={"event": "duress", "level": "red"})
    sos_ok = rec("lone_worker", None, t, content={"event": "sos"})
    ok = rec("lone_worker", None, t + timedelta(minutes=2), content={"event": "ok"})
    sos = rec("lone_worker", None, t + timedelta(minutes=30), content={"event": "sos"},
              facts={"open_visit_id": a.id})
    payload = draft([a], [*visited(a), guard, duress, sos_ok, ok, sos])
    assert found(payload) == [("alert_open", [sos.id], a.id)]


def test_a_visit_is_due_then_late_then_missed_as_the_day_view_says() -> None:
    a = visit(ANN, 17)  # 17:00-17:30, never checked in

    def at(hour: int, minute: int) -> list[tuple[str, str]]:
        when = DAY.replace(hour=hour, minute=minute)
        shift = Shift(ME, SHIFT.start, when, SHIFT.scope, SHIFT.tz)
        payload = draft_handover(shift, [a], [], now=when, seed=SEED, names={ANN: "Ann"})
        return [(i["category"], i["text"]) for i in items_of(payload)]

    assert at(17, 10) == []
    assert at(17, 40) == [("visit_late", "Ann: morning visit booked 17:00: not checked in, "
                                         "40 min past its start")]
    assert at(18, 31) == [("visit_missed", "Ann: morning visit booked 17:00: not visited")]


def test_a_check_out_synced_without_its_check_in_is_a_visit_done() -> None:
    a = visit(ANN, 8)
    assert items_of(draft([a], visited(a)[1:])) == []  # type: ignore[arg-type]


def test_outcomes_only_in_the_sealed_content_still_count() -> None:
    a = visit(ANN, 8)
    refused = rec("dose_outcome", a, a.start, content={"outcome": "refused"})
    task = rec("task_outcome", a, a.start, content={"outcome": "not_done", "title": "Walk"})
    assert found(draft([a], [*visited(a), refused, task])) == sorted([
        ("dose_refused", [refused.id], a.id), ("task_not_done", [task.id], a.id)])


def test_the_draft_is_reproducible_and_its_item_ids_belong_to_its_seed() -> None:
    a = visit(ANN, 8)
    records = [dose(a, "refused")]
    one, again = draft([a], records), draft([a], records)
    assert one == again
    other = draft_handover(SHIFT, [a], records, now=NOW, seed=str(uuid.uuid4()))
    assert {i["id"] for i in items_of(one)}.isdisjoint(  # type: ignore[arg-type]
        i["id"] for i in items_of(other))


def test_a_visit_checked_in_to_before_its_booked_start_is_part_of_the_shift() -> None:
    # The shift ends at 18:00; the 19:00 visit was started early at 17:30 and finished.
    evening = visit(BOB, 19)
    early = [rec("check_in", evening, NOW - timedelta(minutes=30), content={"reason": "Rota"}),
             rec("check_out", evening, NOW - timedelta(minutes=5))]
    later = visit(CAT, 20)  # booked later and not started: not this shift's
    payload = draft([evening, later], early)
    assert "1 visit(s), 1 done, 0 not visited" in payload["sections"]["situation"]["text"]
