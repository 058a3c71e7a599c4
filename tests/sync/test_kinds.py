"""The record-kind registry (sync/kinds.py): schemas, labels, readers, corrections, links."""

from __future__ import annotations

from typing import Any

import pytest

from screens.outbox import KIND_WORDS
from server.console.record_text import KIND_LABELS
from sync import kinds
from sync.codes import DoseOutcome, TaskOutcome
from sync.kinds import (
    KINDS,
    Audience,
    FactError,
    InvalidFacts,
    UnknownKind,
    audience,
    check_facts,
    facts_errors,
    link_errors,
    may_read,
    record_errors,
)
from sync.protocol import RECORD_KINDS

ID = "0191f4c2-7c1e-7000-8000-0000000000aa"
AT = "2026-11-23T08:05:00+00:00"
DOSE: dict[str, Any] = {"medicine_id": ID, "scheduled_at": AT, "actual_at": AT,
                        "outcome": "taken", "prn": False, "controlled": False}
# Facts exactly as the phone and the office write them today (services, duress, office.py).
VALID: dict[str, list[dict[str, Any]]] = {
    "check_in": [{}], "check_out": [{}], "note": [{}],
    "handover": [{"shift_start": AT, "shift_end": AT, "has_concerns": True, "items": 3},
                 {"shift_start": AT, "shift_end": AT, "has_concerns": False, "items": 0}],
    "task_outcome": [{}, {"task_id": ID, "outcome": "partly_done"}],
    "dose_outcome": [DOSE, {**DOSE, "scheduled_at": None, "prn": True, "outcome": "given"},
                     {**DOSE, "window": "late"},
                     {**DOSE, "amount": 1.5, "mg": 750, "patch_site": "left_chest",
                      "old_patch_removed": True}],
    "dose_effect": [{"dose_record_id": ID, "medicine_id": ID, "dose_at": AT,
                     "effect": "partly_effective"}],
    "addendum": [{"corrects_kind": "note", "actor": "worker"},
                 {"corrects_kind": "dose_outcome", "actor": "coordinator", "outcome": "taken",
                  "medicine_id": ID, "scheduled_at": AT},
                 {"corrects_kind": "task_outcome", "actor": "worker", "outcome": "not_done"}],
    "escalation": [{"type": "medication", "severity": "urgent", "event": "missed",
                    "medicine_id": ID, "dose_at": AT, "dose_record_id": None},
                   {"type": "fall", "severity": "emergency"}],
    # Every lone-worker record today (what it says is sealed), then older phones' clear ones.
    "lone_worker": [{"at": AT}, {"at": AT, "open_visit_id": ID},
                    {"event": "duress", "level": "red", "at": AT},
                    {"event": "duress", "level": "red", "at": AT, "open_visit_id": ID}],
}


def test_the_registry_is_where_record_kinds_come_from() -> None:
    assert RECORD_KINDS == frozenset(KINDS) == frozenset(VALID)
    for code, kind in KINDS.items():
        assert kind.code == code
        assert kind.label and kind.label[0].isupper() and "_" not in kind.label


def test_screens_and_console_show_the_registrys_labels() -> None:
    assert KIND_LABELS == KIND_WORDS == {code: k.label for code, k in KINDS.items()}
    assert kinds.label("check_in") == "Checked in" and kinds.label("mystery") == "mystery"


def test_a_duress_alert_is_the_only_kind_the_outbox_hides() -> None:
    assert kinds.HIDDEN_FROM_OUTBOX == ("lone_worker",)


@pytest.mark.parametrize(("kind", "facts"),
                         [(k, f) for k, many in VALID.items() for f in many])
def test_facts_written_today_are_valid(kind: str, facts: dict[str, Any]) -> None:
    assert facts_errors(kind, facts) == []
    check_facts(kind, facts)


@pytest.mark.parametrize(("facts", "field", "problem"), [
    ({**DOSE, "colour": "red"}, "colour", "is not a fact of a dose_outcome record"),
    ({k: v for k, v in DOSE.items() if k != "medicine_id"}, "medicine_id", "is required"),
    ({**DOSE, "actual_at": None}, "actual_at", "is required"),
    ({**DOSE, "outcome": "swallowed"}, "outcome", "must be one of given, taken"),
    ({**DOSE, "outcome": 3}, "outcome", "must be one of"),
    ({**DOSE, "prn": "no"}, "prn", "must be true or false"),
    ({**DOSE, "prn": 0}, "prn", "must be true or false"),
    ({**DOSE, "actual_at": "yesterday"}, "actual_at", "ISO 8601"),
    ({**DOSE, "actual_at": "2026-11-23T08:05:00"}, "actual_at", "with its offset"),
    ({**DOSE, "medicine_id": "x" * 37}, "medicine_id", "at most 36"),
    ({**DOSE, "medicine_id": "two words"}, "medicine_id", "an id"),
    ({**DOSE, "medicine_id": 12}, "medicine_id", "an id"),
    ({**DOSE, "window": "on_time"}, "window", "must be one of early, late"),
    ({**DOSE, "amount": -1}, "amount", "must be a number from 0"),
    ({**DOSE, "amount": float("nan")}, "amount", "must be a number from 0"),
    ({**DOSE, "mg": True}, "mg", "must be a number from 0"),
    ({**DOSE, "mg": "500"}, "mg", "must be a number from 0"),
    ({**DOSE, "patch_site": "forehead"}, "patch_site", "must be one of left_upper_arm"),
    ({**DOSE, "old_patch_removed": "yes"}, "old_patch_removed", "must be true or false"),
])
def test_each_wrong_fact_is_named(facts: dict[str, Any], field: str, problem: str) -> None:
    errors = facts_errors("dose_outcome", facts)
    assert [e.field for e in errors] == [field]
    assert problem in errors[0].problem
    with pytest.raises(InvalidFacts) as caught:
        check_facts("dose_outcome", facts)
    assert caught.value.errors == errors and field in str(caught.value)


def test_every_wrong_field_is_reported_at_once_and_no_value_is_echoed() -> None:
    facts = {"medicine_id": "Mrs Example's pills", "outcome": "Mrs Example refused",
             "actual_at": AT, "prn": False}
    errors = facts_errors("dose_outcome", facts)
    assert {e.field for e in errors} == {"medicine_id", "outcome", "controlled"}
    assert all("Example" not in str(e) for e in errors)


def test_an_unknown_kind_is_an_error_not_a_crash() -> None:
    assert facts_errors("diary", {}) == [FactError("kind", "is not a known record kind")]
    with pytest.raises(UnknownKind):
        kinds.get("diary")


@pytest.mark.parametrize(("facts", "field"), [
    ({"corrects_kind": "addendum", "actor": "worker"}, "corrects_kind"),
    ({"corrects_kind": "lone_worker", "actor": "worker"}, "corrects_kind"),
    ({"corrects_kind": "visit", "actor": "worker"}, "corrects_kind"),
    ({"corrects_kind": "note", "actor": "worker", "outcome": "done"}, "outcome"),
    ({"corrects_kind": "dose_outcome", "actor": "worker", "outcome": "done"}, "outcome"),
    ({"corrects_kind": "task_outcome", "actor": "worker", "outcome": "given"}, "outcome"),
    ({"corrects_kind": "note", "actor": "robot"}, "actor"),
])
def test_an_addendum_corrects_only_what_the_corrected_kind_allows(
        facts: dict[str, Any], field: str) -> None:
    assert [e.field for e in facts_errors("addendum", facts)] == [field]


def test_correctable_fields_use_the_contracts_codes() -> None:
    assert KINDS["dose_outcome"].correctable == {"text": None,
                                                 "outcome": tuple(DoseOutcome)}
    assert KINDS["task_outcome"].correctable["outcome"] == tuple(TaskOutcome)
    assert "addendum" not in kinds.CORRECTABLE_KINDS
    assert "lone_worker" not in kinds.CORRECTABLE_KINDS


def test_safeguarding_escalations_are_for_safeguarding_leads_only() -> None:
    concern = {"type": "safeguarding", "severity": "urgent"}
    assert audience("escalation", concern) is Audience.SAFEGUARDING_LEAD
    assert audience("escalation", {"type": "fall", "severity": "urgent"}) is Audience.WORKER_OWN
    assert audience("addendum", {"corrects_kind": "escalation"},
                    corrected=Audience.SAFEGUARDING_LEAD) is Audience.SAFEGUARDING_LEAD
    assert audience("lone_worker", {"event": "duress"}) is Audience.COORDINATOR


@pytest.mark.parametrize(("record", "reader", "is_author", "allowed"), [
    (Audience.WORKER_OWN, Audience.WORKER_OWN, True, True),
    (Audience.WORKER_OWN, Audience.WORKER_OWN, False, False),
    (Audience.WORKER_OWN, Audience.COORDINATOR, False, True),
    (Audience.COORDINATOR, Audience.WORKER_OWN, True, False),
    (Audience.COORDINATOR, Audience.COORDINATOR, False, True),
    (Audience.COORDINATOR, Audience.SAFEGUARDING_LEAD, False, True),
    (Audience.SAFEGUARDING_LEAD, Audience.COORDINATOR, False, False),
    (Audience.SAFEGUARDING_LEAD, Audience.WORKER_OWN, True, False),
    (Audience.SAFEGUARDING_LEAD, Audience.SAFEGUARDING_LEAD, False, True),
])
def test_who_may_read(record: Audience, reader: Audience, is_author: bool,
                      allowed: bool) -> None:
    assert may_read(reader, record, is_author=is_author) is allowed


def test_links_each_kind_must_or_must_not_have() -> None:
    assert link_errors("dose_outcome", visit_id=ID, service_user_id=ID, corrects=None) == []
    assert [e.field for e in link_errors("dose_outcome", visit_id=None, service_user_id=None,
                                         corrects=ID)] == ["visit_id", "service_user_id",
                                                           "corrects"]
    assert [e.field for e in link_errors("addendum", visit_id=ID, service_user_id=ID,
                                         corrects=None)] == ["corrects"]
    assert link_errors("lone_worker", visit_id=None, service_user_id=None, corrects=None) == []
    assert KINDS["dose_outcome"].medicine_fact == "medicine_id"
    errors = record_errors("note", {"outcome": "done"}, visit_id=None, service_user_id=ID,
                           corrects=None)
    assert [e.field for e in errors] == ["visit_id", "outcome"]
