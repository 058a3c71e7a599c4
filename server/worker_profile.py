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

import time
from threading import Lock
from typing import Any

from sqlalchemy import Connection, select, update

from server import feed
from server.errors import NotFound
from server.schema import coordinators, workers

WORKER_ENTITY = "worker"
STAFF_CAP = 100  # a witness is someone at the home: coordinators and the area come first


STAFF_FRESH_SECONDS = 30.0  # a new colleague reaches the lists within this (and the next sync)
_staff_kept: dict[tuple[str, str], tuple[float, list[dict[str, str]]]] = {}
_staff_lock = Lock()


def staff(conn: Connection, tenant_id: str, worker_id: str, area: str | None = None
          ) -> list[dict[str, str]]:
    """Colleagues who may witness a controlled drug: [{id, name, role}], by name; `area`: the
    worker's, when the caller has read it.

    Coordinators first, then care workers of the worker's own area, then the rest, until
    STAFF_CAP. Every phone's full sync asks for it and an agency may employ thousands, so each
    area's list is read with limits (indexes workers_by_area_name and workers_by_name) and kept
    for STAFF_FRESH_SECONDS, shared by the area's workers (each left off their own)."""
    if area is None:
        area = conn.execute(select(workers.c.area).where(
            workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).scalar() or ""
    kept = [s for s in _area_staff(conn, tenant_id, area) if s["id"] != worker_id]
    return sorted(kept[:STAFF_CAP], key=lambda s: (s["name"], s["id"]))


def _area_staff(conn: Connection, tenant_id: str, area: str) -> list[dict[str, str]]:
    """An area's list in priority order, one longer than STAFF_CAP (room for the worker)."""
    now = time.monotonic()
    kept = _staff_kept.get((tenant_id, area))
    if kept is not None and 0 <= now - kept[0] < STAFF_FRESH_SECONDS:
        return kept[1]
    cap = STAFF_CAP + 1
    found = [{"id": r.id, "name": r.name, "role": r.role} for r in conn.execute(
        select(coordinators.c.id, coordinators.c.name, coordinators.c.role).where(
            coordinators.c.tenant_id == tenant_id, coordinators.c.active.is_(True))
        .order_by(coordinators.c.name, coordinators.c.id).limit(cap))]
    colleagues = (workers.c.tenant_id == tenant_id, workers.c.active.is_(True))
    for same_area in (workers.c.area == area, workers.c.area != area):
        room = cap - len(found)
        if room <= 0:
            break
        found += [{"id": r.id, "name": r.name, "role": "care_worker"} for r in conn.execute(
            select(workers.c.id, workers.c.name).where(*colleagues, same_area)
            .order_by(workers.c.name, workers.c.id).limit(room))]
    with _staff_lock:
        if len(_staff_kept) > 10_000:  # a server that runs for months: start again
            _staff_kept.clear()
        _staff_kept[(tenant_id, area)] = (now, found)
    return found


def forget() -> None:
    """Drop the kept lists (a test that changes the staff and looks again at once)."""
    with _staff_lock:
        _staff_kept.clear()


def change(conn: Connection, tenant_id: str, worker_id: str,
           known: tuple[bool, str] | None = None) -> dict[str, Any]:
    """The worker's profile as a feed change (an upsert of the whole profile); `known`
    (NEWS2-trained, area) when the caller has read them already."""
    if known is None:
        me = conn.execute(select(workers.c.news2_trained, workers.c.area).where(
            workers.c.tenant_id == tenant_id, workers.c.id == worker_id)).first()
        known = (bool(me.news2_trained), me.area or "") if me is not None else (False, "")
    trained, area = known
    return {"worker_id": worker_id, "entity": WORKER_ENTITY, "entity_id": worker_id,
            "op": "upsert", "version": 1,
            "body": {"news2_trained": trained, "staff": staff(conn, tenant_id, worker_id, area)}}


def set_news2_trained(conn: Connection, tenant_id: str, worker_id: str, trained: bool) -> None:
    """Record whether the worker takes observations, and tell their phone at its next sync.

    Phones apply a worker's changes in feed order, so the latest setting wins."""
    done = conn.execute(update(workers).where(
        workers.c.tenant_id == tenant_id, workers.c.id == worker_id,
    ).values(news2_trained=trained)).rowcount
    if done != 1:
        raise NotFound("No such worker.")
    feed.publish(conn, tenant_id, [change(conn, tenant_id, worker_id)])
