"""Office-side checks after sync, at their boundaries, on SQLite and PostgreSQL.

Two workers' phones push dose outcomes through the real sync service for one person visited
twice yesterday: a morning visit 09:00-09:30 (worker A, and worker B on a double-up visit) and
lunch 12:30-13:00 (worker B). Medicines (tests/factories.py medicines_for): Co-careldopa 09:00
and 13:00 (time-critical, +/- 30 min), Lactulose 09:00 (regular, +/- 60 min), Paracetamol PRN
(4 h apart, at most 4 in 24 h). The monitor's tick is called with chosen times.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from server import agency, escalations, med_versions, missed_doses
from server.escrow import load_private_key
from server.list_history import Action
from server.office_checks import medicine_bodies
from server.schema import escalation_events, medicines, visits
from server.schema import escalations as escalations_t
from server.services import escalation_board
from server.services.sign_in import Coordinator
from server.sync_service import handle_sync
from sync.protocol import PushedRecord
from tests.factories import SmallAgency, shared_person_agency, visit
from tests.server.test_sync_contract import device_for, request, sealer_for

S = timedelta(seconds=1)
MIN = timedelta(minutes=1)


class Office:
    """The agency, both workers' phones (as devices pushing records) and the escalations."""

    def __init__(self, engine: Engine, tmp: Path) -> None:
        self.engine = engine
        self.agency: SmallAgency = shared_person_agency(
            engine, tmp, datetime.now(UTC) - timedelta(days=1))
        a = self.agency
        self.person = a.people[0]["id"]
        self.morning, self.lunch = a.visits
        self.double_up = visit(a.other_worker_id, self.person, "morning",
                               datetime.fromisoformat(self.morning["start"]))
        agency.add_visits(engine, a.tenant_id, [self.double_up])
        self.t9 = datetime.fromisoformat(self.morning["start"])
        with engine.begin() as conn:
            bodies = medicine_bodies(conn, a.tenant_id, medicines.c.tenant_id == a.tenant_id)
        meds = {body["name"]: mid for mid, body in bodies.items()}
        self.careldopa, self.lactulose = meds["Co-careldopa"], meds["Lactulose"]
        self.paracetamol = meds["Paracetamol"]
        self.devices = {a.worker_id: device_for(engine, a.worker_id),
                        a.other_worker_id: device_for(engine, a.other_worker_id)}
        self.sealer = sealer_for(engine, a.tenant_id)
        # The office has watched this agency since before the day's visits.
        assert missed_doses.tick(engine, self.t9 - timedelta(hours=3)) == 0

    def record(self, kind: str, visit_: dict[str, Any], at: datetime, facts: dict[str, Any],
               corrects: str | None = None) -> PushedRecord:
        rid = str(uuid.uuid4())
        env = self.sealer.seal("records", rid, 1, {"at": at.isoformat()}, escrow=True)
        return PushedRecord(rid, kind, visit_["id"], self.person, at.isoformat(), 1, env,
                            corrects=corrects, facts=facts)

    def dose(self, medicine: str, actual: datetime, outcome: str = "taken", *,
             scheduled: datetime | None = None, by: dict[str, Any] | None = None,
             window: str | None = None, prn: bool = False) -> PushedRecord:
        facts: dict[str, Any] = {
            "medicine_id": medicine, "actual_at": actual.isoformat(), "outcome": outcome,
            "scheduled_at": scheduled.isoformat() if scheduled else None, "prn": prn,
            "controlled": False}
        if window:
            facts["window"] = window
        return self.record("dose_outcome", by or self.morning, actual, facts)

    def push(self, *recs: PushedRecord, engine: Engine | None = None) -> None:
        worker = next(v["worker_id"] for v in (self.morning, self.lunch, self.double_up)
                      if v["id"] == recs[0].visit_id)
        answer = handle_sync(engine or self.engine, self.devices[worker], request(*recs))
        assert answer.accepted == [r.id for r in recs], answer.rejected

    def raised(self) -> list[escalations.Escalation]:
        with self.engine.begin() as conn:
            ids = conn.execute(select(escalations_t.c.id).order_by(escalations_t.c.received_at,
                                                                   escalations_t.c.id)).scalars()
            return [escalations.get(conn, self.agency.tenant_id, i) for i in ids]

    def checks(self) -> list[tuple[str | None, str]]:
        return [(e.office_check, e.severity) for e in self.raised()]


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Office:
    return Office(engine, tmp_path)


# a) a time-critical dose recorded not given/taken

@pytest.mark.parametrize("outcome", ["asleep", "refused", "not_available", "partial"])
def test_a_time_critical_dose_not_given_is_an_urgent_escalation(office: Office,
                                                                outcome: str) -> None:
    office.push(office.dose(office.careldopa, office.t9 + 5 * MIN, outcome, scheduled=office.t9))
    (esc,) = office.raised()
    assert (esc.type, esc.severity, esc.office_check) == (
        "medication", "urgent", "time_critical_not_given")
    assert esc.check_label == "Time-critical dose not given"
    assert (esc.worker_id, esc.visit_id, esc.service_user_id) == (
        office.agency.worker_id, office.morning["id"], office.person)


@pytest.mark.parametrize("outcome", ["given", "taken"])
def test_a_time_critical_dose_given_or_taken_in_its_window_raises_nothing(
        office: Office, outcome: str) -> None:
    office.push(office.dose(office.careldopa, office.t9 + 30 * MIN, outcome,
                            scheduled=office.t9))
    assert office.raised() == []


def test_a_regular_dose_refused_once_is_not_an_office_check(office: Office) -> None:
    office.push(office.dose(office.lactulose, office.t9, "refused", scheduled=office.t9))
    assert office.raised() == []


def test_a_correction_to_not_given_raises_it_once(office: Office) -> None:
    given = office.dose(office.careldopa, office.t9, "taken", scheduled=office.t9)
    office.push(given)
    fix = office.record("addendum", office.morning, office.t9 + 20 * MIN, {
        "corrects_kind": "dose_outcome", "actor": "worker", "outcome": "refused",
        "medicine_id": office.careldopa, "scheduled_at": office.t9.isoformat()},
        corrects=given.id)
    office.push(fix)
    office.push(fix)  # a retried push
    assert office.checks() == [("time_critical_not_given", "urgent")]


# e) a dose recorded outside its window

def test_a_regular_dose_is_in_its_window_up_to_an_hour_either_side(office: Office) -> None:
    office.push(office.dose(office.lactulose, office.t9 + 60 * MIN, scheduled=office.t9))
    office.push(office.dose(office.careldopa, office.t9 - 30 * MIN, scheduled=office.t9))
    assert office.raised() == []


def test_a_regular_dose_a_second_late_is_a_routine_escalation(office: Office) -> None:
    office.push(office.dose(office.lactulose, office.t9 + 60 * MIN + S, scheduled=office.t9,
                            window="late"))
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity) == ("outside_window", "routine")
    assert esc.check_label == "Dose recorded outside its window"


def test_a_time_critical_dose_a_second_early_is_urgent(office: Office) -> None:
    office.push(office.dose(office.careldopa, office.t9 - 30 * MIN - S, scheduled=office.t9))
    assert office.checks() == [("outside_window", "urgent")]


def test_the_phones_window_flag_is_taken_as_it_is(office: Office) -> None:
    # The phone's list may have had another window; its flag alone tells the office.
    office.push(office.dose(office.lactulose, office.t9, scheduled=office.t9, window="early"))
    assert office.checks() == [("outside_window", "routine")]


def test_the_phones_own_escalation_about_the_dose_is_the_same_escalation(
        office: Office) -> None:
    late = office.t9 + 31 * MIN
    dose = office.dose(office.careldopa, late, scheduled=office.t9, window="late")
    own = office.record("escalation", office.morning, late, {
        "type": "medication", "severity": "urgent", "event": "outside_window",
        "medicine_id": office.careldopa, "dose_at": office.t9.isoformat(),
        "dose_record_id": dose.id})
    office.push(dose, own)
    (esc,) = office.raised()
    assert esc.source_record_id == own.id  # the phone's record: it hears of the acknowledgement
    assert esc.office_check == "outside_window"
    # The console names the dose from the phone's clear facts (the check found it raised).
    who = Coordinator("c-1", office.agency.tenant_id, "Sam Office")
    page = escalation_board.page(office.engine, load_private_key(str(office.agency.key_file)),
                                 who, esc.id, datetime.now(UTC))
    assert page.dose is not None and page.dose.startswith("Co-careldopa 25mg/100mg, the dose of")


def test_a_phone_escalation_arriving_after_the_check_is_linked_to_it(office: Office) -> None:
    dose = office.dose(office.careldopa, office.t9, "refused", scheduled=office.t9)
    office.push(dose)
    own = office.record("escalation", office.morning, office.t9 + MIN, {
        "type": "medication", "severity": "urgent", "event": "missed",
        "medicine_id": office.careldopa, "dose_at": office.t9.isoformat()})
    office.push(own)
    (esc,) = office.raised()
    assert (esc.source_record_id, esc.office_check) == (own.id, "time_critical_not_given")


# d) two outcomes for one dose (a double-up visit)

def test_two_workers_giving_one_dose_is_an_urgent_double_outcome(office: Office) -> None:
    office.push(office.dose(office.careldopa, office.t9, scheduled=office.t9))
    office.push(office.dose(office.careldopa, office.t9 + 2 * MIN, scheduled=office.t9,
                            by=office.double_up))
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity, esc.worker_id) == (
        "double_outcome", "urgent", office.agency.other_worker_id)
    with office.engine.begin() as conn:
        detail = conn.execute(select(escalation_events.c.detail).where(
            escalation_events.c.escalation_id == esc.id)).scalar_one()
    assert len(detail["records"]) == 2 and detail["check"] == "double_outcome"


def test_a_given_and_a_refused_for_one_dose_is_routine(office: Office) -> None:
    office.push(office.dose(office.lactulose, office.t9, scheduled=office.t9))
    office.push(office.dose(office.lactulose, office.t9, "refused", scheduled=office.t9,
                            by=office.double_up))
    assert office.checks() == [("double_outcome", "routine")]


def test_one_outcome_each_for_two_doses_is_not_a_double(office: Office) -> None:
    t13 = office.t9 + timedelta(hours=4)
    office.push(office.dose(office.careldopa, office.t9, scheduled=office.t9))
    office.push(office.dose(office.careldopa, t13, scheduled=t13, by=office.lunch))
    assert office.raised() == []


# c) a PRN limit broken across two phones

def prn(office: Office, at: datetime, by: dict[str, Any]) -> PushedRecord:
    return office.dose(office.paracetamol, at, "taken", by=by, prn=True)


def test_a_prn_dose_exactly_the_interval_after_another_phones_dose_is_allowed(
        office: Office) -> None:
    office.push(prn(office, office.t9, office.morning))
    office.push(prn(office, office.t9 + timedelta(hours=4), office.lunch))
    assert office.raised() == []


def test_a_prn_dose_a_second_too_soon_across_phones_is_urgent(office: Office) -> None:
    soon = prn(office, office.t9 + timedelta(hours=4) - S, office.lunch)
    office.push(soon)  # the later dose's phone synced first
    office.push(prn(office, office.t9, office.morning))
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity, esc.worker_id) == (
        "prn_limit", "urgent", office.agency.other_worker_id)
    assert esc.visit_id == office.lunch["id"]  # the dose that broke the limit
    with office.engine.begin() as conn:
        key = conn.execute(select(escalations_t.c.dedupe_key)).scalar_one()
    assert key == f"prn:{soon.id}"


@pytest.mark.parametrize(("fifth", "broken"), [
    (timedelta(hours=24), False),  # the first dose no longer counts: four in the window
    (timedelta(hours=24) - S, True),  # five in 24 h
])
def test_the_24_hour_maximum_counts_both_phones_doses(office: Office, fifth: timedelta,
                                                      broken: bool) -> None:
    start = office.t9 - timedelta(hours=12)
    for i in range(4):  # 4 h apart: A, B, A, B
        office.push(prn(office, start + i * timedelta(hours=4),
                        office.morning if i % 2 == 0 else office.lunch))
    assert office.raised() == []
    office.push(prn(office, start + fifth, office.morning))
    assert office.checks() == ([("prn_limit", "urgent")] if broken else [])
    if broken:
        with office.engine.begin() as conn:
            detail = conn.execute(select(escalation_events.c.detail)).scalar_one()
        assert detail["limits"] == ["24h"]


# b) a time-critical dose whose window closed at a visit nobody checked in to

def test_the_window_closing_at_an_unvisited_visit_raises_once(office: Office) -> None:
    closes = office.t9 + 30 * MIN
    assert missed_doses.tick(office.engine, closes) == 0
    assert missed_doses.tick(office.engine, closes + S) == 1
    assert missed_doses.tick(office.engine, closes + MIN) == 0
    (esc,) = office.raised()
    # The double-up's two visits both cover the 09:00 dose; the earlier-id one carries it.
    first = min(office.morning["id"], office.double_up["id"])
    assert (esc.office_check, esc.severity, esc.visit_id) == (
        "time_critical_unvisited", "urgent", first)
    assert esc.check_label and "nobody checked in" in esc.check_label


def test_a_window_that_closed_before_the_office_watched_raises_nothing(
        engine: Engine, tmp_path: Path) -> None:
    a = shared_person_agency(engine, tmp_path, datetime.now(UTC) - timedelta(days=1))
    t9 = datetime.fromisoformat(a.visits[0]["start"])
    # A new agency (or the demo) whose server first looks at 09:31: the morning dose's window
    # closed at 09:30, before anyone was watching; lunch's 13:00 dose closes while it watches.
    assert missed_doses.tick(engine, t9 + 31 * MIN) == 0
    assert missed_doses.tick(engine, t9 + timedelta(hours=6)) == 1
    with engine.begin() as conn:
        (visit_id,) = conn.execute(select(escalations_t.c.visit_id)).one()
    assert visit_id == a.visits[1]["id"]


def test_a_window_that_closed_while_the_server_was_down_is_raised_after_the_restart(
        office: Office) -> None:
    from server.storage import make_engine

    url = office.engine.url.render_as_string(hide_password=False)
    office.engine.dispose()  # down from 08:00 until 11:00; the morning window closed at 09:30
    restarted = make_engine(url)
    try:
        assert missed_doses.tick(restarted, office.t9 + timedelta(hours=2)) == 1
    finally:
        restarted.dispose()
    assert office.checks() == [("time_critical_unvisited", "urgent")]


def test_a_checked_in_visit_or_a_recorded_dose_is_not_missed(office: Office) -> None:
    for v in (office.morning, office.double_up):  # both workers of the double-up checked in
        office.push(office.record("check_in", v, office.t9, {}))
    lunch_dose = office.t9 + timedelta(hours=4)
    # Nobody checked in at lunch, but the dose was recorded (its outcome is what counts).
    office.push(office.dose(office.careldopa, lunch_dose, "refused", scheduled=lunch_dose,
                            by=office.lunch))
    before = office.checks()
    assert missed_doses.tick(office.engine, lunch_dose + timedelta(hours=2)) == 0
    assert office.checks() == before == [("time_critical_not_given", "urgent")]


def test_between_full_passes_the_planned_dose_is_raised_as_its_window_closes(
        office: Office) -> None:
    """The full pass plans the day's time-critical doses; the ticks after it (every few
    seconds) take only those whose window has just closed."""
    closes = office.t9 + 30 * MIN
    assert missed_doses.tick(office.engine, closes - 5 * MIN) == 0  # a full pass: the plan
    assert missed_doses.tick(office.engine, closes) == 0
    assert missed_doses.tick(office.engine, closes + S) == 1
    assert missed_doses.tick(office.engine, closes + 2 * S) == 0
    assert office.checks() == [("time_critical_unvisited", "urgent")]


@pytest.mark.parametrize("change", ["checked in", "cancelled", "dose moved to 11:00"])
def test_what_changed_after_the_plan_is_read_again_before_raising(office: Office,
                                                                   change: str) -> None:
    closes = office.t9 + 30 * MIN
    assert missed_doses.tick(office.engine, closes - 5 * MIN) == 0  # the plan
    tid = office.agency.tenant_id
    if change == "checked in":
        for v in (office.morning, office.double_up):
            office.push(office.record("check_in", v, closes - 2 * MIN, {}))
    elif change == "cancelled":
        with office.engine.begin() as conn:
            conn.execute(update(visits).where(visits.c.id.in_(
                [office.morning["id"], office.double_up["id"]])).values(status="cancelled"))
    else:
        with office.engine.begin() as conn:
            body = medicine_bodies(conn, tid, medicines.c.id == office.careldopa)[
                office.careldopa]
            times = [("11:00" if t == "09:00" else t) for t in body["times"]]
            v = med_versions.propose(conn, tid, "coordinator-a", "medicine", office.careldopa,
                                     office.person, Action.CHANGE, {**body, "times": times},
                                     "GP letter", "clinician_instruction", closes - 3 * MIN)
            med_versions.check(conn, tid, "coordinator-b", v.id, closes - 3 * MIN)
    assert missed_doses.tick(office.engine, closes + S) == 0
    assert office.raised() == []


def test_a_visit_added_after_the_plan_is_watched_from_the_next_full_pass(
        office: Office) -> None:
    """The morning's visits were cancelled; at 09:25 a new 09:00 visit is put on the rota
    after the plan was made: its missed dose is raised by the next full pass, at most
    FULL_PASS_EVERY after the plan."""
    closes = office.t9 + 30 * MIN
    with office.engine.begin() as conn:
        conn.execute(update(visits).where(visits.c.id.in_(
            [office.morning["id"], office.double_up["id"]])).values(status="cancelled"))
    plan_at = closes - 5 * MIN
    assert missed_doses.tick(office.engine, plan_at) == 0
    extra = visit(office.agency.worker_id, office.person, "morning", office.t9)
    agency.add_visits(office.engine, office.agency.tenant_id, [extra])
    assert missed_doses.tick(office.engine, closes + S) == 0  # not in the plan yet
    assert missed_doses.tick(office.engine, plan_at + missed_doses.FULL_PASS_EVERY) == 1
    (esc,) = office.raised()
    assert esc.visit_id == extra["id"]


def test_two_monitors_and_a_restart_raise_the_missed_dose_once(office: Office) -> None:
    from server.storage import make_engine

    url = office.engine.url.render_as_string(hide_password=False)
    other = make_engine(url)  # a second server process on the same database
    try:
        after = office.t9 + 31 * MIN
        assert missed_doses.tick(other, after) + missed_doses.tick(office.engine, after) == 1
    finally:
        other.dispose()
    restarted = make_engine(url)  # the server started again: only the database remembers
    try:
        assert missed_doses.tick(restarted, office.t9 + timedelta(hours=3)) == 0
    finally:
        restarted.dispose()
    assert len(office.raised()) == 1


def test_checks_on_arrival_hold_once_across_processes_and_restarts(office: Office) -> None:
    from server.storage import make_engine

    url = office.engine.url.render_as_string(hide_password=False)
    other = make_engine(url)
    try:
        office.push(office.dose(office.careldopa, office.t9, "given", scheduled=office.t9))
        office.push(office.dose(office.careldopa, office.t9, "given", scheduled=office.t9,
                                by=office.double_up), engine=other)
        again = office.dose(office.careldopa, office.t9 + MIN, "asleep", scheduled=office.t9,
                            by=office.double_up)
        office.push(again, engine=other)
    finally:
        other.dispose()
    restarted = make_engine(url)
    try:
        office.push(again, engine=restarted)  # the phone retries after the restart
    finally:
        restarted.dispose()
    assert sorted(office.checks()) == [("double_outcome", "urgent"),
                                      ("time_critical_not_given", "urgent")]


def test_two_monitors_at_the_same_moment_raise_the_missed_dose_once(office: Office) -> None:
    import threading

    from server.storage import make_engine

    url = office.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    start = threading.Barrier(2)
    counts: list[int] = []

    def run(engine: Engine) -> None:
        start.wait()
        counts.append(missed_doses.tick(engine, office.t9 + 31 * MIN))

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for e in engines:
            e.dispose()
    assert sorted(counts) == [0, 1]
    assert office.checks() == [("time_critical_unvisited", "urgent")]
