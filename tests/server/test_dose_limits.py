"""Office-side spacing, amount and per-date checks (server/dose_limits.py) and a "no dose set"
escalation closing itself once the dose is entered (server/missed_doses.py), on SQLite and
PostgreSQL, with two workers' phones pushing through the real sync service (the Office of
tests/server/test_office_checks.py: a morning visit at 09:00 yesterday and lunch at 12:30)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from server import agency, escalations, feed, med_versions, missed_doses, storage
from server.list_history import Action
from server.office_checks import medicine_bodies
from server.schema import escalation_events, medicines
from server.schema import escalations as escalations_t
from tests.factories import person, visit
from tests.server.test_office_checks import MIN, Office

PARA = {"name": "Paracetamol", "mg_per_unit": 500}


def add_medicines(office: Office, *bodies: dict[str, Any]) -> list[str]:
    base = {"service_user_id": office.person, "form": "tablet", "route": "oral",
            "window_minutes": 30, "prn": None, "controlled": False, "time_critical": False,
            "instructions": "", "start_date": "2020-01-01", "stop_date": None, "times": [],
            "support_level": "assist", "strength": "500mg", "dose": ""}
    rows = [{**base, "id": str(uuid.uuid4()), **b} for b in bodies]
    agency.add_people(office.engine, office.agency.tenant_id, [], [], rows)
    return [r["id"] for r in rows]


def paracetamol_regular_and_prn(office: Office, min_interval_hours: int,
                                 max_doses_24h: int) -> list[str]:
    """Two lines of one ingredient: 2 tablets at 09:00 and 13:00, and 1-2 as needed for pain."""
    return add_medicines(
        office,
        {"name": "Paracetamol", "times": ["09:00", "13:00"], "ingredient": PARA,
         "amount": {"kind": "fixed", "value": 2, "unit": "tablet"}},
        {"name": "Paracetamol PRN", "ingredient": PARA,
         "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
         "prn": {"indication": "Pain", "min_interval_hours": min_interval_hours,
                 "max_doses_24h": max_doses_24h}})


def keys(office: Office) -> list[str]:
    with office.engine.begin() as conn:
        return list(conn.execute(select(escalations_t.c.dedupe_key)).scalars())


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Office:
    return Office(engine, tmp_path)


def test_prn_paracetamol_after_a_colleagues_regular_dose_is_escalated(office: Office) -> None:
    regular, prn = paracetamol_regular_and_prn(office, min_interval_hours=4, max_doses_24h=4)
    office.push(office.dose(regular, office.t9, scheduled=office.t9))
    assert office.checks() == []
    # Worker B at lunch gives PRN paracetamol 3.5 h later, offline from A's dose.
    late = office.dose(prn, office.t9 + 210 * MIN, prn=True, by=office.lunch)
    office.push(late)
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity) == ("ingredient_limit", "urgent")
    assert keys(office) == [f"ingredient:{late.id}"]


def test_four_grams_in_24_hours_counted_in_mg_across_lines(office: Office) -> None:
    _regular, prn = paracetamol_regular_and_prn(office, min_interval_hours=1, max_doses_24h=8)

    def mg_dose(med: str, hours: float, mg: float, scheduled: bool = False) -> Any:
        at = office.t9 + timedelta(hours=hours)
        rec = office.dose(med, at, scheduled=at if scheduled else None, prn=not scheduled,
                          by=office.lunch)
        rec.facts["mg"] = mg
        return rec

    office.push(mg_dose(prn, 4, 1000), mg_dose(prn, 5, 1000), mg_dose(prn, 6, 1000))
    assert office.checks() == []
    office.push(mg_dose(prn, 7, 1000))  # exactly 4000 mg: allowed
    assert office.checks() == []
    over = mg_dose(prn, 8, 500)
    office.push(over)
    assert office.checks() == [("ingredient_limit", "urgent")]


def test_a_regular_dose_too_soon_after_the_last_is_escalated(office: Office) -> None:
    (med,) = add_medicines(office, {"name": "Ibuprofen", "times": ["09:00", "13:00"]})
    office.push(office.dose(med, office.t9 + 60 * MIN, scheduled=office.t9))
    lunch = office.t9 + timedelta(hours=4)
    early = office.dose(med, lunch - 60 * MIN, scheduled=lunch, by=office.lunch)
    office.push(early)  # 2 h after the morning's: its 4 h gap is broken
    checks = office.checks()
    assert ("min_gap", "urgent") in checks
    assert f"gap:{early.id}" in keys(office)


def test_warfarin_with_no_dose_for_the_day_tells_the_office_once(office: Office) -> None:
    day = office.t9.date().isoformat()
    (warfarin,) = add_medicines(office, {
        "name": "Warfarin", "times": ["09:00"], "strength": "1mg",
        "amount": {"kind": "per_date", "unit": "mg", "by_date": {"2020-01-01": 3}}})
    with_dose, = add_medicines(office, {
        "name": "Insulin", "times": ["09:00"], "strength": "100u/ml",
        "amount": {"kind": "per_date", "unit": "units", "by_date": {day: 12}}})
    now = office.t9 - timedelta(hours=1)
    assert missed_doses.tick(office.engine, now) == 1
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity) == ("no_dose_set", "routine")
    (key,) = keys(office)
    assert warfarin in key and with_dose not in key
    assert missed_doses.tick(office.engine, now + MIN) == 0
    # The next "no dose set" pass finds the same dose: still one escalation.
    assert missed_doses.tick(office.engine, now + missed_doses.NO_DOSE_EVERY + MIN) == 0
    assert len(office.raised()) == 1


def test_no_dose_set_finds_every_person_when_they_fill_several_in_lists(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    # A large agency's 12 hours name more people than one statement may (PostgreSQL: 65,535
    # parameters; 120,000 people at 20,000 workers). Here an IN list holds two people, and
    # five people with a visit at 09:00 each lack today's warfarin dose.
    monkeypatch.setattr(storage, "IN_CHUNK", 2)
    a = office.agency
    people = [person(f"Person {n}") for n in range(4)]
    agency.add_people(office.engine, a.tenant_id, people, [], [])
    agency.add_visits(office.engine, a.tenant_id, [
        visit(a.worker_id, p["id"], "morning", office.t9) for p in people])
    warfarin = {"name": "Warfarin", "times": ["09:00"], "strength": "1mg",
                "amount": {"kind": "per_date", "unit": "mg", "by_date": {}}}
    meds = add_medicines(office, warfarin)
    for p in people:
        meds += add_medicines(office, {**warfarin, "service_user_id": p["id"]})
    widest: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if " IN (" in statement:
            widest.append(len(params or ()))

    event.listen(office.engine, "before_cursor_execute", count)
    try:
        assert missed_doses.tick(office.engine, office.t9 - timedelta(hours=1)) == 5
    finally:
        event.remove(office.engine, "before_cursor_execute", count)
    assert sorted(k.split(":")[1] for k in keys(office)) == sorted(meds)
    # Two ids and a statement's own few values: no IN list named everyone at once.
    assert max(widest) <= 2 + 4


def test_a_per_date_medicine_added_after_the_first_look_is_found_by_the_next_pass(
        office: Office) -> None:
    now = office.t9 - timedelta(hours=2)
    assert missed_doses.tick(office.engine, now) == 0  # nothing dosed per date yet
    add_medicines(office, {"name": "Warfarin", "times": ["09:00"], "strength": "1mg",
                           "amount": {"kind": "per_date", "unit": "mg", "by_date": {}}})
    later = now + missed_doses.NO_DOSE_EVERY
    assert sum(missed_doses.tick(office.engine, later + n * MIN) for n in range(3)) == 1
    assert [e.office_check for e in office.raised()] == ["no_dose_set"]


def enter_dose(office: Office, medicine: str, day: str, amount: float, now: datetime) -> None:
    """Coordinator A enters a clinician's dose for `day`; coordinator B checks it."""
    tid = office.agency.tenant_id
    with office.engine.begin() as conn:
        body = medicine_bodies(conn, tid, medicines.c.id == medicine)[medicine]
        body["amount"]["by_date"][day] = amount
        v = med_versions.propose(conn, tid, "coordinator-a", "medicine", medicine, office.person,
                                 Action.CHANGE, body, "INR result", "clinician_instruction", now)
        med_versions.check(conn, tid, "coordinator-b", v.id, now)


def by_medicine(office: Office) -> dict[str, escalations.Escalation]:
    """The escalations, by the medicine their dose key names."""
    with office.engine.begin() as conn:
        keys = dict(conn.execute(select(escalations_t.c.id, escalations_t.c.dedupe_key)).all())
    return {keys[e.id].split(":")[1]: e for e in office.raised()}


def test_no_dose_set_closes_itself_once_the_dose_for_that_date_is_entered(
        office: Office) -> None:
    day = office.t9.date().isoformat()
    other_day = (office.t9.date() - timedelta(days=7)).isoformat()
    per_date = {"times": ["09:00"], "amount": {"kind": "per_date", "unit": "mg", "by_date": {}}}
    warfarin, insulin = add_medicines(office, {"name": "Warfarin", **per_date},
                                      {"name": "Insulin", **per_date})
    # The phone told the office first about insulin (its own "no dose set" escalation).
    dose_at = office.t9.astimezone(UTC).isoformat()
    office.push(office.record("escalation", office.morning, office.t9 - timedelta(hours=2), {
        "type": "medication", "severity": "routine", "event": "no_dose_set",
        "medicine_id": insulin, "dose_at": dose_at}))
    now = office.t9 - timedelta(hours=1)
    assert missed_doses.tick(office.engine, now) == 1  # warfarin's; insulin's is the phone's
    found = by_medicine(office)
    assert found[warfarin].office_check == "no_dose_set"
    assert found[insulin].office_check is None and found[insulin].source_record_id

    enter_dose(office, warfarin, other_day, 3, now)  # another date: still nothing for today
    assert all(e.state == "raised" for e in office.raised())
    enter_dose(office, warfarin, day, 3, now + MIN)
    state = by_medicine(office)
    closed = state[warfarin]
    assert (closed.state, closed.outcome, closed.resolved_at) == (
        "resolved", "action_taken", (now + MIN).isoformat())
    assert state[insulin].state == "raised"
    with office.engine.begin() as conn:
        events = conn.execute(select(escalation_events.c.event, escalation_events.c.actor_kind,
                                     escalation_events.c.detail).where(
            escalation_events.c.escalation_id == closed.id)
            .order_by(escalation_events.c.id)).all()
    assert [(e.event, e.actor_kind) for e in events] == [("raised", "office"),
                                                         ("resolved", "office")]
    assert events[-1].detail["outcome"] == "action_taken"
    assert "dose for" in events[-1].detail["label"] and "entered" in events[-1].detail["label"]
    # The phone's own escalation closes the same way, and its phone hears of it.
    enter_dose(office, insulin, day, 12, now + 2 * MIN)
    assert all(e.state == "resolved" for e in office.raised())
    with office.engine.begin() as conn:
        told = [c["body"] for c in feed.pull(conn, office.agency.tenant_id,
                                             office.agency.worker_id, 0, 10_000)
                if c["entity"] == "escalation"]
    assert any(b["state"] == "resolved" and b["outcome"] == "action_taken" for b in told)
    # Nothing is raised again for the day now a dose is set (the next "no dose set" pass).
    assert missed_doses.tick(office.engine, now + missed_doses.NO_DOSE_EVERY + 3 * MIN) == 0
