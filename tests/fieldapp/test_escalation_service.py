"""Raising escalations on a real SQLite phone store, and the office's answer arriving by sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.errors import RuleViolation
from fieldapp.services.escalations import Concern, EscalationService
from fieldapp.store import replica
from fieldapp.store.records import open_record, write_record
from sync import kinds
from sync.codes import EscalationType, News2Band, Severity
from tests.factories import person
from tests.fieldapp.phones import StorePhone

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NORMAL = {"respiration_rate": 16, "spo2": 97, "scale": 1, "oxygen": False, "systolic_bp": 130,
          "pulse": 70, "consciousness": "A", "temperature": 36.8}


class Phone(StorePhone):
    def __init__(self, tmp: Path):
        super().__init__(tmp, T0 + timedelta(minutes=5), synced_at=T0)
        self.esc = EscalationService(*self.parts())
        self.person = person(dnacpr="DNACPR in place (purple form in kitchen drawer)")
        self.load_visit(self.person, T0)


@pytest.fixture
def phone(tmp_path: Path) -> Phone:
    return Phone(tmp_path)


def fall(**extra: Any) -> Concern:
    args: dict[str, Any] = {"soft_signs": ("unsteady", "family"),
                            "details": "Found on the floor", **extra}
    return Concern(EscalationType.FALL, Severity.URGENT, "v-1", **args)


def test_raising_writes_one_sealed_record_and_its_outbox_entry(phone: Phone) -> None:
    rid = phone.esc.raise_concern(fall())
    row = phone.record(rid)
    assert row["kind"] == "escalation"
    assert row["visit_id"] == "v-1" and row["service_user_id"] == phone.person["id"]
    assert json.loads(row["facts"]) == {"type": "fall", "severity": "urgent"}
    assert phone.store.rows("SELECT record_id FROM outbox") == [{"record_id": rid}]
    # Personal content is sealed: nothing the worker typed is in clear columns.
    assert b"floor" not in row["envelope"] and "floor" not in row["facts"]
    assert kinds.facts_errors("escalation", json.loads(row["facts"])) == []
    content = open_record(phone.sealer, row)
    assert content["soft_signs"] == ["unsteady", "family"]
    assert content["sbard"]["Situation"].startswith("Fall for ")
    assert "DNACPR in place" in content["sbard"]["Background"]


def test_unknown_soft_sign_or_long_details_are_refused_and_nothing_is_saved(
        phone: Phone) -> None:
    with pytest.raises(RuleViolation, match="unknown soft sign: dizzy"):
        phone.esc.raise_concern(fall(soft_signs=("dizzy",)))
    with pytest.raises(RuleViolation, match="under 2000"):
        phone.esc.raise_concern(Concern(EscalationType.OTHER, Severity.ROUTINE, None,
                                        details="x" * 2001))
    assert phone.store.rows("SELECT COUNT(*) AS n FROM records")[0]["n"] == 0


def test_an_escalation_without_a_visit_has_no_links(phone: Phone) -> None:
    rid = phone.esc.raise_concern(Concern(EscalationType.WORKER_SAFETY, Severity.EMERGENCY))
    row = phone.record(rid)
    assert row["visit_id"] is None and row["service_user_id"] is None
    assert [s.stage for s in phone.esc.mine()] == ["phone"]


def test_stages_follow_sync_and_the_office_answer(phone: Phone) -> None:
    rid = phone.esc.raise_concern(fall())
    assert phone.esc.mine("v-1")[0].words == "Saved on phone, not sent yet"
    replica.mark_sent(phone.store, [rid], T0.isoformat())
    assert phone.esc.mine()[0].stage == "sent"
    phone.load([], accepted=[rid])
    assert phone.esc.mine()[0].stage == "received"
    ack = (T0 + timedelta(minutes=9)).isoformat()
    phone.load([{"entity": "escalation", "id": rid, "op": "upsert", "version": 2,
                 "body": {"record_id": rid, "reference": "E-1", "state": "acknowledged",
                          "acknowledged_at": ack, "resolved_at": None, "outcome": None}}])
    status = phone.esc.mine("v-1")[0]
    assert status.stage == "acknowledged" and status.acknowledged_at == T0 + timedelta(
        minutes=9)
    # A late copy of an older version never undoes the acknowledgement.
    phone.load([{"entity": "escalation", "id": rid, "op": "upsert", "version": 1,
                 "body": {"record_id": rid, "state": "raised"}}])
    assert phone.esc.mine()[0].stage == "acknowledged"
    phone.load([{"entity": "escalation", "id": rid, "op": "upsert", "version": 3,
                 "body": {"record_id": rid, "state": "resolved", "acknowledged_at": ack,
                          "resolved_at": ack, "outcome": "gp_visit"}}])
    done = phone.esc.mine()[0]
    assert (done.stage, done.outcome, done.words) == ("resolved", "gp_visit",
                                                      "Resolved by the office")
    assert phone.esc.mine("v-other") == []


def test_the_emar_automatic_escalations_are_listed_too(phone: Phone) -> None:
    with phone.store.transaction() as db:
        write_record(db, phone.sealer, phone.author, kind="escalation",
                     recorded_at=T0.isoformat(), payload={"summary": "x"}, visit_id="v-1",
                     facts={"type": "medication", "severity": "urgent",
                            "event": "time_critical_missed"})
    [auto] = phone.esc.mine("v-1")
    assert auto.automatic and auto.type is EscalationType.MEDICATION


def worker_change(trained: Any) -> dict[str, Any]:
    return {"entity": "worker", "id": "w-1", "op": "upsert", "version": 1,
            "body": {"news2_trained": trained}}


def test_the_trained_setting_comes_from_the_office_and_the_latest_one_wins(
        phone: Phone) -> None:
    assert phone.esc.trained is False
    assert not hasattr(phone.esc, "set_trained")  # the phone cannot switch it on itself
    replica.apply_response(phone.store, accepted=[], rejected=[],
                           changes=[worker_change(True)], cursor="c1", reset=False,
                           at=T0.isoformat(), sealer=phone.sealer)
    assert EscalationService(phone.store, lambda: phone.sealer, lambda: phone.author,
                             phone.clock).trained is True
    replica.apply_response(phone.store, accepted=[], rejected=[],
                           changes=[worker_change(True), worker_change("yes"),
                                    worker_change(False)], cursor="c2", reset=False,
                           at=T0.isoformat(), sealer=phone.sealer)
    assert phone.esc.trained is False
    # An old phone-local switch from before the office owned the setting counts for nothing.
    with phone.store.transaction():
        phone.store.set_meta("news2_trained", "1")
    assert phone.esc.trained is False


def test_context_is_prefilled_from_the_visit(phone: Phone) -> None:
    ctx = phone.esc.context("v-1")
    assert ctx.person and ctx.visit == "morning visit at 09:00"
    assert ctx.resus_status.startswith("DNACPR")
    with pytest.raises(RuleViolation):
        phone.esc.context("v-gone")


def test_news2_observations_are_scored_and_sealed(phone: Phone) -> None:
    obs = {**NORMAL, "respiration_rate": 25}
    scored = phone.esc.score(obs)
    assert scored.total == 3 and scored.band is News2Band.SENIOR
    rid = phone.esc.raise_concern(Concern(EscalationType.HEALTH_DETERIORATION,
                                          Severity.URGENT, "v-1", observations=obs))
    row = phone.record(rid)
    assert json.loads(row["facts"]) == {"type": "health_deterioration", "severity": "urgent"}
    content = open_record(phone.sealer, row)
    assert content["news2"]["total"] == 3 and content["news2"]["band"] == "senior"
    assert "NEWS2 3" in content["sbard"]["Assessment"]


def test_impossible_observations_are_refused_by_name(phone: Phone) -> None:
    with pytest.raises(RuleViolation, match="(?i)pulse"):
        phone.esc.score({**NORMAL, "pulse": -5})
