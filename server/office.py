"""What coordinators do in the console: sign in, see the day's visits, read and amend records.

Every read of a sealed record is written to the append-only audit log in the same transaction
that reads it, so there is no way to see a note without leaving a trace. An amendment is an
addendum written by the office (actor = coordinator), sealed for the office like a worker's
record, audited, and never a change to the original.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select

from server import auth, feed, record_hooks
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid, NotAuthenticated, NotFound
from server.escrow import EnvelopeDamaged, open_envelope
from server.schema import audit_log, coordinators, records, service_users, tenants, visits, workers
from sync import envelope
from sync.protocol import uuid7

# Outcome codes a coordinator may correct to (the same stable codes as the phone's).
DOSE_CODES = ("given", "taken", "partial", "refused", "not_available", "asleep",
              "nausea_vomiting", "hospital", "away", "withheld", "not_required", "other")
TASK_CODES = ("done", "partly_done", "refused", "not_required", "not_done")
MIN_REASON = 5
OFFICE_DEVICE = "office"


@dataclass(frozen=True)
class Coordinator:
    id: str
    tenant_id: str
    name: str
    is_safeguarding_lead: bool


def sign_in(engine: Engine, email: str, password: str) -> Coordinator:
    with engine.begin() as conn:
        row = conn.execute(
            select(coordinators).where(
                coordinators.c.email == email.strip().lower(), coordinators.c.active
            )
        ).mappings().first()
    if row is None:
        auth.dummy_verify()
        raise NotAuthenticated("That email and password do not match an office account.")
    if not auth.verify_password(row["password_hash"], password):
        raise NotAuthenticated("That email and password do not match an office account.")
    return Coordinator(row["id"], row["tenant_id"], row["name"], row["is_safeguarding_lead"])


def tenant_zone(engine: Engine, tenant_id: str) -> ZoneInfo:
    with engine.begin() as conn:
        tz = conn.execute(select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar_one()
    return ZoneInfo(tz)


def day_visits(engine: Engine, who: Coordinator, day: date) -> list[dict[str, Any]]:
    """The agency's visits on a local day, with who did them and how far the record has got."""
    tz = tenant_zone(engine, who.tenant_id)
    lo = datetime.combine(day, time.min, tz).astimezone(UTC)
    hi = lo + timedelta(days=1)
    with engine.begin() as conn:
        rows = conn.execute(
            select(visits, workers.c.name.label("worker_name"),
                   service_users.c.body.label("person"))
            .join(workers, workers.c.id == visits.c.worker_id)
            .join(service_users, service_users.c.id == visits.c.service_user_id)
            .where(visits.c.tenant_id == who.tenant_id,
                   visits.c.start >= lo.isoformat(), visits.c.start < hi.isoformat())
            .order_by(visits.c.start, workers.c.name)
        ).mappings().all()
        marks: dict[str, dict[str, str]] = {}
        for r in conn.execute(
            select(records.c.visit_id, records.c.kind, records.c.recorded_at)
            .where(records.c.tenant_id == who.tenant_id,
                   records.c.visit_id.in_([v["id"] for v in rows]),
                   records.c.kind.in_(["check_in", "check_out"]))
        ):
            marks.setdefault(r.visit_id, {})[r.kind] = r.recorded_at
    out = []
    for v in rows:
        m = marks.get(v["id"], {})
        status = "done" if "check_out" in m else "in progress" if "check_in" in m else "not started"
        out.append({
            "id": v["id"], "start": v["start"], "end": v["end"], "visit_type": v["visit_type"],
            "worker_name": v["worker_name"], "person_name": v["person"]["name"],
            "area": v["person"].get("area", ""), "status": status,
            "checked_in_at": m.get("check_in"), "checked_out_at": m.get("check_out"),
        })
    return out


def visit_record(
    engine: Engine, key: X25519PrivateKey, who: Coordinator, visit_id: str,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[str, Any]:
    """Open every record of a visit (audited, one audit row per sealed record opened)."""
    now = clock.now().isoformat()
    with engine.begin() as conn:
        v = conn.execute(
            select(visits, workers.c.name.label("worker_name"),
                   service_users.c.body.label("person"))
            .join(workers, workers.c.id == visits.c.worker_id)
            .join(service_users, service_users.c.id == visits.c.service_user_id)
            .where(visits.c.id == visit_id, visits.c.tenant_id == who.tenant_id)
        ).mappings().first()
        if v is None:
            raise NotFound("No visit with that id in your agency.")
        opened: list[dict[str, Any]] = []
        for r in conn.execute(
            select(records).where(records.c.visit_id == visit_id,
                                  records.c.tenant_id == who.tenant_id)
            .order_by(records.c.recorded_at, records.c.id)
        ).mappings():
            try:
                content = open_envelope(key, r["tenant_id"], "records", r["id"], r["version"],
                                        r["envelope"])
                damaged = False
            except EnvelopeDamaged:
                content, damaged = {}, True
            conn.execute(insert(audit_log).values(
                tenant_id=who.tenant_id, at=now, actor_kind="coordinator", actor_id=who.id,
                action="read_record", target_kind=r["kind"], target_id=r["id"],
            ))
            opened.append({
                "id": r["id"], "kind": r["kind"], "recorded_at": r["recorded_at"],
                "received_at": r["received_at"], "corrects": r["corrects"],
                "damaged": damaged, "content": content, "facts": r["facts"] or {},
                "by_office": r["device_id"] == OFFICE_DEVICE,
            })
    return {
        "id": v["id"], "service_user_id": v["service_user_id"],
        "start": v["start"], "end": v["end"], "visit_type": v["visit_type"],
        "worker_name": v["worker_name"], "person_name": v["person"]["name"],
        "area": v["person"].get("area", ""), "records": opened,
    }


def audit_entries(engine: Engine, who: Coordinator, limit: int = 100) -> list[dict[str, Any]]:
    with engine.begin() as conn:
        rows = conn.execute(
            select(audit_log, coordinators.c.name.label("actor_name"))
            .join(coordinators, coordinators.c.id == audit_log.c.actor_id, isouter=True)
            .where(audit_log.c.tenant_id == who.tenant_id)
            .order_by(audit_log.c.id.desc()).limit(limit)
        ).mappings().all()
    return [dict(r) for r in rows]


def audit(conn: Connection, who: Coordinator, action: str, kind: str, target: str,
          at: datetime) -> None:
    conn.execute(insert(audit_log).values(
        tenant_id=who.tenant_id, at=at.isoformat(), actor_kind="coordinator",
        actor_id=who.id, action=action, target_kind=kind, target_id=target))


def amend_record(
    engine: Engine, who: Coordinator, record_id: str, reason: str, *,
    text: str | None = None, outcome: str | None = None, clock: Clock = SYSTEM_CLOCK,
) -> str:
    """Write a coordinator's addendum to a worker's record; the original stays as it was."""
    why, body = (reason or "").strip(), (text or "").strip() or None
    if len(why) < MIN_REASON:
        raise Invalid(f"Say why the record is being amended (at least {MIN_REASON} characters).")
    at = clock.now()
    now = at.isoformat()
    with engine.begin() as conn:
        original = conn.execute(
            select(records).where(records.c.id == record_id,
                                  records.c.tenant_id == who.tenant_id)
        ).mappings().first()
        if original is None:
            raise NotFound("No record with that id in your agency.")
        if original["kind"] == "addendum":
            raise Invalid("Amend the original record, not an earlier correction.")
        codes = {"dose_outcome": DOSE_CODES, "task_outcome": TASK_CODES}.get(original["kind"])
        if outcome and (codes is None or outcome not in codes):
            raise Invalid("That outcome code does not fit this record.")
        if body is None and not outcome:
            raise Invalid("Say what the record should say: new text or a new outcome.")
        facts: dict[str, Any] = {"corrects_kind": original["kind"], "actor": "coordinator"}
        if outcome:
            facts["outcome"] = outcome
        if original["kind"] == "dose_outcome":
            facts.update({k: (original["facts"] or {}).get(k)
                          for k in ("medicine_id", "scheduled_at")})
        rid = uuid7()
        public = conn.execute(select(tenants.c.escrow_public_key)
                              .where(tenants.c.id == who.tenant_id)).scalar_one()
        # Sealed like a phone's record (the same format and version), with the office copy only.
        sealed = envelope.seal({
            "reason": why, "text": body, "outcome": outcome, "at": now,
            "corrects_kind": original["kind"], "actor": "coordinator",
            "coordinator_id": who.id, "coordinator_name": who.name,
        }, who.tenant_id, "records", rid, 1, escrow_to=base64.b64decode(public))
        row = {"id": rid, "kind": "addendum", "visit_id": original["visit_id"],
               "service_user_id": original["service_user_id"], "recorded_at": now,
               "version": 1, "corrects": record_id, "envelope": sealed, "facts": facts}
        digest = hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()
        conn.execute(insert(records).values(
            **row, tenant_id=who.tenant_id, device_id=OFFICE_DEVICE, worker_id=who.id,
            content_hash=digest, received_at=now, seq=feed.reserve_seq(conn, who.tenant_id)))
        audit(conn, who, "amend_record", original["kind"], record_id, at)
        record_hooks.share_doses(conn, who.tenant_id, who.id, [
            (rid, "addendum", original["service_user_id"], record_id, facts)])
    return rid

