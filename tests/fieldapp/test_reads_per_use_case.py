"""Services read what a write needs: a tap opens the sealed rows its rules need, not the visit.

A counting sealer wraps the phone's keys and counts every sealed row opened, by table. The
visit has a day's worth of records before each measured call, so "opens everything" would show.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain.answer_status import AnswerStatus
from fieldapp.errors import RuleViolation
from tests.fieldapp.test_medication import T0, Phone, med, office_changes


class CountingSealer:
    """The real sealer, counting what it opens (table -> opens)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.opened: Counter[str] = Counter()

    def open(self, table: str, *args: Any, **kwargs: Any) -> Any:
        self.opened[table] += 1
        return self.inner.open(table, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def busy(tmp_path: Path) -> tuple[Phone, dict[str, Any], CountingSealer]:
    """A visit in progress with notes, a task answer, a dose and a correction recorded."""
    phone = Phone(tmp_path)
    changes, data = office_changes()
    phone.load(changes)
    counting = CountingSealer(phone.sealer)
    phone.sealer = counting  # type: ignore[assignment]
    phone.visits.check_in("v-1")
    for text in ("Sitting up in bed", "Ate well", "Asked about her daughter"):
        phone.visits.add_note("v-1", text)
    first_task = data["plan"]["tasks"][0]["id"]
    task_record = phone.visits.record_task("v-1", first_task, "done")
    phone.visits.addenda.correct(task_record, "Wrong task ticked", outcome="partly_done")
    phone.meds.record_dose("v-1", med(data, "Lactulose"), T0, "taken")
    counting.opened.clear()
    return phone, data, counting


def test_recording_a_task_opens_the_care_plan_only(busy: Any) -> None:
    phone, data, counting = busy
    phone.visits.record_task("v-1", data["plan"]["tasks"][1]["id"], "not_done", "Not hungry")
    assert counting.opened == Counter({"care_plans": 1})


def test_recording_a_dose_opens_the_medicines_list_and_no_record(busy: Any) -> None:
    phone, data, counting = busy
    phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    assert counting.opened == Counter({"medicines": len(data["meds"])})


def test_check_in_and_a_note_open_nothing_sealed(tmp_path: Path) -> None:
    phone = Phone(tmp_path)
    phone.load(office_changes()[0])
    counting = CountingSealer(phone.sealer)
    phone.sealer = counting  # type: ignore[assignment]
    phone.visits.check_in("v-1")
    phone.visits.add_note("v-1", "Cheerful")
    assert counting.opened == Counter()


def test_opening_the_visit_opens_each_sealed_row_once(busy: Any) -> None:
    phone, data, counting = busy
    detail = phone.visits.visit("v-1")
    records = phone.store.rows("SELECT COUNT(*) AS n FROM records WHERE visit_id = 'v-1' "
                               "AND kind NOT IN ('check_in', 'check_out')")[0]["n"]
    assert counting.opened == Counter({"people": 1, "care_plans": 1,
                                       "medicines": len(data["meds"]), "records": records})
    # …and the screen gets everything from that one read.
    assert len(detail.notes) == 3 and sum(map(len, detail.corrections.values())) == 1
    assert detail.task_status(data["plan"]["tasks"][0]["id"]) is AnswerStatus.DONE


def test_a_task_answered_before_its_facts_carried_the_id_is_still_found(busy: Any) -> None:
    """Records written by an older app have no task id in their facts: those are opened."""
    phone, data, counting = busy
    with phone.store.transaction() as db:
        db.execute("UPDATE records SET facts = '{}' WHERE kind = 'task_outcome'")
    with pytest.raises(RuleViolation, match="already has an answer"):
        phone.visits.record_task("v-1", data["plan"]["tasks"][0]["id"], "done")
    assert counting.opened == Counter({"care_plans": 1, "records": 1})


def test_the_dose_write_still_sees_the_check_in_from_clear_columns(busy: Any) -> None:
    phone, data, _ = busy
    phone.clock.set(T0 + timedelta(minutes=10))
    phone.visits.record_task("v-1", data["plan"]["tasks"][1]["id"], "done")
    phone.meds.record_dose("v-1", med(data, "Co-careldopa"), T0, "taken")
    phone.visits.check_out("v-1", "Finished early")
    with pytest.raises(RuleViolation, match="checked out"):
        phone.meds.record_dose("v-1", med(data, "Paracetamol"), None, "taken",
                               "Headache")
