"""What the office does, in the same transaction, when new worker records arrive.

Each hook sees only the clear part of a record (ids, times, kind, `facts`), never its sealed
content, except a lone-worker record's few codes (server/lone_records.py).

Dose sharing: PRN limits and "one outcome per dose" must hold offline across workers, so every
stored dose outcome is published as a `dose` change (clear facts only) to the feeds of the other
workers who have visits for that person. A correction of a dose's outcome republishes the same
entity with a higher version, so phones hold each dose's current outcome. The effect recorded for
an as-needed dose travels the same way (`dose_effect`, clear facts only), so a colleague's phone
does not ask again for an effect already recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select

from server import cd_stock, escalations, feed, handovers, lone_records, office_checks, welfare
from server.clock import SYSTEM_CLOCK
from server.schema import records, visits
from sync.protocol import PushedRecord

DOSE_ENTITY = "dose"
EFFECT_ENTITY = "dose_effect"


def after_store(
    conn: Connection, tenant_id: str, worker_id: str, stored: list[PushedRecord],
    escrow: lone_records.EscrowKey | None = None,
) -> None:
    """Called by the sync service after `stored` records were inserted (same transaction).

    Lone-worker records are the one exception to "clear facts only": what they say is sealed
    on the phone (a duress alert must look like any other), so they are opened with `escrow`."""
    share_doses(conn, tenant_id, worker_id,
                [(r.id, r.kind, r.service_user_id, r.corrects, r.facts) for r in stored])
    now = SYSTEM_CLOCK.now()
    told = lone_records.read(tenant_id, stored, escrow)
    escalations.raise_from_records(conn, tenant_id, worker_id, told, now)
    office_checks.from_records(conn, tenant_id, stored, now)
    cd_stock.from_records(conn, tenant_id, worker_id, stored, now)
    welfare.from_records(conn, tenant_id, worker_id, told, now)
    handovers.from_records(conn, tenant_id, worker_id, stored, now)


def share_doses(
    conn: Connection, tenant_id: str, author_id: str,
    stored: Iterable[tuple[str, str, str | None, str | None, dict[str, Any]]],
) -> None:
    """Publish dose facts of (id, kind, service_user_id, corrects, facts) records."""
    changes: list[dict[str, Any]] = []
    for rid, kind, su, corrects, facts in stored:
        if su is None:
            continue
        if kind == "dose_outcome" and _dose_facts_ok(facts):
            body = _body(su, facts, author_id)
            changes += _to_others(conn, tenant_id, su, author_id, rid, 1, body)
        elif kind == "dose_effect" and _effect_facts_ok(facts):
            changes += _to_others(conn, tenant_id, su, author_id, rid, 1,
                                  _effect_body(su, facts, author_id), EFFECT_ENTITY)
        elif kind == "addendum" and corrects and facts.get("outcome") and \
                facts.get("corrects_kind") == "dose_outcome":
            original = conn.execute(
                select(records.c.worker_id, records.c.facts, records.c.service_user_id)
                .where(records.c.id == corrects, records.c.tenant_id == tenant_id,
                       records.c.kind == "dose_outcome")
            ).first()
            if original is None or not _dose_facts_ok(original.facts):
                continue
            count = conn.execute(
                select(records.c.id).where(records.c.corrects == corrects,
                                           records.c.tenant_id == tenant_id)
            ).all()
            body = _body(su, {**original.facts, "outcome": facts["outcome"]},
                         original.worker_id)
            # Everyone but whoever corrected it (their phone already knows); a coordinator's
            # correction reaches the original author's phone too.
            changes += _to_others(conn, tenant_id, su, author_id, corrects,
                                  1 + len(count), body)
    feed.publish(conn, tenant_id, changes)


def _dose_facts_ok(facts: dict[str, Any]) -> bool:
    return bool(facts.get("medicine_id") and facts.get("actual_at") and facts.get("outcome"))


# Clear dose facts shared only when the dose has them: the amount given, the active
# ingredient's mg (24 h maximum by amount) and a patch's site (rotation), offline.
_AMOUNT_FACTS = ("amount", "mg", "patch_site")


def _body(su: str, facts: dict[str, Any], worker_id: str) -> dict[str, Any]:
    return {"service_user_id": su, "medicine_id": facts["medicine_id"],
            "scheduled_at": facts.get("scheduled_at"), "actual_at": facts["actual_at"],
            "outcome": facts["outcome"], "worker_id": worker_id,
            **{k: facts[k] for k in _AMOUNT_FACTS if facts.get(k) is not None}}


def _effect_facts_ok(facts: dict[str, Any]) -> bool:
    return all(facts.get(k) for k in ("dose_record_id", "medicine_id", "dose_at", "effect"))


def _effect_body(su: str, facts: dict[str, Any], worker_id: str) -> dict[str, Any]:
    return {"service_user_id": su, "dose_record_id": facts["dose_record_id"],
            "medicine_id": facts["medicine_id"], "dose_at": facts["dose_at"],
            "effect": facts["effect"], "worker_id": worker_id}


def _to_others(conn: Connection, tenant_id: str, su: str, author_id: str, entity_id: str,
               version: int, body: dict[str, Any], entity: str = DOSE_ENTITY,
               ) -> list[dict[str, Any]]:
    others = conn.execute(
        select(visits.c.worker_id).distinct()
        .where(visits.c.tenant_id == tenant_id, visits.c.service_user_id == su,
               visits.c.worker_id != author_id)
        .order_by(visits.c.worker_id)
    ).scalars().all()
    return [{"worker_id": w, "entity": entity, "entity_id": entity_id, "op": "upsert",
             "version": version, "body": body} for w in others]


RECENT_DOSES = timedelta(hours=48)


def recent_doses(conn: Connection, tenant_id: str, people: list[str], worker_id: str,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """Dose facts from the last 48 h for people newly in a worker's scope (not their own), by
    person, then in the order the office received them, then the effects colleagues recorded
    for as-needed doses in those 48 h (one query for both, one more for corrections, however
    many people).

    Without them a worker put on a visit this afternoon could not see the morning's PRN dose
    given by a colleague, and the offline limit would not hold; nor know its effect was
    already recorded.
    """
    if not people:
        return []
    since = ((now or SYSTEM_CLOCK.now()) - RECENT_DOSES).isoformat()
    found = conn.execute(_RECENT, {"tenant": tenant_id, "people": people,
                                   "worker": worker_id, "since": since}).all()
    rows = [r for r in found if r.kind == "dose_outcome" and _dose_facts_ok(r.facts)]
    corrections: dict[str, list[dict[str, Any]]] = {}
    if rows:
        for c in conn.execute(
            select(records.c.corrects, records.c.facts)
            .where(records.c.corrects.in_([r.id for r in rows]),
                   records.c.tenant_id == tenant_id)
            .order_by(records.c.seq)
        ):
            corrections.setdefault(c.corrects, []).append(c.facts)
    out = []
    for r in rows:
        facts = dict(r.facts)
        fixes = corrections.get(r.id, [])
        for fix in fixes:
            if fix.get("outcome"):
                facts["outcome"] = fix["outcome"]
        out.append({"entity": DOSE_ENTITY, "entity_id": r.id, "op": "upsert",
                    "version": 1 + len(fixes), "body": _body(r.service_user_id, facts,
                                                             r.worker_id)})
    out += [{"entity": EFFECT_ENTITY, "entity_id": r.id, "op": "upsert", "version": 1,
             "body": _effect_body(r.service_user_id, r.facts, r.worker_id)}
            for r in found if r.kind == "dose_effect" and _effect_facts_ok(r.facts)]
    return out


# Outcomes and effects in one query, built once (every full resync runs it): by person, then
# in the order the office received them.
_RECENT = (
    select(records.c.id, records.c.kind, records.c.worker_id, records.c.service_user_id,
           records.c.facts)
    .where(records.c.tenant_id == bindparam("tenant"),
           records.c.service_user_id.in_(bindparam("people", expanding=True)),
           records.c.kind.in_(("dose_outcome", "dose_effect")),
           records.c.worker_id != bindparam("worker"),
           records.c.received_at >= bindparam("since"))
    .order_by(records.c.service_user_id, records.c.seq))
