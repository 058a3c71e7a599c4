"""How answers look and when they may be given: task statuses, the medicines task following
the MAR, a reason asked for before the tap, and the position kept at check-in and check-out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain.answer_status import AnswerStatus, dose_status, task_status
from fieldapp.errors import RuleViolation
from fieldapp.store.records import open_record
from tests.fieldapp.test_medication import T0, Phone, med, office_changes


@pytest.mark.parametrize(("code", "status"), [
    ("done", AnswerStatus.DONE), ("partly_done", AnswerStatus.PARTLY_DONE),
    ("refused", AnswerStatus.NOT_DONE), ("not_done", AnswerStatus.NOT_DONE),
    ("not_required", AnswerStatus.NOT_REQUIRED), (None, AnswerStatus.PENDING)])
def test_only_done_looks_done(code: str | None, status: AnswerStatus) -> None:
    assert task_status(code) is status


@pytest.mark.parametrize(("code", "flagged", "status"), [
    ("taken", False, AnswerStatus.DONE), ("given", False, AnswerStatus.DONE),
    ("taken", True, AnswerStatus.FLAGGED), ("partial", False, AnswerStatus.PARTLY_DONE),
    ("partial", True, AnswerStatus.FLAGGED), ("refused", False, AnswerStatus.NOT_DONE),
    ("withheld", False, AnswerStatus.NOT_DONE), ("not_required", False,
                                                 AnswerStatus.NOT_REQUIRED)])
def test_a_flagged_dose_never_looks_done(code: str, flagged: bool, status: AnswerStatus) -> None:
    assert dose_status(code, flagged) is status


@pytest.fixture
def phone(tmp_path: Path) -> tuple[Phone, dict[str, Any]]:
    p = Phone(tmp_path)
    changes, data = office_changes()
    plan = next(c for c in changes if c["entity"] == "care_plan")["body"]
    plan["tasks"].append({"id": "t-meds", "visit_type": "morning", "category": "medication",
                          "title": "Medicines due (see MAR)", "fluid": False})
    p.load(changes)
    return p, data


def test_the_medicines_task_follows_the_mar(phone: Any) -> None:
    p, data = phone
    p.visits.check_in("v-1")
    detail = p.visits.visit("v-1")
    meds_task = next(t for t in detail.tasks if t["id"] == "t-meds")
    other = next(t for t in detail.tasks if t["id"] != "t-meds")
    assert not detail.task_ready(meds_task) and detail.task_ready(other)
    with pytest.raises(RuleViolation, match="MAR first"):
        p.visits.record_task("v-1", "t-meds", "done")
    p.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    p.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "refused", "Spat it out")
    assert p.visits.visit("v-1").task_ready(meds_task)
    p.visits.record_task("v-1", "t-meds", "done")
    assert p.visits.visit("v-1").task_status("t-meds") is AnswerStatus.DONE


def test_the_visit_says_before_the_tap_when_a_reason_is_needed(phone: Any) -> None:
    p, _ = phone
    detail = p.visits.visit("v-1")  # booked 09:00-09:30; the clock says 09:05
    assert not detail.check_in_needs_reason(p.clock.now())
    late = T0 + timedelta(minutes=16)
    assert detail.check_in_needs_reason(late) and detail.timing(late).minutes == 16
    assert not detail.check_out_needs_reason(late)  # not checked in yet
    p.visits.check_in("v-1")
    detail = p.visits.visit("v-1")
    assert not detail.check_in_needs_reason(late)
    assert detail.check_out_needs_reason(T0 + timedelta(minutes=10))  # 20 min early
    assert not detail.check_out_needs_reason(T0 + timedelta(minutes=20))


def test_check_in_and_out_keep_the_position_only_with_consent(phone: Any) -> None:
    p, data = phone
    where = {"lat": 53.8195, "lon": -1.5806, "accuracy_m": 12.0}
    rid = p.visits.check_in("v-1", location=where, location_consent=True)
    p.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    p.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    for task in data["plan"]["tasks"]:
        p.visits.record_task("v-1", task["id"], "done")
    p.clock.set(T0 + timedelta(minutes=30))
    out = p.visits.check_out("v-1", location=where, location_consent=False)
    rows = {r["id"]: r for r in p.store.rows("SELECT * FROM records WHERE kind IN "
                                             "('check_in', 'check_out')")}
    inn, gone = open_record(p.sealer, rows[rid]), open_record(p.sealer, rows[out])
    assert inn["location"] == where and inn["location_consent"] is True
    assert gone["location"] is None and gone["location_consent"] is False
