"""A worker's profile as their phone holds it: what the office decides about that worker.

Today one setting: `news2_trained`, whether the worker is trained to take observations, so the
phone offers the NEWS2 calculator (DOMAIN.md "Escalation"). The office sets it per worker; it
reaches the phone as a `worker` change in that worker's feed, and in every full resync, so a
phone cannot switch it on for itself. Nothing personal travels: the worker's own id and flags.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from server import feed
from server.errors import NotFound
from server.schema import workers

WORKER_ENTITY = "worker"


def change(conn: Connection, tenant_id: str, worker_id: str) -> dict[str, Any]:
    """The worker's profile as a feed change (an upsert of the whole profile)."""
    trained = conn.execute(select(workers.c.news2_trained).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).scalar()
    return {"worker_id": worker_id, "entity": WORKER_ENTITY, "entity_id": worker_id,
            "op": "upsert", "version": 1, "body": {"news2_trained": bool(trained)}}


def set_news2_trained(conn: Connection, tenant_id: str, worker_id: str, trained: bool) -> None:
    """Record whether the worker takes observations, and tell their phone at its next sync.

    Phones apply a worker's changes in feed order, so the latest setting wins."""
    done = conn.execute(update(workers).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id,
    ).values(news2_trained=trained)).rowcount
    if done != 1:
        raise NotFound("No such worker.")
    feed.publish(conn, tenant_id, [change(conn, tenant_id, worker_id)])
