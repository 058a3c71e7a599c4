"""The handover contract (sync/handover.py, docs/handover.md): payload, facts and feed bodies."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest

from sync import handover, kinds
from sync.codes import HandoverAckState, HandoverCategory
from sync.handover import (
    SECTIONS,
    Item,
    Payload,
    ack_errors,
    empty_payload,
    facts_for,
    items_of,
    payload_errors,
    point_errors,
)

AT = "2026-11-23T17:05:00+00:00"


def item(category: HandoverCategory, **over: Any) -> Item:
    base: Item = {"id": str(uuid.uuid4()), "category": category.value,
                  "text": "Mrs Example refused her evening tablets",
                  "source_ids": [str(uuid.uuid4())], "person_id": str(uuid.uuid4()),
                  "visit_id": str(uuid.uuid4()), "for_next_worker": False}
    base.update(over)  # type: ignore[typeddict-item]
    return base


def payload(*items: Item, section: str = "assessment") -> Payload:
    p = empty_payload()
    p["sections"][section]["items"].extend(items)
    return p


def test_the_contracts_categories_and_answer_states() -> None:
    assert [c.value for c in HandoverCategory] == [
        "visit_missed", "visit_late", "task_not_done", "dose_refused", "dose_omitted",
        "dose_flagged", "escalation_open", "alert_open", "concern", "flagged_note"]
    assert [s.value for s in HandoverAckState] == ["acknowledged", "replied"]
    assert SECTIONS == ("situation", "background", "assessment", "recommendation")
    assert (handover.ACK_ENTITY, handover.POINT_ENTITY) == ("handover_ack", "handover_point")


def test_a_handover_record_has_no_visit_and_no_person_and_carries_its_clear_facts() -> None:
    k = kinds.get("handover")
    assert k.visit is kinds.Need.NEVER and k.person is kinds.Need.NEVER
    assert k.audience is kinds.Audience.WORKER_OWN
    assert {f.name for f in k.facts if f.required} == {
        "shift_start", "shift_end", "has_concerns", "items"}
    assert {e.field for e in kinds.facts_errors("handover", {})} == {
        "shift_start", "shift_end", "has_concerns", "items"}
    assert [e.field for e in kinds.facts_errors("handover", {
        "shift_start": AT, "shift_end": "5pm", "has_concerns": "yes", "items": True})] == [
        "shift_end", "has_concerns", "items"]


def test_facts_count_the_kept_items_and_say_whether_any_is_a_concern() -> None:
    late = item(HandoverCategory.VISIT_LATE)
    assert facts_for(payload(late), AT, AT) == {
        "shift_start": AT, "shift_end": AT, "has_concerns": False, "items": 1}
    refused = item(HandoverCategory.DOSE_REFUSED)
    facts = facts_for(payload(late, refused), AT, AT)
    assert facts["has_concerns"] is True and facts["items"] == 2
    assert kinds.facts_errors("handover", facts) == []
    assert facts_for(empty_payload(), AT, AT)["items"] == 0


def test_items_come_out_in_sbar_order() -> None:
    p = empty_payload()
    a, b, c = (item(HandoverCategory.CONCERN) for _ in range(3))
    p["sections"]["recommendation"]["items"].append(c)
    p["sections"]["situation"]["items"].append(a)
    p["sections"]["assessment"]["items"].append(b)
    assert [i["id"] for i in items_of(p)] == [a["id"], b["id"], c["id"]]


def test_a_well_formed_payload_survives_json_and_is_valid() -> None:
    p = payload(item(HandoverCategory.FLAGGED_NOTE, for_next_worker=True, visit_id=None))
    p["text"] = "Quiet shift overall"
    assert payload_errors(json.loads(json.dumps(p))) == []


def _broken(change: str) -> Any:
    p: Any = copy.deepcopy(payload(item(HandoverCategory.CONCERN)))
    one = p["sections"]["assessment"]["items"][0]
    if change == "bad category":
        one["category"] = "gossip"
    elif change == "no id":
        del one["id"]
    elif change == "source not uuid":
        one["source_ids"] = ["Mrs Example"]
    elif change == "flag not bool":
        one["for_next_worker"] = "yes"
    elif change == "extra key":
        one["address"] = "1 Example Road"
    elif change == "missing section":
        del p["sections"]["background"]
    elif change == "duplicate id":
        p["sections"]["situation"]["items"].append(dict(one))
    elif change == "text not text":
        p["text"] = 5
    return p


@pytest.mark.parametrize(("change", "field"), [
    ("bad category", "items[0].category"), ("no id", "items[0].id"),
    ("source not uuid", "items[0].source_ids"), ("flag not bool", "items[0].for_next_worker"),
    ("extra key", "items[0].address"), ("missing section", "sections must be exactly"),
    ("duplicate id", "used twice"), ("text not text", "text must be text"),
])
def test_each_wrong_part_of_a_payload_is_named_and_no_value_is_echoed(change: str,
                                                                       field: str) -> None:
    errors = payload_errors(_broken(change))
    assert errors and any(field in e for e in errors), errors
    assert not any("Example" in e for e in errors)


def test_feed_bodies_are_checked() -> None:
    rid = str(uuid.uuid4())
    ack = {"record_id": rid, "state": "replied", "acknowledged_at": AT,
           "acknowledged_by": "Office Coordinator", "reply": "Thanks, GP booked"}
    assert ack_errors(ack) == []
    assert ack_errors({**ack, "state": "seen", "reply": 3}) == [
        "state must be acknowledged or replied", "reply must be text or null"]
    point = {"item_id": str(uuid.uuid4()), "person_id": str(uuid.uuid4()),
             "category": "dose_refused", "text": "Refused evening tablets",
             "handover_id": rid, "written_at": AT}
    assert point_errors(point) == []
    assert point_errors({**point, "person_id": None}) == ["person_id must be a UUID"]
