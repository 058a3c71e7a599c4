"""The office's corrections: an addendum written by a coordinator, never a change to the original.

Sealed for the office like a worker's record, numbered into the feed (the worker's phone shows
the correction), audited, and shared with phones holding the person's dose history.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from sqlalchemy import Engine, insert, select

from server import feed, record_hooks
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Forbidden, Invalid, NotFound
from server.roles import reader
from server.schema import records, tenants
from server.services.audit import audit
from server.services.sign_in import Coordinator
from sync import envelope, kinds
from sync.codes import DoseOutcome, TaskOutcome
from sync.protocol import uuid7

# Outcome codes a coordinator may correct a record to, by the record's kind (the same stable
# codes as the phone's).
CORRECTABLE_OUTCOMES: dict[str, tuple[str, ...]] = {
    "dose_outcome": tuple(DoseOutcome), "task_outcome": tuple(TaskOutcome)}
MIN_REASON = 5
OFFICE_DEVICE = "office"  # the device id the office's own records carry


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
        if not kinds.may_read(reader(who.role), kinds.audience(original["kind"],
                                                           original["facts"] or {})):
            raise Forbidden("Only a safeguarding lead may amend this record.")
        codes = CORRECTABLE_OUTCOMES.get(original["kind"])
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

