"""Raising an escalation (a fall, a person getting worse, a hazard…) and following the office's
answer: saved on phone → sent → received → acknowledged (time) → resolved.

The record's clear facts are only its type and severity (plus its visit and person columns);
the soft signs, observations, NEWS2 score, the worker's words and the SBARD summary are sealed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldapp.domain import news2
from fieldapp.domain.clock import parse_utc
from fieldapp.domain.sbard import News2Score, Sbard, build_sbard
from fieldapp.domain.soft_signs import known_soft_signs
from fieldapp.errors import DamagedRecord, RuleViolation
from fieldapp.services.writer import RecordWriter
from fieldapp.store.records import write_record
from fieldapp.store.replica import NEWS2_TRAINED_KEY, open_row
from sync.codes import EscalationState, EscalationType, Severity

DETAILS_MAX_CHARS = 2000

# What the worker reads for each stage, in the order an escalation moves through them.
STAGE_WORDS = {
    "phone": "Saved on phone, not sent yet",
    "sent": "Sent, waiting for the office",
    "received": "Received by the office",
    EscalationState.ACKNOWLEDGED.value: "Acknowledged by the office",
    EscalationState.RESOLVED.value: "Resolved by the office",
    "rejected": "Not accepted by the office: call the office",
}


@dataclass(frozen=True)
class Concern:
    """What the worker answered in the escalation flow."""

    type: EscalationType
    severity: Severity
    visit_id: str | None = None
    soft_signs: tuple[str, ...] = ()
    observations: Mapping[str, Any] | None = None  # NEWS2 inputs, trained staff only
    details: str = ""
    decision: str = ""


@dataclass(frozen=True)
class EscalationContext:
    """Who and where an escalation is about, prefilled from the visit."""

    visit_id: str | None = None
    service_user_id: str | None = None
    person: str = ""
    visit: str = ""
    resus_status: str = ""  # DNACPR / treatment-escalation plan, as the office wrote it


@dataclass(frozen=True)
class EscalationStatus:
    """One of this worker's escalations and how far the office has got with it."""

    record_id: str
    type: EscalationType
    severity: Severity
    raised_at: datetime
    visit_id: str | None
    stage: str  # a key of STAGE_WORDS
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    automatic: bool = field(default=False)

    @property
    def words(self) -> str:
        return STAGE_WORDS.get(self.stage, self.stage)


class EscalationService(RecordWriter):
    """Raising escalations from the phone and following what the office does with them."""

    # --- settings -------------------------------------------------------------------------
    @property
    def trained(self) -> bool:
        """Whether the office has this phone's worker down as trained to take observations
        (NEWS2): a per-worker setting at the office, delivered by sync; the phone only reads it."""
        return self.store.get_meta(NEWS2_TRAINED_KEY) == "1"

    # --- the flow -------------------------------------------------------------------------
    def context(self, visit_id: str | None) -> EscalationContext:
        if visit_id is None:
            return EscalationContext()
        rows = self.store.rows('SELECT id, service_user_id, visit_type, start, "end" '
                               "FROM visits WHERE id = ?", [visit_id])
        if not rows:
            raise RuleViolation("That visit is no longer on this phone.")
        v = rows[0]
        person: dict[str, Any] = {}
        found = self.store.rows("SELECT * FROM people WHERE id = ?", [v["service_user_id"]])
        if found:
            try:
                person = open_row(self._sealer(), "people", found[0])
            except DamagedRecord:
                person = {}
        start = parse_utc(v["start"]).astimezone(self.tz)
        return EscalationContext(visit_id, v["service_user_id"],
                       person.get("preferred_name") or person.get("name", ""),
                       f"{v['visit_type']} visit at {start:%H:%M}",
                       str(person.get("dnacpr") or ""))

    def score(self, observations: Mapping[str, Any]) -> News2Score:
        """NEWS2 for the typed observations; a missing or impossible value is named."""
        try:
            return news2.score(observations)
        except ValueError as exc:
            raise RuleViolation(str(exc)) from exc

    def summary(self, concern: Concern) -> Sbard:
        ctx = self.context(concern.visit_id)
        scored = self.score(concern.observations) if concern.observations else None
        return build_sbard(type=concern.type, severity=concern.severity, person=ctx.person,
                           visit=ctx.visit, soft_signs=_signs(concern.soft_signs),
                           news2=scored, resus_status=ctx.resus_status,
                           details=concern.details, decision=concern.decision)

    def raise_concern(self, concern: Concern) -> str:
        """Save the escalation and queue it for the office in one transaction; its record id."""
        if len(concern.details) > DETAILS_MAX_CHARS:
            raise RuleViolation(f"Please keep the details under {DETAILS_MAX_CHARS} characters.")
        ctx = self.context(concern.visit_id)
        signs = _signs(concern.soft_signs)
        scored = self.score(concern.observations) if concern.observations else None
        sbard = self.summary(concern)
        now = self.clock.now()
        facts = {"type": concern.type.value, "severity": concern.severity.value}
        payload: dict[str, Any] = {
            **facts, "raised_at": now.isoformat(), "soft_signs": signs,
            "details": concern.details.strip(), "decision": concern.decision.strip(),
            "summary": f"{concern.type.label}: {sbard.situation}",
            "sbard": dict(sbard.sections()),
        }
        if scored is not None:
            payload["news2"] = {"observations": dict(concern.observations or {}),
                                "parts": dict(scored.parts), "total": scored.total,
                                "band": scored.band.value}
        with self.store.transaction() as db:
            return write_record(db, self._sealer(), self._author(), kind="escalation",
                                recorded_at=now.isoformat(), payload=payload, facts=facts,
                                visit_id=ctx.visit_id, service_user_id=ctx.service_user_id)

    # --- following the office's answer ----------------------------------------------------
    def mine(self, visit_id: str | None = None) -> list[EscalationStatus]:
        """This phone's escalations (newest first), automatic eMAR ones included."""
        rows = self.store.rows(
            "SELECT r.id, r.visit_id, r.recorded_at, r.sync_state, r.facts, s.state, "
            "s.acknowledged_at, s.resolved_at, s.outcome FROM records r "
            "LEFT JOIN escalation_status s ON s.record_id = r.id "
            "WHERE r.kind = 'escalation' AND (? IS NULL OR r.visit_id = ?) "
            "ORDER BY r.recorded_at DESC", [visit_id, visit_id])
        return [_status(r) for r in rows]


def _signs(codes: tuple[str, ...]) -> list[str]:
    try:
        return known_soft_signs(codes)
    except ValueError as exc:
        raise RuleViolation(str(exc)) from exc


def _status(r: dict[str, Any]) -> EscalationStatus:
    facts = json.loads(r["facts"])
    stage = r["sync_state"]
    if r["state"] in (EscalationState.ACKNOWLEDGED, EscalationState.RESOLVED):
        stage = r["state"]
    elif r["state"] == EscalationState.RAISED:
        stage = "received"
    return EscalationStatus(
        record_id=r["id"], type=EscalationType(facts["type"]),
        severity=Severity(facts["severity"]), raised_at=parse_utc(r["recorded_at"]),
        visit_id=r["visit_id"], stage=stage,
        acknowledged_at=parse_utc(r["acknowledged_at"]) if r["acknowledged_at"] else None,
        resolved_at=parse_utc(r["resolved_at"]) if r["resolved_at"] else None,
        outcome=r["outcome"], automatic="event" in facts)
