"""Versioned medicines lists and care plans: every add, change or stop is a new version with
who, when, why and its source, and reaches phones only once a second coordinator checked it.

The live tables (`medicines`, `care_plans`) hold each entity's checked version in force; the
feed, a full resync and the office checks read those, so a version awaiting its check is never
seen by a phone. `list_versions` keeps every version, sealed, for the history, the "to check"
queue and the version in force at a given time (a visit's, a MAR chart slot's).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from server import datakeys, feed, missed_doses, sealing
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.list_history import (
    SEALED_AS,
    Action,
    Source,
    State,
    Version,
    get,
    history,
    in_force,
    waiting,
)
from server.schema import care_plans, list_versions, medicines, visits

__all__ = ["Action", "Source", "State", "Version", "check", "get", "history", "holders",
           "in_force", "propose", "publish_to_holders", "reject", "waiting"]

TABLES: dict[str, Table] = {"medicine": medicines, "care_plan": care_plans}


def propose(conn: Connection, tenant_id: str, author_id: str, entity: str, entity_id: str,
            service_user_id: str, action: Action, body: dict[str, Any], why: str, source: str,
            now: datetime, override: str = "") -> Version:
    """A new version awaiting its second check (nothing reaches a phone yet)."""
    table = _table(entity)
    if not why.strip():
        raise Invalid("Say why the list is changing.", field="why")
    try:
        Source(source)
    except ValueError:
        raise Invalid("Say where the change came from (GP letter, discharge summary, ...).",
                      field="source") from None
    live = _live(conn, tenant_id, table, entity_id)
    if action is Action.ADD and live is not None:
        raise Conflict("That entry already exists; change it instead.")
    if action is not Action.ADD and live is None:
        raise NotFound("No such entry on this person's list.")
    if live is not None and live["service_user_id"] != service_user_id:
        raise NotFound("No such entry on this person's list.")
    if _waiting(conn, tenant_id, entity, entity_id):
        raise Conflict("A change to this entry is already waiting for its check; check or "
                       "reject that one first.")
    if live is not None:
        _keep_set_up(conn, tenant_id, entity, live)
    number = 1 + int(conn.execute(
        select(func.max(list_versions.c.version)).where(
            list_versions.c.tenant_id == tenant_id, list_versions.c.entity == entity,
            list_versions.c.entity_id == entity_id)).scalar() or 0)
    row_id = str(uuid.uuid4())
    payload = {"body": body, "why": why.strip(), "source": source, "override": override.strip()}
    conn.execute(insert(list_versions).values(
        tenant_id=tenant_id, id=row_id, entity=entity, entity_id=entity_id,
        service_user_id=service_user_id, version=number, action=action.value,
        state=State.TO_CHECK.value, author_id=author_id, authored_at=now.isoformat(),
        sealed=_seal(conn, tenant_id, row_id, number, payload)))
    return get(conn, tenant_id, row_id)


def check(conn: Connection, tenant_id: str, checker_id: str, version_id: str,
          now: datetime) -> Version:
    """A second coordinator confirms the transcription: the version comes into force now and
    goes to the phones of every worker who holds the person. A per-date dose it enters closes
    the "no dose set" escalations about that date (server/missed_doses.py `dose_entered`)."""
    v = _pending(conn, tenant_id, version_id)
    if v.author_id == checker_id:
        raise Forbidden("A change must be checked by a second coordinator, not its author.")
    table = TABLES[v.entity]
    keys = datakeys.keys_for(conn, tenant_id)
    sealed_row = sealing.seal_body(keys, tenant_id, table.name, v.entity_id, v.version, v.body)
    if _live(conn, tenant_id, table, v.entity_id) is None:
        conn.execute(insert(table).values(
            id=v.entity_id, tenant_id=tenant_id, service_user_id=v.service_user_id,
            version=v.version, body=sealed_row))
    else:
        conn.execute(update(table).where(table.c.tenant_id == tenant_id,
                                         table.c.id == v.entity_id)
                     .values(version=v.version, body=sealed_row))
    # Only one check wins when two coordinators press at once (the state is the guard).
    if conn.execute(update(list_versions).where(
            list_versions.c.tenant_id == tenant_id, list_versions.c.id == version_id,
            list_versions.c.state == State.TO_CHECK.value)
            .values(state=State.CHECKED.value, checked_by=checker_id,
                    checked_at=now.isoformat(), in_force_from=now.isoformat())).rowcount != 1:
        raise Conflict("That change has already been checked or rejected.")
    body = {**v.body, "id": v.entity_id, "service_user_id": v.service_user_id}
    publish_to_holders(conn, tenant_id, v.service_user_id, v.entity, v.entity_id, v.version,
                       body)
    if v.entity == "medicine":  # a dose entered for a date closes its "no dose set" concern
        missed_doses.dose_entered(conn, tenant_id, v.entity_id, v.body, now)
    return get(conn, tenant_id, version_id)


def reject(conn: Connection, tenant_id: str, checker_id: str, version_id: str, because: str,
           now: datetime) -> Version:
    """The check found the transcription wrong: the version never comes into force."""
    v = _pending(conn, tenant_id, version_id)
    if not because.strip():
        raise Invalid("Say what is wrong with the change.", field="because")
    payload = {"body": v.body, "why": v.why, "source": v.source, "override": v.override,
               "rejected_because": because.strip()}
    conn.execute(update(list_versions).where(list_versions.c.tenant_id == tenant_id,
                                             list_versions.c.id == version_id)
                 .values(state=State.REJECTED.value, checked_by=checker_id,
                         checked_at=now.isoformat(),
                         sealed=_seal(conn, tenant_id, version_id, v.version, payload)))
    return get(conn, tenant_id, version_id)


def holders(conn: Connection, tenant_id: str, service_user_id: str) -> list[str]:
    """Workers whose phones hold the person: those with a visit for them (the rota sends the
    person with a worker's first visit and takes them back when the last one goes). Not read
    from the feed, whose older changes may have been compacted away."""
    return sorted(conn.execute(select(visits.c.worker_id).distinct().where(
        visits.c.tenant_id == tenant_id, visits.c.service_user_id == service_user_id)
    ).scalars().all())


def publish_to_holders(conn: Connection, tenant_id: str, service_user_id: str, entity: str,
                       entity_id: str, version: int, body: dict[str, Any]) -> None:
    feed.publish(conn, tenant_id, [
        {"worker_id": w, "entity": entity, "entity_id": entity_id, "op": "upsert",
         "version": version, "body": body}
        for w in holders(conn, tenant_id, service_user_id)])


def _table(entity: str) -> Table:
    if entity not in TABLES:
        raise Invalid("Only medicines and care plans are versioned.", field="entity")
    return TABLES[entity]


def _live(conn: Connection, tenant_id: str, table: Table, entity_id: str) -> Any:
    return conn.execute(select(table).where(table.c.tenant_id == tenant_id,
                                            table.c.id == entity_id)).mappings().first()


def _waiting(conn: Connection, tenant_id: str, entity: str, entity_id: str) -> bool:
    return conn.execute(select(list_versions.c.id).where(
        list_versions.c.tenant_id == tenant_id, list_versions.c.entity == entity,
        list_versions.c.entity_id == entity_id,
        list_versions.c.state == State.TO_CHECK.value)).first() is not None


def _pending(conn: Connection, tenant_id: str, version_id: str) -> Version:
    v = get(conn, tenant_id, version_id)
    if v.state is not State.TO_CHECK:
        raise Conflict("That change has already been checked or rejected.")
    return v


def _keep_set_up(conn: Connection, tenant_id: str, entity: str, live: Any) -> None:
    """Keep the entry as it was before its first versioned change, so history shows it."""
    if conn.execute(select(list_versions.c.id).where(
            list_versions.c.tenant_id == tenant_id, list_versions.c.entity == entity,
            list_versions.c.entity_id == live["id"]).limit(1)).first() is not None:
        return
    keys = datakeys.keys_for(conn, tenant_id)
    table = TABLES[entity].name
    body = sealing.open_body(keys, tenant_id, table, live["id"], live["version"], live["body"])
    row_id = str(uuid.uuid4())
    payload = {"body": body, "why": "As first set up", "source": Source.OTHER.value,
               "override": ""}
    conn.execute(insert(list_versions).values(
        tenant_id=tenant_id, id=row_id, entity=entity, entity_id=live["id"],
        service_user_id=live["service_user_id"], version=live["version"],
        action=Action.SET_UP.value, state=State.CHECKED.value, author_id=None,
        authored_at="", in_force_from="",
        sealed=_seal(conn, tenant_id, row_id, live["version"], payload)))


def _seal(conn: Connection, tenant_id: str, row_id: str, version: int,
          payload: dict[str, Any]) -> dict[str, Any]:
    keys = datakeys.keys_for(conn, tenant_id)
    return sealing.seal_body(keys, tenant_id, SEALED_AS, row_id, version, payload)


