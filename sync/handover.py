"""The handover contract's shapes: the sealed SBAR payload, its clear facts, and the feed bodies.

Shared by the phone (which drafts, seals and queues a `handover` record) and the office (which
opens it, acknowledges it and passes points on to the next worker). docs/handover.md is the prose
version; `payload_errors`, `ack_errors` and `point_errors` check a decoded dict against it and
name what is wrong without echoing any value (the text is personal). Stdlib only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from sync.codes import HandoverAckState, HandoverCategory

SECTIONS: tuple[str, ...] = ("situation", "background", "assessment", "recommendation")
SectionName = Literal["situation", "background", "assessment", "recommendation"]

ACK_ENTITY = "handover_ack"  # entity_id: the handover record id; to the author's phone
POINT_ENTITY = "handover_point"  # entity_id: the item id; to workers with the person in scope
NEXT_WORKER_SETTING = "handover_to_next_worker"  # agency setting, default on
POINT_MAX_AGE_DAYS = 7  # points older than this are not sent


class Item(TypedDict):
    """One drafted point: what it is about, and the records it comes from."""

    id: str
    category: str  # a HandoverCategory code
    text: str
    source_ids: list[str]
    person_id: str | None
    visit_id: str | None
    for_next_worker: bool


class Section(TypedDict):
    text: str
    items: list[Item]


class Payload(TypedDict):
    """The handover record's sealed content."""

    text: str
    sections: dict[str, Section]


class AckBody(TypedDict):
    record_id: str
    state: str  # a HandoverAckState code
    acknowledged_at: str
    acknowledged_by: str
    reply: str | None


class PointBody(TypedDict):
    item_id: str
    person_id: str
    category: str
    text: str
    handover_id: str
    written_at: str


def empty_payload() -> Payload:
    return {"text": "", "sections": {name: {"text": "", "items": []} for name in SECTIONS}}


def items_of(payload: Payload) -> list[Item]:
    """Every item, section by section in SBAR order."""
    return [item for name in SECTIONS for item in payload["sections"][name]["items"]]


def facts_for(payload: Payload, shift_start: str, shift_end: str) -> dict[str, Any]:
    """The handover record's clear facts (sync/kinds.py), computed from what the worker kept."""
    kept = items_of(payload)
    return {"shift_start": shift_start, "shift_end": shift_end,
            "has_concerns": any(HandoverCategory(i["category"]).is_concern for i in kept),
            "items": len(kept)}


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _optional_uuid(value: object) -> bool:
    return value is None or _is_uuid(value)


def _item_errors(item: object, where: str) -> list[str]:
    if not isinstance(item, Mapping):
        return [f"{where} must be an object"]
    errors = [f"{where}.{k} is not part of an item" for k in item if k not in Item.__annotations__]
    checks: Sequence[tuple[str, bool, str]] = (
        ("id", _is_uuid(item.get("id")), "must be a UUID"),
        ("category", item.get("category") in tuple(HandoverCategory),
         "must be a handover category"),
        ("text", isinstance(item.get("text"), str), "must be text"),
        ("source_ids", isinstance(item.get("source_ids"), list)
         and all(_is_uuid(s) for s in item.get("source_ids", [])), "must be a list of UUIDs"),
        ("person_id", _optional_uuid(item.get("person_id")), "must be a UUID or null"),
        ("visit_id", _optional_uuid(item.get("visit_id")), "must be a UUID or null"),
        ("for_next_worker", isinstance(item.get("for_next_worker"), bool),
         "must be true or false"),
    )
    return errors + [f"{where}.{name} {problem}" for name, ok, problem in checks if not ok]


def payload_errors(payload: object) -> list[str]:
    """Everything wrong with a decoded sealed payload (empty: it is a valid handover)."""
    if not isinstance(payload, Mapping):
        return ["payload must be an object"]
    errors = [f"{k} is not part of a handover" for k in payload if k not in ("text", "sections")]
    if not isinstance(payload.get("text"), str):
        errors.append("text must be text")
    sections = payload.get("sections")
    if not isinstance(sections, Mapping) or set(sections) != set(SECTIONS):
        return [*errors, "sections must be exactly " + ", ".join(SECTIONS)]
    ids: set[str] = set()
    for name in SECTIONS:
        section = sections[name]
        if not isinstance(section, Mapping) or not isinstance(section.get("text"), str) \
                or not isinstance(section.get("items"), list):
            errors.append(f"sections.{name} must hold text and items")
            continue
        for n, item in enumerate(section["items"]):
            errors += _item_errors(item, f"sections.{name}.items[{n}]")
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                if item["id"] in ids:
                    errors.append(f"sections.{name}.items[{n}].id is used twice")
                ids.add(item["id"])
    return errors


def ack_errors(body: object) -> list[str]:
    """Everything wrong with a `handover_ack` feed body."""
    if not isinstance(body, Mapping):
        return ["body must be an object"]
    checks = (
        ("record_id", _is_uuid(body.get("record_id")), "must be a UUID"),
        ("state", body.get("state") in tuple(HandoverAckState),
         "must be " + " or ".join(HandoverAckState)),
        ("acknowledged_at", isinstance(body.get("acknowledged_at"), str), "must be a time"),
        ("acknowledged_by", isinstance(body.get("acknowledged_by"), str), "must be text"),
        ("reply", body.get("reply") is None or isinstance(body.get("reply"), str),
         "must be text or null"),
    )
    return [f"{name} {problem}" for name, ok, problem in checks if not ok]


def point_errors(body: object) -> list[str]:
    """Everything wrong with a `handover_point` feed body."""
    if not isinstance(body, Mapping):
        return ["body must be an object"]
    checks = (
        ("item_id", _is_uuid(body.get("item_id")), "must be a UUID"),
        ("person_id", _is_uuid(body.get("person_id")), "must be a UUID"),
        ("category", body.get("category") in tuple(HandoverCategory),
         "must be a handover category"),
        ("text", isinstance(body.get("text"), str), "must be text"),
        ("handover_id", _is_uuid(body.get("handover_id")), "must be a UUID"),
        ("written_at", isinstance(body.get("written_at"), str), "must be a time"),
    )
    return [f"{name} {problem}" for name, ok, problem in checks if not ok]
