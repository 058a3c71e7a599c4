"""People's sealed records for the office: opened for a screen, each opening audited, and
found by name through the blind index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, select

from server import datakeys, sealing
from server.clock import SYSTEM_CLOCK, Clock
from server.schema import service_users
from server.services.audit import audit_many, audit_reads
from server.services.sign_in import Coordinator


@dataclass(frozen=True)
class PersonMatch:
    id: str
    name: str
    area: str


def open_people(conn: Connection, who: Coordinator, ids: Iterable[str], now: datetime,
                key: X25519PrivateKey | None = None, *,
                listing: bool = False) -> dict[str, dict[str, Any]]:
    """The clear records of these people of the coordinator's agency, by id; every person
    opened is one audit row, as a worker's record is. A `listing` (a screen of many visits
    or alerts, shown again on every refresh) records each person once per sign-in and version
    of their record (server/services/audit.py). A record that does not open is left out (the
    screen shows the person as unknown), never a crash."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    keys = datakeys.keys_for(conn, who.tenant_id, key)
    out: dict[str, dict[str, Any]] = {}
    opened: dict[str, int] = {}
    for r in conn.execute(
        select(service_users.c.id, service_users.c.version, service_users.c.body)
        .where(service_users.c.tenant_id == who.tenant_id, service_users.c.id.in_(wanted))
    ):
        try:
            out[r.id] = sealing.open_body(keys, who.tenant_id, "service_users", r.id,
                                          r.version, r.body)
        except sealing.EnvelopeDamaged:
            continue
        opened[r.id] = r.version
    if listing:
        audit_reads(conn, who, "read_person", "service_user", opened, now)
    else:
        audit_many(conn, who, "read_person", "service_user", list(opened), now)
    return out


def find_people(engine: Engine, who: Coordinator, name: str,
                clock: Clock = SYSTEM_CLOCK) -> list[PersonMatch]:
    """People of the agency whose name is `name` (any case, spacing or Unicode form): looked
    up by the keyed blind index, so the database is never searched in the clear."""
    if not name.strip():
        return []
    with engine.begin() as conn:
        probe = sealing.name_index(datakeys.keys_for(conn, who.tenant_id), name)
        ids = conn.execute(
            select(service_users.c.id).where(service_users.c.tenant_id == who.tenant_id,
                                             service_users.c.name_index == probe)
        ).scalars().all()
        opened = open_people(conn, who, ids, clock.now())
    return sorted((PersonMatch(pid, p.get("name", ""), p.get("area", ""))
                   for pid, p in opened.items()), key=lambda m: (m.name, m.id))
