"""A worker's current scope, for a full resync, and compaction of the change feed.

A phone whose cursor is unknown or older than what the feed still keeps gets `reset` and the
worker's scope as it is now: their visits from the retention window on, the people those
visits are for, those people's care plans and medicines, and the worker's own profile
(server/worker_profile.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    cast,
    delete,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)

from server import datakeys, handovers, record_hooks, worker_profile
from server.clock import SYSTEM_CLOCK
from server.schema import care_plans, feed, feed_floor, medicines, service_users, tenants, visits
from server.sealing import open_body

_VISIT_FIELDS = ("worker_id", "service_user_id", "visit_type", "start", "end", "status")

# A morning of full resyncs runs these once per phone: built once here (bound parameters),
# not per call, since building a statement cost about as much as running it.
_VISITS = select(visits).where(
    visits.c.tenant_id == bindparam("tenant"), visits.c.worker_id == bindparam("worker"),
    visits.c.end >= bindparam("since")).order_by(visits.c.start)
_BODIES = union_all(*[
    select(literal(rank).label("rank"), literal(entity).label("entity"), table.c.id,
           table.c.version,
           (table.c.service_user_id if table is not service_users
            else cast(null(), String)).label("service_user_id"),
           table.c.body)
    .where(table.c.tenant_id == bindparam("tenant"),
           key.in_(bindparam("people", expanding=True)))
    for rank, (table, entity, key) in enumerate((
        (service_users, "service_user", service_users.c.id),
        (care_plans, "care_plan", care_plans.c.service_user_id),
        (medicines, "medicine", medicines.c.service_user_id)))
]).order_by("rank")


def floor(conn: Connection, tenant_id: str) -> int:
    value = conn.execute(
        select(feed_floor.c.seq).where(feed_floor.c.tenant_id == tenant_id)
    ).scalar()
    return int(value or 0)


def clock(conn: Connection, tenant_id: str) -> int:
    return int(conn.execute(select(tenants.c.clock).where(tenants.c.id == tenant_id)).scalar_one())


def current_scope(
    conn: Connection, tenant_id: str, worker_id: str, retention_days: int,
    now: datetime | None = None, *, profile: tuple[bool, str] | None = None,
) -> list[dict[str, Any]]:
    """Every entity the worker's phone should hold now, as upserts (feed-change shaped).
    `profile` (NEWS2-trained, area), when the caller has read it already."""
    since = ((now or SYSTEM_CLOCK.now()) - timedelta(days=retention_days)).isoformat()
    rows = conn.execute(_VISITS, {"tenant": tenant_id, "worker": worker_id, "since": since}
                        ).mappings().all()
    people = sorted({v["service_user_id"] for v in rows})
    out: list[dict[str, Any]] = []
    if people:
        # People, then their care plans, then their medicines: one query, one round trip.
        keys = datakeys.keys_for(conn, tenant_id)
        tables = {"service_user": "service_users", "care_plan": "care_plans",
                  "medicine": "medicines"}
        for r in conn.execute(_BODIES, {"tenant": tenant_id, "people": people}):
            body = open_body(keys, tenant_id, tables[r.entity], r.id, r.version, r.body)
            body["id"] = r.id
            if r.service_user_id is not None:
                body["service_user_id"] = r.service_user_id
            out.append({"entity": r.entity, "entity_id": r.id, "op": "upsert",
                        "version": r.version, "body": body})
    out += record_hooks.recent_doses(conn, tenant_id, people, worker_id, now)
    out += handovers.recent_points(conn, tenant_id, people, worker_id, now or SYSTEM_CLOCK.now())
    out += [{"entity": "visit", "entity_id": v["id"], "op": "upsert", "version": v["version"],
             "body": {k: v[k] for k in _VISIT_FIELDS}} for v in rows]
    change = worker_profile.change(conn, tenant_id, worker_id, profile)
    out.append({k: v for k, v in change.items() if k != "worker_id"})
    return out


def compact_feed(conn: Connection, tenant_id: str, up_to_seq: int) -> int:
    """Drop feed changes at or below `up_to_seq`; cursors below it then resync in full."""
    removed = conn.execute(
        delete(feed).where(feed.c.tenant_id == tenant_id, feed.c.seq <= up_to_seq)
    ).rowcount
    if conn.execute(update(feed_floor).where(feed_floor.c.tenant_id == tenant_id)
                    .values(seq=up_to_seq)).rowcount == 0:
        conn.execute(insert(feed_floor).values(tenant_id=tenant_id, seq=up_to_seq))
    return int(removed or 0)
