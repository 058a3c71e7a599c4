"""The eMAR use cases over a real SQLite phone store with a fake clock.

The phone is loaded the way sync loads it (replica.apply_response with the office's changes);
times are on a GMT day, so UTC is local time. The morning visit runs 09:00-09:30 with
Co-careldopa (time-critical, assist) and Lactulose (prompt) due at 09:00; Paracetamol and
Oramorph (controlled) are PRN.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain.answer_status import AnswerStatus
from fieldapp.domain.mar import DoseTiming
from fieldapp.errors import CheckOutBlocked, DoseRefused, NeedsConfirmation, RuleViolation
from sync import kinds
from tests.factories import medicines_for, person, plan_for
from tests.fieldapp.phones import StorePhone

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class Phone(StorePhone):
    def __init__(self, tmp: Path, worker: str = "w-1"):
        super().__init__(tmp, T0 + timedelta(minutes=5), worker, synced_at=T0)
        self.meds = self.visits.medication


def office_changes(worker: str = "w-1") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    p = person()
    plan = plan_for(p)
    meds = medicines_for(p)
    visit = {"worker_id": worker, "service_user_id": p["id"], "visit_type": "morning",
             "start": T0.isoformat(), "end": (T0 + timedelta(minutes=30)).isoformat()}
    changes = [{"entity": "service_user", "id": p["id"], "op": "upsert", "body": p},
               {"entity": "care_plan", "id": plan["id"], "op": "upsert", "body": plan},
               *[{"entity": "medicine", "id": m["id"], "op": "upsert", "body": m}
                 for m in meds],
               {"entity": "visit", "id": "v-1", "op": "upsert", "body": visit}]
    return changes, {"person": p, "plan": plan, "meds": {m["name"]: m for m in meds}}


@pytest.fixture
def phone(tmp_path: Path) -> Phone:
    return Phone(tmp_path)


@pytest.fixture
def data(phone: Phone) -> dict[str, Any]:
    changes, data = office_changes()
    phone.load(changes)
    return data


def checked_in(phone: Phone) -> None:
    phone.visits.check_in("v-1")


def med(data: dict[str, Any], name: str) -> str:
    return str(data["meds"][name]["id"])


def test_the_round_lists_due_doses_with_support_level_and_prn_medicines(phone, data) -> None:
    rnd = phone.meds.round("v-1")
    assert [(d.due.medicine.name, d.due.scheduled_at, d.due.medicine.support_level.value)
            for d in rnd.doses] == [("Co-careldopa", T0, "assist"), ("Lactulose", T0, "prompt")]
    assert [p.medicine.name for p in rnd.prn] == ["Oramorph", "Paracetamol"]
    assert all(p.decision.allowed for p in rnd.prn)


def test_doses_need_a_check_in_first(phone, data) -> None:
    with pytest.raises(RuleViolation, match="Check in"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")


def test_a_dose_is_saved_with_its_outbox_entry_and_clear_facts_only(phone, data) -> None:
    checked_in(phone)
    saved = phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    row = phone.store.rows("SELECT * FROM records WHERE id = ?", [saved.record_id])[0]
    facts = json.loads(row["facts"])
    assert facts == {"medicine_id": med(data, "Lactulose"), "scheduled_at": T0.isoformat(),
                     "actual_at": phone.clock.now().isoformat(), "outcome": "taken",
                     "prn": False, "controlled": False}
    assert b"Lactulose" not in row["envelope"] and "Lactulose" not in row["facts"]
    queued = phone.store.rows("SELECT record_id FROM outbox ORDER BY seq")
    assert queued[-1] == {"record_id": saved.record_id}  # after the check-in


def test_each_due_dose_gets_exactly_one_outcome(phone, data) -> None:
    checked_in(phone)
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    with pytest.raises(RuleViolation, match="already recorded"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "refused", "Said no")


def test_a_dose_not_due_at_this_visit_is_refused(phone, data) -> None:
    checked_in(phone)
    with pytest.raises(RuleViolation, match="not due at this visit"):
        phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0 + timedelta(hours=4),
                               "taken")


def test_actual_time_defaults_to_now_may_be_earlier_in_the_visit_never_future(phone, data) -> None:
    checked_in(phone)  # 09:05
    phone.clock.advance(minutes=10)
    with pytest.raises(RuleViolation, match="has not come yet"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken",
                               actual_at=phone.clock.now() + timedelta(seconds=1))
    with pytest.raises(RuleViolation, match="after you checked in"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken",
                               actual_at=T0 + timedelta(minutes=4))
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken",
                           actual_at=T0 + timedelta(minutes=5))
    answer = phone.meds.round("v-1").doses[1].answer
    assert answer is not None and answer["actual_at"] == (T0 + timedelta(minutes=5)).isoformat()


def test_non_taken_outcomes_need_a_reason_and_given_is_only_for_administer(phone, data) -> None:
    checked_in(phone)
    with pytest.raises(RuleViolation, match="Say why"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "refused", "  ")
    with pytest.raises(RuleViolation, match="use 'Taken'"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "given")


def test_time_critical_dose_late_is_confirmed_first_then_flagged_and_tells_the_office(
        phone, data) -> None:
    checked_in(phone)
    phone.clock.set(T0 + timedelta(minutes=31))  # one minute past the window
    with pytest.raises(NeedsConfirmation) as asked:
        phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    assert asked.value.kind == "late" and asked.value.closes == T0 + timedelta(minutes=30)
    assert phone.store.rows("SELECT id FROM records WHERE kind = 'dose_outcome'") == []
    saved = phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken",
                                   confirm_reason="Bus was late")
    assert saved.flags == ["outside time-critical window (late)"]
    kinds = [(e.severity, e.dedupe_key.split(":")[1]) for e in saved.escalations]
    assert kinds == [("urgent", "outside_window")]
    [line] = [x for x in phone.meds.round("v-1").doses if x.due.medicine.id == med(
        data, "Co-careldopa")]
    assert line.status is AnswerStatus.FLAGGED and line.answer is not None
    assert line.answer["window_reason"] == "Bus was late"
    facts = json.loads(phone.store.rows("SELECT facts FROM records WHERE id = ?",
                                        [saved.record_id])[0]["facts"])
    assert facts["window"] == "late"


def test_time_critical_dose_at_the_window_edge_is_not_flagged(phone, data) -> None:
    checked_in(phone)
    phone.clock.set(T0 + timedelta(minutes=30))
    assert phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken").flags == []


def test_a_missed_time_critical_dose_is_escalated_once(phone, data) -> None:
    checked_in(phone)
    phone.clock.set(T0 + timedelta(minutes=31))
    first = phone.meds.raise_due_escalations("v-1")
    assert [(e.severity, e.medicine_id) for e in first] == [("urgent", med(data, "Co-careldopa"))]
    assert phone.meds.raise_due_escalations("v-1") == []  # never twice for the same dose
    saved = phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    assert saved.escalations == []
    row = phone.store.rows("SELECT facts, envelope FROM records WHERE kind = 'escalation'")[0]
    assert json.loads(row["facts"])["severity"] == "urgent"
    assert b"Co-careldopa" not in row["envelope"]


def test_not_available_raises_an_urgent_escalation_in_the_same_transaction(phone, data) -> None:
    checked_in(phone)
    saved = phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "not_available",
                                   "Bottle empty, pharmacy called")
    assert [e.severity for e in saved.escalations] == ["urgent"]
    assert len(phone.store.rows("SELECT * FROM outbox")) == 3  # check-in, dose, escalation


def test_refused_twice_running_across_visits_escalates(phone, data, tmp_path) -> None:
    lactulose = data["meds"]["Lactulose"]
    yesterday = T0 - timedelta(days=1)
    phone.load([{"entity": "dose", "id": "d-0", "op": "upsert", "version": 1, "body": {
        "service_user_id": data["person"]["id"], "medicine_id": lactulose["id"],
        "scheduled_at": yesterday.isoformat(), "actual_at": yesterday.isoformat(),
        "outcome": "refused", "worker_id": "w-2"}}])
    checked_in(phone)
    saved = phone.meds.record_dose("v-1", lactulose["id"], T0, "refused", "Said no again")
    assert [(e.severity, e.dedupe_key.split(":")[1]) for e in saved.escalations] == [
        ("urgent", "refused_twice")]


def test_prn_refused_at_its_interval_with_the_next_allowed_time(phone, data) -> None:
    checked_in(phone)
    para = med(data, "Paracetamol")
    phone.meds.record_dose("v-1", para, None, "taken", "Headache")
    phone.clock.advance(minutes=20)
    with pytest.raises(DoseRefused) as refused:
        phone.meds.record_dose("v-1", para, None, "taken", "Still sore")
    assert str(refused.value) == ("Not given: Too soon: at least 4 hours must pass between "
                                  "doses. The next dose can be given at 13:05.")
    line = next(p for p in phone.meds.round("v-1").prn if p.medicine.id == para)
    assert not line.decision.allowed and len(line.given) == 1


def test_prn_limits_count_other_workers_synced_doses(phone, data) -> None:
    para = data["meds"]["Paracetamol"]
    earlier = [T0 - timedelta(hours=h) for h in (20, 15, 10, 5)]
    phone.load([{"entity": "dose", "id": f"d-{i}", "op": "upsert", "version": 1, "body": {
        "service_user_id": data["person"]["id"], "medicine_id": para["id"],
        "scheduled_at": None, "actual_at": t.isoformat(), "outcome": "taken",
        "worker_id": "w-2"}} for i, t in enumerate(earlier)])
    checked_in(phone)
    with pytest.raises(DoseRefused, match="no more than 4 doses in 24 hours") as refused:
        phone.meds.record_dose("v-1", para["id"], None, "taken", "Pain")
    assert "13:00" in str(refused.value)  # the oldest of the four leaves the 24 hours then


STAFF = [{"id": "c-1", "name": "Carol Whitaker", "role": "coordinator"},
         {"id": "w-2", "name": "Sam Jones", "role": "care_worker"},
         {"id": "w-1", "name": "Amira Khan", "role": "care_worker"}]  # an old list: herself


def worker_profile(staff: list[dict[str, str]]) -> dict[str, Any]:
    return {"entity": "worker", "id": "w-1", "op": "upsert",
            "body": {"news2_trained": False, "staff": staff}}


def test_a_controlled_drug_needs_a_witness_picked_from_the_staff_list_not_the_worker(
        phone, data) -> None:
    checked_in(phone)
    oramorph = med(data, "Oramorph")
    with pytest.raises(RuleViolation, match="staff list yet"):
        phone.meds.record_dose("v-1", oramorph, None, "given", "Breakthrough pain",
                               witness_id="c-1")
    phone.load([worker_profile(STAFF)])
    # The worker is never offered as a witness, even on a list that still names her.
    assert [(w.name, w.role_words) for w in phone.meds.witnesses.all()] == [
        ("Carol Whitaker", "coordinator"), ("Sam Jones", "care worker")]
    assert [w.id for w in phone.meds.witnesses.matching("  jON ")] == ["w-2"]
    with pytest.raises(RuleViolation, match="from the staff list"):
        phone.meds.record_dose("v-1", oramorph, None, "given", "Breakthrough pain")
    with pytest.raises(RuleViolation, match="someone else"):
        phone.meds.record_dose("v-1", oramorph, None, "given", "Breakthrough pain",
                               witness_id="w-1")
    with pytest.raises(RuleViolation, match="not on the agency's staff list"):
        phone.meds.record_dose("v-1", oramorph, None, "given", "Breakthrough pain",
                               witness_id="w-9")
    saved = phone.meds.record_dose("v-1", oramorph, None, "given", "Breakthrough pain",
                                   witness_id="c-1", worker_name="Amira Khan")
    given = phone.meds.round("v-1").prn[0].given
    assert given[0]["witness"] == "Carol Whitaker" and given[0]["witness_id"] == "c-1"
    assert given[0]["record_id"] == saved.record_id
    facts = json.loads(phone.store.rows("SELECT facts FROM records WHERE id = ?",
                                        [saved.record_id])[0]["facts"])
    assert facts["witness_id"] == "c-1" and kinds.facts_errors("dose_outcome", facts) == []
    # The office's next list replaces the old one (someone left).
    phone.load([worker_profile(STAFF[1:2])])
    assert [w.name for w in phone.meds.witnesses.all()] == ["Sam Jones"]


def test_the_staff_list_is_sealed_on_the_phone(phone, data) -> None:
    phone.load([worker_profile(STAFF)])
    raw = phone.store.rows("SELECT sealed FROM staff")[0]["sealed"]
    assert b"Carol" not in bytes(raw) and b"Whitaker" not in bytes(raw)


def test_check_out_is_blocked_until_every_task_and_due_dose_is_answered(phone, data) -> None:
    checked_in(phone)
    for task in data["plan"]["tasks"]:
        phone.visits.record_task("v-1", task["id"], "done")
    with pytest.raises(CheckOutBlocked) as blocked:
        phone.visits.check_out("v-1")
    assert blocked.value.items == ["record the 09:00 dose of Co-careldopa 25mg/100mg",
                                   "record the 09:00 dose of Lactulose 3.35g/5ml"]
    phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "refused", "Not today")
    phone.clock.set(T0 + timedelta(minutes=30))
    phone.visits.check_out("v-1")
    assert phone.visits.visit("v-1").status == "done"


def test_a_dose_answered_by_another_worker_does_not_block(phone, data) -> None:
    lactulose = data["meds"]["Lactulose"]
    phone.load([{"entity": "dose", "id": "d-9", "op": "upsert", "version": 1, "body": {
        "service_user_id": data["person"]["id"], "medicine_id": lactulose["id"],
        "scheduled_at": T0.isoformat(), "actual_at": T0.isoformat(), "outcome": "taken",
        "worker_id": "w-2"}}])
    rnd = phone.meds.round("v-1")
    assert rnd.doses[1].answer == {"outcome": "taken", "actual_at": T0.isoformat(),
                                   "other": True}
    assert [d.medicine.name for d in rnd.unanswered] == ["Co-careldopa"]


def test_the_day_marks_visits_with_time_critical_doses(phone, data) -> None:
    [summary] = phone.visits.day()
    assert summary.time_critical_at == (T0,) and summary.time_critical_open == 1
    checked_in(phone)
    phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    assert phone.visits.day()[0].time_critical_open == 0


def test_early_check_out_needs_a_reason_and_location_only_with_consent(phone, data) -> None:
    phone.visits.check_in("v-1", location={"lat": 53.8, "lon": -1.57},
                          location_consent=False)
    for task in data["plan"]["tasks"]:
        phone.visits.record_task("v-1", task["id"], "done")
    phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    with pytest.raises(RuleViolation, match="You are 25 minutes early. Say why"):
        phone.visits.check_out("v-1")
    phone.visits.check_out("v-1", "Daughter arrived to take over", location_consent=True,
                           location={"lat": 53.8, "lon": -1.57, "accuracy_m": 12})
    from fieldapp.store.records import open_record
    rows = {r["kind"]: open_record(phone.sealer, r) for r in phone.store.rows(
        "SELECT * FROM records WHERE kind IN ('check_in', 'check_out')")}
    assert rows["check_in"]["location"] is None and not rows["check_in"]["location_consent"]
    assert rows["check_out"]["location"] == {"lat": 53.8, "lon": -1.57, "accuracy_m": 12.0}
    assert rows["check_out"]["timing"] == "early" and rows["check_out"]["minutes"] == 25


def test_other_workers_dose_facts_are_updated_by_a_newer_version_only(phone, data) -> None:
    body = {"service_user_id": data["person"]["id"], "medicine_id": "m-x",
            "scheduled_at": None, "actual_at": T0.isoformat(), "outcome": "taken",
            "worker_id": "w-2"}
    phone.load([{"entity": "dose", "id": "d-1", "op": "upsert", "version": 2,
                 "body": {**body, "outcome": "refused"}},
                {"entity": "dose", "id": "d-1", "op": "upsert", "version": 1, "body": body}])
    assert phone.store.rows("SELECT outcome FROM dose_facts") == [{"outcome": "refused"}]


def test_a_dose_is_never_recorded_before_check_in_or_for_a_later_visit(phone, data) -> None:
    with pytest.raises(RuleViolation, match="Check in"):
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    checked_in(phone)
    # Co-careldopa's 13:00 dose belongs to a later visit: it is not due at this one.
    with pytest.raises(RuleViolation, match="not due at this visit"):
        phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0 + timedelta(hours=4),
                               "taken", confirm_reason="Going out later")


def test_a_regular_dose_recorded_early_asks_first_and_is_never_done_green(phone, data) -> None:
    checked_in(phone)
    line = next(x for x in phone.meds.round("v-1").doses
                if x.due.medicine.id == med(data, "Lactulose"))
    early = T0 - timedelta(minutes=61)
    assert line.needs_confirmation(early) is DoseTiming.EARLY
    assert line.needs_confirmation(T0 - timedelta(minutes=60)) is None
    phone.clock.set(T0 + timedelta(minutes=61))
    with pytest.raises(NeedsConfirmation) as asked:
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    assert asked.value.kind == "late"
    with pytest.raises(NeedsConfirmation):  # a blank reason is no confirmation
        phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken",
                               confirm_reason="  ")
    saved = phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken",
                                   confirm_reason="Asleep until now")
    assert saved.flags == ["outside its time window (late)"]
    # Co-careldopa's window closed meanwhile: that one is urgent; Lactulose's is routine.
    concerns = {(e.medicine_id, e.severity, e.dedupe_key.split(":")[1])
                for e in saved.escalations}
    assert (med(data, "Lactulose"), "routine", "outside_window") in concerns
    line = next(x for x in phone.meds.round("v-1").doses
                if x.due.medicine.id == med(data, "Lactulose"))
    assert line.status is AnswerStatus.FLAGGED


def test_every_record_the_phone_writes_fits_the_contracts_registry(phone, data) -> None:
    checked_in(phone)
    phone.clock.set(T0 + timedelta(minutes=31))
    phone.meds.raise_due_escalations("v-1")  # missed time-critical: an escalation
    late = phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken",
                                  confirm_reason="Rota changed")  # flagged
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "not_available", "Bottle empty")
    phone.meds.record_dose("v-1", med(data, "Paracetamol"), None, "taken", "Headache")
    task = data["plan"]["tasks"][0]["id"]
    done = phone.visits.record_task("v-1", task, "done")
    phone.visits.add_note("v-1", "Cheerful today", ["In good spirits"])
    phone.visits.addenda.correct(late.record_id, "Wrong medicine ticked", outcome="refused")
    phone.visits.addenda.correct(done, "Only half of it was done", outcome="partly_done")
    rows = phone.store.rows("SELECT kind, visit_id, service_user_id, corrects, facts "
                            "FROM records")
    assert {r["kind"] for r in rows} == {"check_in", "escalation", "dose_outcome",
                                         "task_outcome", "note", "addendum"}
    for r in rows:
        assert kinds.record_errors(r["kind"], json.loads(r["facts"]), visit_id=r["visit_id"],
                                   service_user_id=r["service_user_id"],
                                   corrects=r["corrects"]) == [], r["kind"]
