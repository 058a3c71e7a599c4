"""A visit's record for the office: every record of the visit opened, each opening audited.

A record the reader may not read (a safeguarding concern, and its corrections, for anyone but a
safeguarding lead: server/roles.py) is listed as restricted and never opened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, RowMapping, select

from server.clock import SYSTEM_CLOCK, Clock
from server.errors import NotFound
from server.escrow import EnvelopeDamaged, open_envelope
from server.roles import reader
from server.schema import records, visits
from server.services.amendments import OFFICE_DEVICE
from server.services.audit import audit
from server.services.day_board import visits_with_names
from server.services.people import open_people
from server.services.sign_in import Coordinator
from sync import kinds


@dataclass(frozen=True)
class OpenedRecord:
    id: str
    kind: str
    recorded_at: str
    received_at: str
    corrects: str | None
    damaged: bool  # could not be opened: shown as such, the original is kept
    content: Mapping[str, Any]  # what was sealed
    facts: Mapping[str, Any]  # what travels in the clear (codes, times)
    by_office: bool
    restricted: bool = False  # not for this reader: not opened, content and facts empty


@dataclass(frozen=True)
class VisitRecord:
    id: str
    service_user_id: str
    start: str
    end: str
    visit_type: str
    worker_name: str
    person_name: str
    area: str
    records: tuple[OpenedRecord, ...]

    @property
    def originals(self) -> tuple[OpenedRecord, ...]:
        """Records as first made (a correction of a record outside this visit stands alone)."""
        ids = {r.id for r in self.records}
        return tuple(r for r in self.records if r.kind != "addendum" or r.corrects not in ids)

    def corrections_of(self, record_id: str) -> tuple[OpenedRecord, ...]:
        return tuple(r for r in self.records if r.kind == "addendum" and r.corrects == record_id)


def open_record(conn: Connection, key: X25519PrivateKey, who: Coordinator, r: Any,
                now: datetime, *, readable: bool = True) -> OpenedRecord:
    """One stored record as the office reads it: opened and its opening audited, or, when it is
    not `readable` for this reader, its header alone (restricted, never opened)."""
    content: Mapping[str, Any] = {}
    damaged = False
    if readable:
        try:
            content = open_envelope(key, r["tenant_id"], "records", r["id"], r["version"],
                                    r["envelope"])
        except EnvelopeDamaged:
            damaged = True
        audit(conn, who, "read_record", r["kind"], r["id"], now)
    return OpenedRecord(id=r["id"], kind=r["kind"], recorded_at=r["recorded_at"],
                        received_at=r["received_at"], corrects=r["corrects"], damaged=damaged,
                        content=content, facts=(r["facts"] or {}) if readable else {},
                        by_office=r["device_id"] == OFFICE_DEVICE, restricted=not readable)


def visit_record(
    engine: Engine, key: X25519PrivateKey, who: Coordinator, visit_id: str,
    clock: Clock = SYSTEM_CLOCK,
) -> VisitRecord:
    """Open every record of a visit (audited, one audit row per sealed record opened)."""
    now = clock.now()
    with engine.begin() as conn:
        v = conn.execute(
            visits_with_names()
            .where(visits.c.id == visit_id, visits.c.tenant_id == who.tenant_id)
        ).mappings().first()
        if v is None:
            raise NotFound("No visit with that id in your agency.")
        rows = conn.execute(
            select(records).where(records.c.visit_id == visit_id,
                                  records.c.tenant_id == who.tenant_id)
            .order_by(records.c.recorded_at, records.c.id)
        ).mappings().all()
        readable = readable_ids(conn, who, rows)
        opened = [open_record(conn, key, who, r, now, readable=r["id"] in readable)
                  for r in rows]
        person = open_people(conn, who, [v["service_user_id"]], now, key).get(
            v["service_user_id"], {})
    return VisitRecord(
        id=v["id"], service_user_id=v["service_user_id"], start=v["start"], end=v["end"],
        visit_type=v["visit_type"], worker_name=v["worker_name"],
        person_name=person.get("name", "(record damaged)"), area=person.get("area", ""),
        records=tuple(opened))


def readable_ids(conn: Connection, who: Coordinator,
                 rows: Sequence[RowMapping]) -> set[str]:
    """The ids of `rows` (records of `who`'s agency) that `who` may open. A correction is
    read by whoever may read the record it corrects."""
    by_id = {r["id"]: r for r in rows}
    outside = {r["corrects"] for r in rows if r["corrects"] and r["corrects"] not in by_id}
    if outside:
        by_id |= {r["id"]: r for r in conn.execute(
            select(records.c.id, records.c.kind, records.c.facts, records.c.corrects)
            .where(records.c.tenant_id == who.tenant_id, records.c.id.in_(outside))
        ).mappings()}

    def audience(row: Mapping[Any, Any]) -> kinds.Audience:
        original = by_id.get(row["corrects"]) if row["corrects"] else None
        corrected = audience(original) if original is not None and original is not row \
            else None
        return kinds.audience(row["kind"], row["facts"] or {}, corrected)

    me = reader(who.role)
    return {r["id"] for r in rows if kinds.may_read(me, audience(r))}
