"""Corrections on the phone: an addendum with a reason; the original stays; nothing is deleted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fieldapp.errors import DoseRefused, RuleViolation
from fieldapp.store.records import open_record
from tests.fieldapp.test_medication import T0, Phone, data, med, phone  # noqa: F401

__all__ = ["data", "phone"]


def test_a_correction_needs_a_reason_and_something_to_say(phone, data) -> None:
    phone.visits.check_in("v-1")
    note = phone.visits.add_note("v-1", "Ate all her porridge")
    with pytest.raises(RuleViolation, match="Say why"):
        phone.visits.addenda.correct(note, "oops", text="Ate half her porridge")
    with pytest.raises(RuleViolation, match="new text or a new outcome"):
        phone.visits.addenda.correct(note, "Wrote the wrong amount")
    with pytest.raises(RuleViolation, match="Only a task or a medicine"):
        phone.visits.addenda.correct(note, "Wrote the wrong amount", outcome="done")


def test_a_note_correction_keeps_the_original_readable(phone, data) -> None:
    phone.visits.check_in("v-1")
    note = phone.visits.add_note("v-1", "Ate all her porridge")
    fix = phone.visits.addenda.correct(note, "Wrote the wrong amount",
                                       text="Ate half her porridge")
    detail = phone.visits.visit("v-1")
    assert detail.notes[0]["text"] == "Ate all her porridge"  # unchanged
    [c] = detail.corrections[note]
    assert (c.record_id, c.reason, c.text) == (fix, "Wrote the wrong amount",
                                               "Ate half her porridge")
    row = phone.store.rows("SELECT * FROM records WHERE id = ?", [fix])[0]
    assert row["kind"] == "addendum" and row["corrects"] == note
    assert json.loads(row["facts"]) == {"corrects_kind": "note", "actor": "worker"}
    assert "porridge" not in row["facts"] and open_record(phone.sealer, row)["reason"]
    assert len(phone.store.rows("SELECT * FROM outbox")) == 3


def test_a_correction_works_after_check_out_and_cannot_correct_a_correction(phone, data) -> None:
    phone.visits.check_in("v-1")
    task = data["plan"]["tasks"][0]["id"]
    answer = phone.visits.record_task("v-1", task, "done")
    fix = phone.visits.addenda.correct(answer, "It was only partly done",
                                       outcome="partly_done")
    with pytest.raises(RuleViolation, match="not a correction"):
        phone.visits.addenda.correct(fix, "Changed my mind again", text="x")
    with pytest.raises(RuleViolation, match="not a task outcome"):
        phone.visits.addenda.correct(answer, "Wrong outcome", outcome="taken")


def test_correcting_a_prn_dose_to_refused_frees_the_limit(phone, data) -> None:
    phone.visits.check_in("v-1")
    para = med(data, "Paracetamol")
    dose = phone.meds.record_dose("v-1", para, None, "taken", "Headache").record_id
    phone.clock.advance(minutes=5)
    with pytest.raises(DoseRefused):
        phone.meds.record_dose("v-1", para, None, "taken", "Headache")
    fix = phone.visits.addenda.correct(dose, "She spat the tablets out", outcome="refused")
    facts = json.loads(phone.store.rows("SELECT facts FROM records WHERE id = ?",
                                        [fix])[0]["facts"])
    assert facts["outcome"] == "refused" and facts["medicine_id"] == para
    phone.meds.record_dose("v-1", para, None, "taken", "Headache")  # allowed now
    assert phone.store.rows("SELECT COUNT(*) AS n FROM records WHERE kind = 'dose_outcome'"
                            ) == [{"n": 2}]  # the original is still there


def test_records_are_never_updated_or_deleted_by_a_correction(phone, data) -> None:
    phone.visits.check_in("v-1")
    phone.clock.advance(minutes=1)
    before = phone.store.rows("SELECT id, envelope, facts FROM records")
    phone.visits.addenda.correct(before[0]["id"], "Checked in at the wrong house",
                                 text="Arrived at 09:04")
    after = phone.store.rows("SELECT id, envelope, facts FROM records")
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert T0 + timedelta(minutes=6) == phone.clock.now()
