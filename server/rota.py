"""Putting visits on a worker's rota, and publishing what that worker's phone then needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, insert, select, update

from server import datakeys, feed, handovers, record_hooks
from server.clock import SYSTEM_CLOCK
from server.errors import Invalid, NotFound
from server.schema import care_plans, medicines, service_users, visits
from server.schema import feed as feed_table
from server.sealing import open_body

_VISIT_FIELDS = ("worker_id", "service_user_id", "visit_type", "start", "end", "status")


def add_visits(conn: Connection, tenant_id: str, new_visits: list[dict[str, Any]]) -> None:
    """Insert visits and publish each, with the person's record, plan and medicines, to its worker.

    Runs inside the caller's transaction, so the rota and the feed change together.
    """
    changes: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    carried: set[tuple[str, str]] = set()
    for v in new_visits:
        row = {k: v[k] for k in ("id", *_VISIT_FIELDS) if k in v}
        row.setdefault("status", "scheduled")
        # One spelling of time everywhere (UTC, +00:00), so string order is time order.
        row["start"], row["end"] = utc_iso(row["start"]), utc_iso(row["end"])
        rows.append({"tenant_id": tenant_id, "version": 1, **row})
        key = (row["worker_id"], row["service_user_id"])
        if key not in carried:
            carried.add(key)
            changes.extend(_scope_changes(conn, tenant_id, *key))
        changes.append(
            {"worker_id": row["worker_id"], "entity": "visit", "entity_id": row["id"],
             "op": "upsert", "version": 1, "body": {k: row[k] for k in _VISIT_FIELDS}}
        )
    if rows:
        conn.execute(insert(visits), rows)
    feed.publish(conn, tenant_id, changes)


def utc_iso(value: str) -> str:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise Invalid("Visit times must include a timezone offset.")
    return parsed.astimezone(UTC).isoformat()


def _scope_changes(
    conn: Connection, tenant_id: str, worker_id: str, service_user_id: str
) -> list[dict[str, Any]]:
    """The person's data, unless this worker's feed already carries it."""
    if _worker_holds(conn, tenant_id, worker_id, service_user_id):
        return []
    out: list[dict[str, Any]] = []
    keys = datakeys.keys_for(conn, tenant_id)
    person = conn.execute(
        select(service_users).where(service_users.c.id == service_user_id,
                                    service_users.c.tenant_id == tenant_id)
    ).mappings().one()
    out.append(_change(keys, tenant_id, worker_id, "service_user", "service_users", person))
    for table, entity in ((care_plans, "care_plan"), (medicines, "medicine")):
        for row in conn.execute(
            select(table).where(table.c.service_user_id == service_user_id,
                                table.c.tenant_id == tenant_id)
        ).mappings():
            out.append(_change(keys, tenant_id, worker_id, entity, table.name, row))
    out += [{"worker_id": worker_id, **c} for c in
            record_hooks.recent_doses(conn, tenant_id, [service_user_id], worker_id)]
    # What the last workers handed over about this person (the week's points).
    out += [{"worker_id": worker_id, **c} for c in handovers.recent_points(
        conn, tenant_id, [service_user_id], worker_id, SYSTEM_CLOCK.now())]
    return out


def _worker_holds(conn: Connection, tenant_id: str, worker_id: str, entity_id: str) -> bool:
    """Whether the worker's feed currently carries this entity (its latest change is an upsert)."""
    latest = conn.execute(
        select(feed_table.c.op)
        .where(feed_table.c.tenant_id == tenant_id, feed_table.c.worker_id == worker_id,
               feed_table.c.entity_id == entity_id)
        .order_by(feed_table.c.seq.desc()).limit(1)
    ).scalar()
    return latest == "upsert"


def reassign_visit(conn: Connection, tenant_id: str, visit_id: str, new_worker_id: str) -> None:
    """Move a visit to another worker: backfill the new worker's phone, clear the old one's.

    The old worker keeps the person's record only while another of their visits needs it.
    """
    visit = conn.execute(
        select(visits).where(visits.c.id == visit_id, visits.c.tenant_id == tenant_id)
    ).mappings().first()
    if visit is None:
        raise NotFound("No visit with that id in this agency.")
    old_worker = visit["worker_id"]
    if old_worker == new_worker_id:
        return
    version = visit["version"] + 1
    conn.execute(update(visits).where(visits.c.id == visit_id, visits.c.tenant_id == tenant_id)
                 .values(worker_id=new_worker_id, version=version))
    su = visit["service_user_id"]
    changes: list[dict[str, Any]] = [
        {"worker_id": old_worker, "entity": "visit", "entity_id": visit_id, "op": "delete",
         "version": version, "body": None},
    ]
    still_needed = conn.execute(
        select(exists().where(and_(visits.c.tenant_id == tenant_id,
                                   visits.c.worker_id == old_worker,
                                   visits.c.service_user_id == su)))
    ).scalar()
    if not still_needed:
        for entity, eid in _person_entities(conn, tenant_id, su):
            changes.append({"worker_id": old_worker, "entity": entity, "entity_id": eid,
                            "op": "delete", "version": version, "body": None})
    changes.extend(_scope_changes(conn, tenant_id, new_worker_id, su))
    body = {k: visit[k] for k in _VISIT_FIELDS}
    body["worker_id"] = new_worker_id
    changes.append({"worker_id": new_worker_id, "entity": "visit", "entity_id": visit_id,
                    "op": "upsert", "version": version, "body": body})
    feed.publish(conn, tenant_id, changes)


def move_visit(conn: Connection, tenant_id: str, visit_id: str, start: str, end: str) -> None:
    """New times for a visit: its worker's phone gets the visit's next version at next sync."""
    visit = conn.execute(
        select(visits).where(visits.c.id == visit_id, visits.c.tenant_id == tenant_id)
    ).mappings().first()
    if visit is None:
        raise NotFound("No visit with that id in this agency.")
    start, end = utc_iso(start), utc_iso(end)
    if end <= start:
        raise Invalid("A visit must end after it starts.", field="end")
    version = visit["version"] + 1
    conn.execute(update(visits).where(visits.c.id == visit_id, visits.c.tenant_id == tenant_id)
                 .values(start=start, end=end, version=version))
    body = {k: visit[k] for k in _VISIT_FIELDS} | {"start": start, "end": end}
    feed.publish(conn, tenant_id, [
        {"worker_id": visit["worker_id"], "entity": "visit", "entity_id": visit_id,
         "op": "upsert", "version": version, "body": body}])


def _person_entities(conn: Connection, tenant_id: str,
                     service_user_id: str) -> list[tuple[str, str]]:
    out = [("service_user", service_user_id)]
    for table, entity in ((care_plans, "care_plan"), (medicines, "medicine")):
        out += [(entity, r[0]) for r in conn.execute(
            select(table.c.id).where(table.c.service_user_id == service_user_id,
                                     table.c.tenant_id == tenant_id))]
    return out


def _change(keys: datakeys.AgencyKeys, tenant_id: str, worker_id: str, entity: str,
            table: str, row: Any) -> dict[str, Any]:
    """The feed change carrying a sealed row, opened (publish seals it again for the feed)."""
    body = open_body(keys, tenant_id, table, row["id"], row["version"], row["body"])
    body["id"] = row["id"]
    if "service_user_id" in row:
        body["service_user_id"] = row["service_user_id"]
    return {"worker_id": worker_id, "entity": entity, "entity_id": row["id"], "op": "upsert",
            "version": row["version"], "body": body}
