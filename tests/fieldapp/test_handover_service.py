"""The handover on a real SQLite phone: drafted from the store, submitted sealed and queued,
the office's acknowledgement and other workers' points arriving by sync, sealed at rest."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.errors import RuleViolation
from fieldapp.services.escalations import Concern, EscalationService
from fieldapp.services.handover import HandoverService
from fieldapp.store.records import open_record
from sync import kinds
from sync.codes import EscalationType, Severity
from sync.handover import items_of
from tests.factories import person, plan_for, visit
from tests.fieldapp.phones import StorePhone

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
ME = "w-1"


class Phone(StorePhone):
    def __init__(self, tmp: Path):
        super().__init__(tmp, T0, ME)
        self.esc = EscalationService(*self.parts())
        self.handover = HandoverService(*self.parts())
        self.ann, self.bob = person("Ann Example"), person("Bob Example")
        self.plans = {p["id"]: plan_for(p) for p in (self.ann, self.bob)}
        self.v1 = visit(ME, self.ann["id"], "morning", T0)
        self.v2 = visit(ME, self.bob["id"], "morning", T0 + timedelta(hours=2))
        self.v3 = visit(ME, self.ann["id"], "morning", T0 + timedelta(hours=5))
        self.yesterday = visit(ME, self.ann["id"], "morning", T0 - timedelta(days=1))
        self.load([{"entity": e, "id": b["id"], "op": "upsert", "body": b} for e, b in (
            ("service_user", self.ann), ("service_user", self.bob),
            *(("care_plan", p) for p in self.plans.values()),
            *(("visit", v) for v in (self.v1, self.v2, self.v3, self.yesterday)))])

    def visit_through(self, v: dict[str, Any], *, late: int = 0, reason: str | None = None,
                      outcomes: tuple[str, str] = ("done", "done")) -> None:
        self.clock.set(datetime.fromisoformat(v["start"]) + timedelta(minutes=late))
        self.visits.check_in(v["id"], reason)
        for task, outcome in zip(self.plans[v["service_user_id"]]["tasks"], outcomes,
                                 strict=True):
            self.visits.record_task(v["id"], task["id"], outcome,
                                    None if outcome == "done" else "Did not want it")
        self.clock.advance(minutes=25)
        self.visits.check_out(v["id"])


@pytest.fixture
def phone(tmp_path: Path) -> Phone:
    return Phone(tmp_path)


def test_the_draft_holds_the_shifts_open_items_from_the_store(phone: Phone) -> None:
    phone.clock.set(T0 - timedelta(days=1) + timedelta(minutes=5))
    phone.visits.check_in(phone.yesterday["id"])
    phone.visits.add_note(phone.yesterday["id"], "Old news", for_handover=True)
    phone.visit_through(phone.v1, outcomes=("done", "refused"))
    phone.clock.set(T0 + timedelta(hours=2, minutes=40))
    phone.visits.check_in(phone.v2["id"], "Bus late")
    note = phone.visits.add_note(phone.v2["id"], "Bob's walking frame is broken",
                                 for_handover=True)
    phone.visits.add_note(phone.v2["id"], "Had tea")
    esc = phone.esc.raise_concern(Concern(EscalationType.EQUIPMENT_FAILURE, Severity.ROUTINE,
                                          phone.v2["id"], details="Frame broken"))
    for task in phone.plans[phone.bob["id"]]["tasks"]:
        phone.visits.record_task(phone.v2["id"], task["id"], "done")
    phone.visits.check_out(phone.v2["id"])
    phone.clock.set(T0 + timedelta(hours=7))  # v3 never visited
    assert not phone.handover.ready_to_end()
    draft = phone.handover.draft()
    items = items_of(draft.payload)
    assert sorted((i["category"], i["visit_id"]) for i in items) == sorted([
        ("task_not_done", phone.v1["id"]), ("visit_late", phone.v2["id"]),
        ("flagged_note", phone.v2["id"]), ("escalation_open", phone.v2["id"]),
        ("visit_missed", phone.v3["id"])])
    texts = {i["category"]: i["text"] for i in items}
    assert texts["flagged_note"] == "Bob: Bob's walking frame is broken"
    assert texts["task_not_done"].startswith("Ann: Breakfast and a drink: refused")
    assert next(i for i in items if i["category"] == "flagged_note")["source_ids"] == [note]
    assert next(i for i in items if i["category"] == "escalation_open")["source_ids"] == [esc]
    assert draft.shift_start == T0 and draft.shift_end == phone.clock.now()
    assert draft.unsynced > 0


def test_submitting_seals_and_queues_it_offline_and_warns_about_unsynced_records(
        phone: Phone) -> None:
    phone.visit_through(phone.v1, outcomes=("refused", "done"))
    phone.visit_through(phone.v2)
    phone.visit_through(phone.v3)
    assert phone.handover.ready_to_end()
    draft = phone.handover.draft()
    payload = draft.payload
    item = items_of(payload)[0]
    item["text"] = "Ann refused her wash: try after breakfast"
    item["for_next_worker"] = True
    payload["sections"]["recommendation"]["text"] = "Ask the family about the wash"
    done = phone.handover.submit(draft, payload)
    row = phone.store.rows("SELECT * FROM records WHERE id = ?", [done.record_id])[0]
    assert (row["kind"], row["visit_id"], row["service_user_id"], row["sync_state"]) == (
        "handover", None, None, "phone")
    facts = json.loads(row["facts"])
    assert facts == {"shift_start": T0.isoformat(), "shift_end": draft.shift_end.isoformat(),
                     "has_concerns": False, "items": 1}
    assert kinds.record_errors("handover", facts, visit_id=None, service_user_id=None,
                               corrects=None) == []
    assert open_record(phone.sealer, row) == payload
    assert phone.store.rows("SELECT 1 FROM outbox WHERE record_id = ?", [done.record_id])
    assert done.unsynced == phone.handover.unsynced() > 1 and done.warning
    assert b"try after breakfast" not in (phone.store.path.read_bytes()
                                          + phone.store.path.with_name("w-1.sqlite-wal")
                                          .read_bytes())
    with pytest.raises(RuleViolation, match="already submitted"):
        phone.handover.submit(draft, payload)
    bad: Any = {**payload, "sections": {}}
    with pytest.raises(RuleViolation):
        phone.handover.submit(phone.handover.draft(), bad)
    # The office takes everything: no warning, and the status moves to received.
    phone.load([], accepted=[r["id"] for r in phone.store.rows("SELECT id FROM records")])
    assert phone.handover.unsynced() == 0
    assert [s.stage for s in phone.handover.mine()] == ["received"]


def test_the_offices_acknowledgement_and_reply_arrive_sealed(phone: Phone) -> None:
    phone.visit_through(phone.v1)
    draft = phone.handover.draft()
    rid = phone.handover.submit(draft, draft.payload).record_id
    assert phone.handover.mine()[0].words == "Saved on phone, not sent yet"
    at = (T0 + timedelta(hours=1)).isoformat()

    def ack(version: int, state: str, reply: str | None) -> dict[str, Any]:
        return {"entity": "handover_ack", "id": rid, "op": "upsert", "version": version,
                "body": {"record_id": rid, "state": state, "acknowledged_at": at,
                         "acknowledged_by": "Olivia Office", "reply": reply}}

    blank = ack(1, "replied", "Seen")
    blank["body"]["acknowledged_at"] = ""  # a reply before any acknowledgement has no time
    phone.load([blank], accepted=[rid])
    first = phone.handover.mine()[0]
    assert (first.stage, first.acknowledged_at, first.reply) == ("replied", None, "Seen")
    phone.load([ack(2, "replied", "Thanks: GP visit booked for Ann")])
    phone.load([ack(1, "acknowledged", None)])  # an older copy arriving late
    mine = phone.handover.mine()[0]
    assert (mine.stage, mine.acknowledged_by, mine.reply) == (
        "replied", "Olivia Office", "Thanks: GP visit booked for Ann")
    assert mine.acknowledged_at == T0 + timedelta(hours=1) and mine.items == 0
    raw = phone.store.path.read_bytes() + phone.store.path.with_name(
        "w-1.sqlite-wal").read_bytes()
    assert b"GP visit booked" not in raw and b"Olivia" not in raw


def test_points_from_earlier_handovers_show_on_the_persons_visit_for_seven_days(
        phone: Phone) -> None:
    def point(days_ago: int, text: str, person_id: str) -> dict[str, Any]:
        pid = str(uuid.uuid4())
        return {"entity": "handover_point", "id": pid, "op": "upsert", "version": 1,
                "body": {"item_id": pid, "person_id": person_id, "category": "dose_refused",
                         "text": text, "handover_id": str(uuid.uuid4()),
                         "written_at": (T0 - timedelta(days=days_ago)).isoformat()}}

    fresh = point(1, "Refused her evening tablets", phone.ann["id"])
    phone.load([fresh, point(9, "Old point", phone.ann["id"]),
                point(0, "About Bob", phone.bob["id"]),
                {**point(0, "Broken", phone.ann["id"]), "body": {"text": "no shape"}}])
    points = phone.handover.points(phone.ann["id"])
    assert [(p.item_id, p.text, p.category.value) for p in points] == [
        (fresh["id"], "Refused her evening tablets", "dose_refused")]
    assert b"evening tablets" not in phone.store.path.read_bytes() + phone.store.path.with_name(
        "w-1.sqlite-wal").read_bytes()
    phone.load([{"entity": "handover_point", "id": fresh["id"], "op": "delete", "version": 2}])
    assert phone.handover.points(phone.ann["id"]) == []


def test_drafting_opens_only_the_shifts_records(phone: Phone) -> None:
    """Yesterday's visit and its records are on the phone too: drafting opens none of them."""
    from tests.fieldapp.test_reads_per_use_case import CountingSealer

    phone.clock.set(T0 - timedelta(days=1) + timedelta(minutes=5))
    phone.visits.check_in(phone.yesterday["id"])
    for text in ("Old one", "Old two", "Old three"):
        phone.visits.add_note(phone.yesterday["id"], text, for_handover=True)
    phone.visit_through(phone.v1)
    today = phone.store.rows("SELECT COUNT(*) AS n FROM records WHERE visit_id = ? "
                             "AND kind != 'check_out'", [phone.v1["id"]])[0]["n"]
    counting = CountingSealer(phone.sealer)
    phone.sealer = counting  # type: ignore[assignment]
    phone.handover.draft()
    assert counting.opened["records"] == today
    # The names of the people of the visits begun so far (Bob's visit has not started).
    assert counting.opened["people"] == 1
