"""A worker's profile as their phone holds it: what the office decides about that worker.

`news2_trained`: whether the worker is trained to take observations, so the phone offers the
NEWS2 calculator (DOMAIN.md "Escalation"). The office sets it per worker; it reaches the phone
as a `worker` change in that worker's feed, and in every full resync, so a phone cannot switch it
on for itself. `staff`: the colleagues a controlled drug's witness is picked from (DOMAIN.md
"Controlled drugs": a named member of staff, not the worker) — the agency's active coordinators
and care workers, the worker's own area first, at most STAFF_CAP, never the worker themself.
Nothing about the people cared for travels here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from server import feed
from server.errors import NotFound
from server.schema import coordinators, workers

WORKER_ENTITY = "worker"
STAFF_CAP = 200  # a national provider's staff would not fit a phone's picker, nor need to


def staff(conn: Connection, tenant_id: str, worker_id: str) -> list[dict[str, str]]:
    """Colleagues who may witness a controlled drug: [{id, name, role}], by name."""
    area = conn.execute(select(workers.c.area).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).scalar()
    found = [{"id": r.id, "name": r.name, "role": "care_worker", "area": r.area}
             for r in conn.execute(select(workers.c.id, workers.c.name, workers.c.area).where(
                 workers.c.tenant_id == tenant_id, workers.c.active.is_(True),
                 workers.c.id != worker_id))]
    found += [{"id": r.id, "name": r.name, "role": r.role, "area": ""}
              for r in conn.execute(select(coordinators.c.id, coordinators.c.name,
                                           coordinators.c.role).where(
                  coordinators.c.tenant_id == tenant_id, coordinators.c.active.is_(True)))]
    # Coordinators and the worker's own area first when the list must be cut.
    found.sort(key=lambda s: (s["role"] == "care_worker" and s["area"] != area, s["name"],
                              s["id"]))
    kept = found[:STAFF_CAP]
    return sorted(({"id": s["id"], "name": s["name"], "role": s["role"]} for s in kept),
                  key=lambda s: (s["name"], s["id"]))


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
