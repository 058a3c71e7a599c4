"""The console's escalation queue and one escalation's page: names, ages, actions, history.

Reading the queue shows codes, times, the person's and worker's names; a resolution's notes are
sealed to the agency and opening them is audited like any sealed record.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, func, select

from server import escalations
from server.clock import SYSTEM_CLOCK
from server.errors import Forbidden, NotFound
from server.escrow import open_envelope
from server.office_checks import medicine_bodies
from server.schema import (
    coordinators,
    devices,
    medicines,
    notices,
    records,
    tenants,
    welfare_sessions,
    workers,
)
from server.schema import escalations as escalations_t
from server.sealing import EnvelopeDamaged
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator
from sync import codes, envelope
from sync.protocol import uuid7


@dataclass(frozen=True)
class QueueItem:
    escalation: escalations.Escalation
    person_name: str
    worker_name: str
    acknowledged_by_name: str | None
    notices_failed: int
    # Lone working: so the coordinator can judge "no signal" against danger.
    last_synced_at: str | None = None
    checked_in_at: str | None = None

    def age_minutes(self, now: datetime) -> int:
        return max(0, int((now - datetime.fromisoformat(
            self.escalation.raised_at)).total_seconds() // 60))


@dataclass(frozen=True)
class EscalationPage:
    item: QueueItem
    history: list[escalations.Event]
    notes: str | None  # the resolution's notes, opened (and the opening audited)
    deliveries: list[tuple[str, str, str, int]]  # (channel, target, state, attempts)
    dose: str | None = None  # an office-side check's dose: medicine and its local time


def queue(engine: Engine, who: Coordinator, *, include_resolved: bool = False,
          now: datetime | None = None) -> list[QueueItem]:
    """The open (or all) escalations with names; each person named is a read of their sealed
    record, audited at `now` (once per sign-in and version: the queue refreshes itself)."""
    with engine.begin() as conn:
        found = escalations.queue(conn, who, include_resolved=include_resolved)
        return _named(conn, who, found, now or SYSTEM_CLOCK.now(), listing=True)


RESTRICTED = ("This escalation is a safeguarding concern: only a safeguarding lead can open "
              "it.")


def restricted_count(engine: Engine, who: Coordinator) -> int:
    """How many open escalations `who` may not open (safeguarding concerns, for anyone but a
    safeguarding lead): the console says they exist, never what they hold."""
    if who.is_safeguarding_lead:
        return 0
    with engine.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(escalations_t).where(
            escalations_t.c.tenant_id == who.tenant_id,
            escalations_t.c.type == escalations.SAFEGUARDING,
            escalations_t.c.state != codes.EscalationState.RESOLVED.value)).scalar_one())


def page(engine: Engine, key: X25519PrivateKey, who: Coordinator, escalation_id: str,
         now: datetime) -> EscalationPage:
    with engine.begin() as conn:
        try:
            esc = escalations.visible(conn, who, escalation_id)
        except NotFound:
            if escalations.get(conn, who.tenant_id, escalation_id).type == \
                    escalations.SAFEGUARDING:
                raise Forbidden(RESTRICTED) from None  # it exists; what it holds does not show
            raise
        item = _named(conn, who, [esc], now)[0]
        history = escalations.history(conn, who, escalation_id)
        sealed = conn.execute(select(escalations_t.c.notes).where(
            escalations_t.c.id == escalation_id)).scalar_one()
        notes = None
        if sealed:
            opened = open_envelope(key, who.tenant_id, "escalations", escalation_id, 1, sealed)
            notes = str(opened.get("notes") or "")
            audit(conn, who, "open_escalation_notes", "escalation", escalation_id, now)
        deliveries = [(r.channel, r.target, r.state, r.attempts) for r in conn.execute(
            select(notices.c.channel, notices.c.target, notices.c.state, notices.c.attempts)
            .where(notices.c.subject_id == escalation_id).order_by(notices.c.tier))]
        dose = _dose_words(conn, who.tenant_id, esc, history, tenant_zone_of(conn, who))
    return EscalationPage(item, history, notes, deliveries, dose)


def tenant_zone_of(conn: Connection, who: Coordinator) -> ZoneInfo:
    return ZoneInfo(conn.execute(select(tenants.c.timezone).where(
        tenants.c.id == who.tenant_id)).scalar_one())


def _dose_words(conn: Connection, tenant_id: str, esc: escalations.Escalation,
                history: list[escalations.Event], tz: ZoneInfo) -> str | None:
    """Which dose an office-side check is about, for the coordinator (never in a notice)."""
    if not esc.office_check:
        return None
    raised = next((h.detail for h in history if h.event == "raised"), {})
    if "medicine_id" not in raised and esc.source_record_id:
        # Raised first by the phone's own eMAR escalation: its clear facts name the dose.
        raised = conn.execute(select(records.c.facts).where(
            records.c.tenant_id == tenant_id, records.c.id == esc.source_record_id)).scalar() or {}
    medicine, dose_at = raised.get("medicine_id"), raised.get("dose_at")
    if not isinstance(medicine, str) or not isinstance(dose_at, str):
        return None
    try:
        body = medicine_bodies(conn, tenant_id, medicines.c.id == medicine).get(medicine)
    except EnvelopeDamaged:
        body = None
    name = f"{body.get('name', '')} {body.get('strength', '')}".strip() if body else "a medicine"
    when = datetime.fromisoformat(dose_at).astimezone(tz)
    return f"{name}, the dose of {when:%H:%M} on {when:%d %b}"


def acknowledge(engine: Engine, who: Coordinator, escalation_id: str, now: datetime) -> None:
    with engine.begin() as conn:
        escalations.acknowledge(conn, who, escalation_id, now)


def resolve(engine: Engine, who: Coordinator, escalation_id: str, now: datetime,
            outcome: str, notes: str) -> None:
    with engine.begin() as conn:
        escalations.visible(conn, who, escalation_id)
        sealed = None
        if notes.strip():
            public = conn.execute(select(tenants.c.escrow_public_key)
                                  .where(tenants.c.id == who.tenant_id)).scalar_one()
            sealed = envelope.seal(
                {"notes": notes.strip(), "by": who.id, "at": now.isoformat(), "id": uuid7()},
                who.tenant_id, "escalations", escalation_id, 1,
                escrow_to=base64.b64decode(public))
        escalations.resolve(conn, who, escalation_id, now, outcome=outcome, sealed_notes=sealed)


def _named(conn: Connection, who: Coordinator, found: list[escalations.Escalation],
           now: datetime, listing: bool = False) -> list[QueueItem]:
    tenant_id = who.tenant_id
    people = {e.service_user_id for e in found if e.service_user_id}
    staff = {e.worker_id for e in found if e.worker_id}
    ackers = {e.acknowledged_by for e in found if e.acknowledged_by}
    names = {pid: p.get("name", "") for pid, p in
             open_people(conn, who, people, now, listing=listing).items()}
    workers_ = dict(conn.execute(select(workers.c.id, workers.c.name).where(
        workers.c.tenant_id == tenant_id, workers.c.id.in_(staff))).all())
    coords = dict(conn.execute(select(coordinators.c.id, coordinators.c.name).where(
        coordinators.c.tenant_id == tenant_id, coordinators.c.id.in_(ackers))).all())
    synced = dict(conn.execute(select(devices.c.worker_id, func.max(devices.c.last_seen_at))
                               .where(devices.c.tenant_id == tenant_id,
                                      devices.c.worker_id.in_(staff))
                               .group_by(devices.c.worker_id)).all())
    lone = [e for e in found if e.lone_working and e.visit_id]
    checked_in = dict(conn.execute(select(welfare_sessions.c.visit_id,
                                          func.max(welfare_sessions.c.started_at))
                                   .where(welfare_sessions.c.tenant_id == tenant_id,
                                          welfare_sessions.c.visit_id.in_(
                                              [e.visit_id for e in lone]))
                                   .group_by(welfare_sessions.c.visit_id)).all())
    failed: dict[str, int] = {}
    for (eid,) in conn.execute(select(notices.c.subject_id).where(
            notices.c.subject_id.in_([e.id for e in found]), notices.c.state == "failed")):
        failed[eid] = failed.get(eid, 0) + 1
    return [QueueItem(e, names.get(e.service_user_id or "", "—"),
                      workers_.get(e.worker_id or "", "the office"),
                      coords.get(e.acknowledged_by or ""), failed.get(e.id, 0),
                      synced.get(e.worker_id or ""), checked_in.get(e.visit_id or ""))
            for e in found]
