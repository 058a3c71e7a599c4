"""A worker's profile as their phone holds it: what the office decides about that worker.

`news2_trained`: whether the worker is trained to take observations, so the phone offers the
NEWS2 calculator (DOMAIN.md "Escalation"). The office sets it per worker; it reaches the phone
as a `worker` change in that worker's feed, and in every full resync, so a phone cannot switch it
on for itself. `staff`: the colleagues a controlled drug's witness is picked from (DOMAIN.md
"Controlled drugs": a named member of staff, not the worker) — the agency's active coordinators
and care workers (coordinators, then the worker's own area, then the rest), at most STAFF_CAP,
never the worker themself.
Nothing about the people cared for travels here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from server import feed
from server.errors import NotFound
from server.schema import coordinators, workers

WORKER_ENTITY = "worker"
STAFF_CAP = 100  # a witness is someone at the home: coordinators and the area come first


def staff(conn: Connection, tenant_id: str, worker_id: str) -> list[dict[str, str]]:
    """Colleagues who may witness a controlled drug: [{id, name, role}], by name.

    Coordinators first, then care workers of the worker's own area, then the rest, until
    STAFF_CAP: each part a query that stops at the cap (indexes workers_by_area_name and
    workers_by_name), since every phone's full sync asks for it and an agency may employ
    thousands."""
    area = conn.execute(select(workers.c.area).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).scalar() or ""
    found = [{"id": r.id, "name": r.name, "role": r.role} for r in conn.execute(
        select(coordinators.c.id, coordinators.c.name, coordinators.c.role).where(
            coordinators.c.tenant_id == tenant_id, coordinators.c.active.is_(True))
        .order_by(coordinators.c.name, coordinators.c.id).limit(STAFF_CAP))]
    colleagues = (workers.c.tenant_id == tenant_id, workers.c.active.is_(True),
                  workers.c.id != worker_id)
    for same_area in (workers.c.area == area, workers.c.area != area):
        room = STAFF_CAP - len(found)
        if room <= 0:
            break
        found += [{"id": r.id, "name": r.name, "role": "care_worker"} for r in conn.execute(
            select(workers.c.id, workers.c.name).where(*colleagues, same_area)
            .order_by(workers.c.name, workers.c.id).limit(room))]
    return sorted(found, key=lambda s: (s["name"], s["id"]))


def change(conn: Connection, tenant_id: str, worker_id: str) -> dict[str, Any]:
    """The worker's profile as a feed change (an upsert of the whole profile)."""
    trained = conn.execute(select(workers.c.news2_trained).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).scalar()
    return {"worker_id": worker_id, "entity": WORKER_ENTITY, "entity_id": worker_id,
            "op": "upsert", "version": 1,
            "body": {"news2_trained": bool(trained), "staff": staff(conn, tenant_id, worker_id)}}


def set_news2_trained(conn: Connection, tenant_id: str, worker_id: str, trained: bool) -> None:
    """Record whether the worker takes observations, and tell their phone at its next sync.

    Phones apply a worker's changes in feed order, so the latest setting wins."""
    done = conn.execute(update(workers).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id,
    ).values(news2_trained=trained)).rowcount
    if done != 1:
        raise NotFound("No such worker.")
    feed.publish(conn, tenant_id, [change(conn, tenant_id, worker_id)])
