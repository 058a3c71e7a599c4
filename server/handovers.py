"""End-of-shift handovers at the office: stored, passed on to the next workers, answered.

A worker's `handover` record (docs/handover.md) is stored like every record; in the same
transaction the office keeps a row for its inbox from the record's clear facts (shift times,
"has concerns", item count). The SBAR text and items stay sealed in the record. The office opens
them with the escrow key only where it must: when a coordinator reads the handover (audited by
the services), and once, in the background, to pass the points meant for the next worker on to
the phones of the workers who visit that person (audited as the office's own read).

What goes back to phones (feed entities, contract in sync/handover.py):
- `handover_ack` to the author when a coordinator acknowledges or replies;
- `handover_point` per item marked for the next worker, to each other worker with that person
  in their sync scope, when the agency passes points on (default), for 7 days. An item about a
  person the author does not visit, or drawn from a record only the office may read (a
  safeguarding concern, a lone-worker alert), never leaves the office.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from server import agency_settings, datakeys, feed, sealing
from server.errors import Invalid, NotFound
from server.escrow import EnvelopeDamaged, open_envelope
from server.schema import (
    audit_log,
    handover_points,
    handover_replies,
    handovers,
    records,
    tenants,
    visits,
)
from sync import envelope, handover, kinds
from sync.codes import HandoverAckState
from sync.protocol import PushedRecord, uuid7

KIND = "handover"
REPLIES_TABLE = "handover_replies"  # bound into each sealed reply's associated data
MAX_REPLY_CHARS = 4000
POINTS_TABLE = "handover_points"  # a point's body is sealed at rest under the agency's data key
ROUTER = "handover_router"  # the office's own reader, in the audit log
POINT_MAX_AGE = timedelta(days=handover.POINT_MAX_AGE_DAYS)


class State(StrEnum):
    UNACKNOWLEDGED = "unacknowledged"
    ACKNOWLEDGED = "acknowledged"


class Staff(Protocol):
    """A coordinator acting on a handover."""

    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Handover:
    id: str
    tenant_id: str
    worker_id: str
    shift_start: str
    shift_end: str
    has_concerns: bool
    items: int
    recorded_at: str
    received_at: str
    state: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    routed_at: str | None


def from_records(conn: Connection, tenant_id: str, worker_id: str,
                 stored: Iterable[PushedRecord], received_at: datetime) -> int:
    """Inbox rows for newly stored `handover` records (same transaction as the records)."""
    rows = [{
        "tenant_id": tenant_id, "id": r.id, "worker_id": worker_id,
        "shift_start": _utc(r.facts["shift_start"]), "shift_end": _utc(r.facts["shift_end"]),
        "has_concerns": bool(r.facts["has_concerns"]), "items": int(r.facts["items"]),
        "recorded_at": r.recorded_at, "received_at": received_at.astimezone(UTC).isoformat(),
        "state": State.UNACKNOWLEDGED.value,
    } for r in stored if r.kind == KIND and not kinds.facts_errors(KIND, r.facts)]
    if rows:
        conn.execute(insert(handovers), rows)
    return len(rows)


def _utc(value: str) -> str:
    """One spelling of time (UTC), so stored times compare as text."""
    return datetime.fromisoformat(value).astimezone(UTC).isoformat()


def get(conn: Connection, tenant_id: str, handover_id: str) -> Handover:
    row = conn.execute(select(handovers).where(
        handovers.c.tenant_id == tenant_id, handovers.c.id == handover_id)).mappings().first()
    if row is None:
        raise NotFound("No such handover in your agency.")
    return Handover(**{k: row[k] for k in Handover.__dataclass_fields__})


def open_payload(conn: Connection, key: X25519PrivateKey, tenant_id: str,
                 handover_id: str) -> handover.Payload | None:
    """The handover's sealed SBAR content; None when it cannot be opened or is not a handover's
    shape (the record itself is kept as it came). Callers write the audit entry."""
    r = conn.execute(select(records.c.version, records.c.envelope).where(
        records.c.tenant_id == tenant_id, records.c.id == handover_id,
        records.c.kind == KIND)).first()
    if r is None:
        return None
    try:
        content = open_envelope(key, tenant_id, "records", handover_id, r.version, r.envelope)
    except EnvelopeDamaged:
        return None
    if handover.payload_errors(content):
        return None
    payload: handover.Payload = content  # type: ignore[assignment]  # checked just above
    return payload


def source_audiences(conn: Connection, tenant_id: str,
                     ids: Iterable[str]) -> dict[str, kinds.Audience]:
    """Who may read each source record the office holds (an addendum: as its original)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = {r.id: r for r in conn.execute(
        select(records.c.id, records.c.kind, records.c.facts, records.c.corrects)
        .where(records.c.tenant_id == tenant_id, records.c.id.in_(wanted)))}
    out: dict[str, kinds.Audience] = {}
    for rid, r in found.items():
        if r.kind not in kinds.KINDS:
            out[rid] = kinds.Audience.COORDINATOR
            continue
        corrected = None
        if r.kind == "addendum" and r.corrects in found:
            o = found[r.corrects]
            corrected = kinds.audience(o.kind, o.facts or {}) if o.kind in kinds.KINDS else None
        out[rid] = kinds.audience(r.kind, r.facts or {}, corrected)
    return out


def _office_read(conn: Connection, tenant_id: str, handover_id: str, now: datetime) -> None:
    conn.execute(insert(audit_log).values(
        tenant_id=tenant_id, at=now.isoformat(), actor_kind="office", actor_id=ROUTER,
        action="route_handover", target_kind=KIND, target_id=handover_id))


def route(conn: Connection, key: X25519PrivateKey, tenant_id: str, handover_id: str,
          now: datetime, retention_days: int) -> int:
    """Pass the handover's points for the next worker on, once; the number of feed changes."""
    claimed = conn.execute(update(handovers).where(
        handovers.c.tenant_id == tenant_id, handovers.c.id == handover_id,
        handovers.c.routed_at.is_(None)).values(routed_at=now.isoformat())).rowcount
    if claimed != 1:
        return 0  # already passed on (by this process or another)
    h = get(conn, tenant_id, handover_id)
    if now - datetime.fromisoformat(h.recorded_at) > POINT_MAX_AGE or \
            not agency_settings.handover_to_next_worker(conn, tenant_id):
        return 0
    payload = open_payload(conn, key, tenant_id, handover_id)
    _office_read(conn, tenant_id, handover_id, now)
    if payload is None:
        return 0
    wanted = [i for i in handover.items_of(payload) if i["for_next_worker"] and i["person_id"]]
    if not wanted:
        return 0
    people = {str(i["person_id"]) for i in wanted}
    # The office trusts nothing it is sent: only people the author visits.
    visited = set(conn.execute(select(visits.c.service_user_id).distinct().where(
        visits.c.tenant_id == tenant_id, visits.c.worker_id == h.worker_id,
        visits.c.service_user_id.in_(people))).scalars())
    audiences = source_audiences(conn, tenant_id, [s for i in wanted for s in i["source_ids"]])
    taken = set(conn.execute(select(handover_points.c.item_id).where(
        handover_points.c.tenant_id == tenant_id,
        handover_points.c.item_id.in_([i["id"] for i in wanted]))).scalars())
    points: list[dict[str, Any]] = []
    for item in wanted:
        person = str(item["person_id"])
        private = any(audiences.get(s, kinds.Audience.WORKER_OWN) is not kinds.Audience.WORKER_OWN
                      for s in item["source_ids"])
        if person not in visited or private or item["id"] in taken:
            continue
        body: handover.PointBody = {
            "item_id": item["id"], "person_id": person, "category": item["category"],
            "text": item["text"], "handover_id": handover_id, "written_at": h.recorded_at}
        points.append({"tenant_id": tenant_id, "item_id": item["id"],
                       "handover_id": handover_id, "author_id": h.worker_id,
                       "service_user_id": person, "written_at": _utc(h.recorded_at),
                       "body": dict(body)})
    if not points:
        return 0
    keys = datakeys.keys_for(conn, tenant_id, key)
    conn.execute(insert(handover_points), [
        {**p, "body": sealing.seal_body(keys, tenant_id, POINTS_TABLE, p["item_id"], 1,
                                        p["body"])} for p in points])
    since = (now - timedelta(days=retention_days)).isoformat()
    workers_of: dict[str, list[str]] = {}
    for w, su in conn.execute(
        select(visits.c.worker_id, visits.c.service_user_id).distinct()
        .where(visits.c.tenant_id == tenant_id,
               visits.c.service_user_id.in_({p["service_user_id"] for p in points}),
               visits.c.worker_id != h.worker_id, visits.c.end >= since)
        .order_by(visits.c.worker_id)):
        workers_of.setdefault(su, []).append(w)
    changes = [{"worker_id": w, "entity": handover.POINT_ENTITY, "entity_id": p["item_id"],
                "op": "upsert", "version": 1, "body": p["body"]}
               for p in points for w in workers_of.get(p["service_user_id"], [])]
    feed.publish(conn, tenant_id, changes)
    return len(changes)


def route_pending(engine: Engine, key: Callable[[str], X25519PrivateKey], now: datetime,
                  retention_days: int, batch: int = 100) -> int:
    """The background step (a monitor): pass on the points of handovers not yet passed on.
    `key` gives an agency's escrow key, loaded only when there is something to open."""
    with engine.begin() as conn:
        pending = conn.execute(
            select(handovers.c.tenant_id, handovers.c.id).where(handovers.c.routed_at.is_(None))
            .order_by(handovers.c.received_at).limit(batch)).all()
    sent = 0
    for tenant_id, handover_id in pending:
        private = key(tenant_id)
        with engine.begin() as conn:  # one transaction per handover: one bad one stops nothing
            sent += route(conn, private, tenant_id, handover_id, now, retention_days)
    return sent


def monitor(key: Callable[[str], X25519PrivateKey],
            retention_days: int) -> Callable[[Engine, datetime], None]:
    """`route_pending` as a monitor of the leader's loop (server/monitors.py)."""
    def run(engine: Engine, now: datetime) -> None:
        route_pending(engine, key, now, retention_days)
    return run


def acknowledge(conn: Connection, who: Staff, handover_id: str, now: datetime) -> Handover:
    """The office has read it; the author's phone hears so at its next sync. Once only."""
    found = get(conn, who.tenant_id, handover_id)
    done = conn.execute(update(handovers).where(
        handovers.c.tenant_id == who.tenant_id, handovers.c.id == handover_id,
        handovers.c.state == State.UNACKNOWLEDGED.value,
    ).values(state=State.ACKNOWLEDGED.value, acknowledged_at=now.isoformat(),
             acknowledged_by=who.id)).rowcount
    if done != 1 or found.state != State.UNACKNOWLEDGED:
        raise Invalid("This handover has already been acknowledged.")
    _tell_author(conn, who, handover_id, HandoverAckState.ACKNOWLEDGED, None)
    return get(conn, who.tenant_id, handover_id)


def reply(conn: Connection, who: Staff, handover_id: str, text: str, now: datetime) -> str:
    """A reply to the author (sealed to the agency at the office); a reply acknowledges the
    handover if nobody had. Returns the reply's id."""
    text = text.strip()
    if not text:
        raise Invalid("Write a reply before sending it.")
    if len(text) > MAX_REPLY_CHARS:
        raise Invalid(f"A reply is at most {MAX_REPLY_CHARS} characters.")
    found = get(conn, who.tenant_id, handover_id)
    if found.state == State.UNACKNOWLEDGED:
        conn.execute(update(handovers).where(
            handovers.c.tenant_id == who.tenant_id, handovers.c.id == handover_id,
            handovers.c.state == State.UNACKNOWLEDGED.value,
        ).values(state=State.ACKNOWLEDGED.value, acknowledged_at=now.isoformat(),
                 acknowledged_by=who.id))
    public = conn.execute(select(tenants.c.escrow_public_key)
                          .where(tenants.c.id == who.tenant_id)).scalar_one()
    rid = uuid7()
    sealed = envelope.seal({"reply": text}, who.tenant_id, REPLIES_TABLE, rid, 1,
                           escrow_to=base64.b64decode(public))
    conn.execute(insert(handover_replies).values(
        id=rid, tenant_id=who.tenant_id, handover_id=handover_id, at=now.isoformat(),
        by=who.id, sealed=sealed))
    _tell_author(conn, who, handover_id, HandoverAckState.REPLIED, text)
    return rid


def _tell_author(conn: Connection, who: Staff, handover_id: str, state: HandoverAckState,
                 text: str | None) -> None:
    h = get(conn, who.tenant_id, handover_id)
    replies = conn.execute(select(func.count()).select_from(handover_replies).where(
        handover_replies.c.tenant_id == who.tenant_id,
        handover_replies.c.handover_id == handover_id)).scalar_one()
    body: handover.AckBody = {
        "record_id": handover_id, "state": state.value,
        "acknowledged_at": h.acknowledged_at or "", "acknowledged_by": who.name,
        "reply": text}
    feed.publish(conn, who.tenant_id, [{
        "worker_id": h.worker_id, "entity": handover.ACK_ENTITY, "entity_id": handover_id,
        "op": "upsert", "version": 1 + int(replies), "body": dict(body)}])


def recent_points(conn: Connection, tenant_id: str, people: list[str], worker_id: str,
                  now: datetime) -> list[dict[str, Any]]:
    """Points of the last 7 days about people newly in a worker's scope (not their own), for
    a full resync: without them a phone that resyncs would lose what the last worker said."""
    if not people:
        return []
    since = (now - POINT_MAX_AGE).isoformat()
    rows = conn.execute(_RECENT_POINTS, {"tenant": tenant_id, "people": people,
                                         "worker": worker_id, "since": since}).all()
    if not rows:
        return []
    keys = datakeys.keys_for(conn, tenant_id)
    out = []
    for r in rows:
        try:
            body = sealing.open_body(keys, tenant_id, POINTS_TABLE, r.item_id, 1, r.body)
        except sealing.EnvelopeDamaged:
            continue  # a damaged point is not worth a failed resync
        out.append({"entity": handover.POINT_ENTITY, "entity_id": r.item_id, "op": "upsert",
                    "version": 1, "body": body})
    return out


# Every full resync runs it: built once (bound parameters), not per call.
_RECENT_POINTS = (
    select(handover_points.c.item_id, handover_points.c.body)
    .where(handover_points.c.tenant_id == bindparam("tenant"),
           handover_points.c.service_user_id.in_(bindparam("people", expanding=True)),
           handover_points.c.author_id != bindparam("worker"),
           handover_points.c.written_at >= bindparam("since"))
    .order_by(handover_points.c.written_at, handover_points.c.item_id))
