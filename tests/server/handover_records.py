"""Builders for handover tests: SBAR payloads, sealed handover records, an enrolled device."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from fieldapp.vault.dek import Sealer
from server import enrolment
from server.enrolment import DeviceIdentity
from sync import handover
from sync.protocol import PushedRecord, SyncRequest
from tests.factories import code_for


def item(category: str, text: str, *, person_id: str | None = None,
         source_ids: tuple[str, ...] = (), visit_id: str | None = None,
         for_next_worker: bool = True) -> handover.Item:
    return {"id": str(uuid.uuid4()), "category": category, "text": text,
            "source_ids": list(source_ids), "person_id": person_id, "visit_id": visit_id,
            "for_next_worker": for_next_worker}


def payload(text: str = "A steady shift.", **items: list[handover.Item]) -> handover.Payload:
    """A payload with `items` by section name (situation, background, ...)."""
    out = handover.empty_payload()
    out["text"] = text
    for name in handover.SECTIONS:
        out["sections"][name]["text"] = f"{name.title()} as I found it."
        out["sections"][name]["items"] = list(items.get(name, []))
    return out


def handover_record(sealer: Sealer, body: handover.Payload, *, shift_start: datetime,
                    shift_end: datetime, recorded_at: datetime | None = None,
                    rid: str | None = None) -> PushedRecord:
    rid = rid or str(uuid.uuid4())
    env = sealer.seal("records", rid, 1, dict(body), escrow=True)
    facts = handover.facts_for(body, shift_start.isoformat(), shift_end.isoformat())
    at = recorded_at or shift_end + timedelta(minutes=5)
    return PushedRecord(rid, "handover", None, None, at.astimezone(UTC).isoformat(), 1, env,
                        None, facts)


def record(sealer: Sealer, kind: str, visit_id: str | None, person_id: str | None,
           facts: dict[str, Any], content: dict[str, Any] | None = None) -> PushedRecord:
    rid = str(uuid.uuid4())
    env = sealer.seal("records", rid, 1, content or {"text": "Recorded at the visit"},
                      escrow=True)
    return PushedRecord(rid, kind, visit_id, person_id, datetime.now(UTC).isoformat(), 1, env,
                        None, facts)


def device_for(engine: Engine, worker_id: str) -> DeviceIdentity:
    data = enrolment.enrol(engine, code_for(engine, worker_id))
    return enrolment.authenticate(engine, data["device_token"])


def push(*records: PushedRecord) -> SyncRequest:
    return SyncRequest(protocol=1, cursor=None, push=list(records))
