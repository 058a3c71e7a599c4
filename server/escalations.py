"""Escalations owned by the office: raised -> acknowledged -> resolved, each step with who and when.

An escalation comes from a worker's `escalation` record (raised on the phone, possibly offline) or
from an office-side check; either way it is stored once per `dedupe_key` (the source record's id,
or the check's own key), so a retried push, a second server process or a restart never raises it
twice. Its history is an append-only list of events. Nothing here holds personal content: the
clear columns are codes, ids and times; a resolution's notes are sealed to the agency like any
office record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from server import feed
from server.errors import Invalid, NotFound
from server.schema import escalation_events, escalations, visits
from sync import codes
from sync.protocol import PushedRecord, uuid7

SAFEGUARDING = codes.EscalationType.SAFEGUARDING.value
LONE_WORKER = "lone_worker"
RED_EVENTS = (codes.LoneWorkerEvent.DURESS.value, codes.LoneWorkerEvent.SOS.value)
LADDER_SEVERITIES = (codes.Severity.URGENT.value, codes.Severity.EMERGENCY.value)


class Viewer(Protocol):
    """Who is looking: a coordinator (the console) or the monitor acting for the office."""

    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def is_safeguarding_lead(self) -> bool: ...


@dataclass(frozen=True)
class Escalation:
    id: str
    tenant_id: str
    reference: str
    type: str
    severity: str
    state: str
    raised_at: str
    received_at: str
    worker_id: str | None
    service_user_id: str | None
    visit_id: str | None
    source_record_id: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    resolved_at: str | None
    resolved_by: str | None
    outcome: str | None
    tiers_called: int
    cause: str | None = None  # lone working: overdue, sos or duress
    level: str | None = None  # lone working: amber or red
    answered_at: str | None = None
    office_check: str | None = None  # sync.codes.OfficeCheck: an office-side check raised it

    @property
    def lone_working(self) -> bool:
        return self.cause is not None

    @property
    def label(self) -> str:
        return codes.EscalationType(self.type).label

    @property
    def check_label(self) -> str | None:
        """What the office-side check found, in plain words (no person, no medicine named)."""
        return codes.OfficeCheck(self.office_check).label if self.office_check else None


@dataclass(frozen=True)
class Event:
    at: str
    event: str
    actor_kind: str
    actor_id: str
    detail: dict[str, Any]


def new_reference() -> str:
    """A short reference people can read out on the phone; carries nothing about the person."""
    return "ESC-" + secrets.token_hex(3).upper()


def raise_escalation(
    conn: Connection, tenant_id: str, *, dedupe_key: str, type_: str, severity: str,
    raised_at: datetime, actor_kind: str, actor_id: str, received_at: datetime | None = None,
    cause: str | None = None, level: str | None = None, worker_id: str | None = None,
    service_user_id: str | None = None, visit_id: str | None = None,
    source_record_id: str | None = None, office_check: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Escalation | None:
    """Store a new escalation once per dedupe key; None if it was already there."""
    raised_at = raised_at.astimezone(UTC)  # stored times compare as text: one offset
    received = (received_at or raised_at).astimezone(UTC)
    _require(codes.EscalationType, type_, "escalation type")
    _require(codes.Severity, severity, "escalation severity")
    exists = conn.execute(select(escalations.c.id).where(
        escalations.c.tenant_id == tenant_id, escalations.c.dedupe_key == dedupe_key)).first()
    if visit_id and not service_user_id:  # whom the visit is for, so the office sees it
        service_user_id = conn.execute(select(visits.c.service_user_id).where(
            visits.c.tenant_id == tenant_id, visits.c.id == visit_id)).scalar()
    if exists is not None:
        return None
    row = new_row(tenant_id, dedupe_key=dedupe_key, type_=type_, severity=severity,
                  raised_at=raised_at, received_at=received, worker_id=worker_id,
                  service_user_id=service_user_id, visit_id=visit_id,
                  source_record_id=source_record_id, cause=cause, level=level,
                  office_check=office_check)
    eid = row["id"]
    try:
        with conn.begin_nested():
            conn.execute(insert(escalations).values(**row))
    except IntegrityError:
        return None  # raised at the same moment by another process: theirs stands
    _event(conn, tenant_id, eid, raised_at, "raised", actor_kind, actor_id,
           {"severity": severity, "type": type_, **(detail or {})})
    return get(conn, tenant_id, eid)


def new_row(tenant_id: str, *, dedupe_key: str, type_: str, severity: str,
            raised_at: datetime, received_at: datetime, worker_id: str | None,
            service_user_id: str | None, visit_id: str | None, source_record_id: str | None,
            cause: str | None, level: str | None,
            office_check: str | None = None) -> dict[str, Any]:
    """An escalation's row as first stored (callers have checked its codes)."""
    received = received_at.astimezone(UTC)
    return {
        "id": uuid7(), "tenant_id": tenant_id, "reference": new_reference(),
        "dedupe_key": dedupe_key, "type": type_, "severity": severity,
        "state": codes.EscalationState.RAISED.value,
        "raised_at": raised_at.astimezone(UTC).isoformat(), "received_at": received.isoformat(),
        "worker_id": worker_id, "service_user_id": service_user_id, "visit_id": visit_id,
        "source_record_id": source_record_id, "tiers_called": 0,
        # Urgent and emergency escalations call the on-call ladder's first tier at once.
        # An amber lone-worker alert asks the worker first; only red calls the ladder.
        "next_call_at": received.isoformat()
        if severity in LADDER_SEVERITIES and level != codes.AlertLevel.AMBER else None,
        "cause": cause, "level": level, "office_check": office_check,
    }


def tag_check(conn: Connection, tenant_id: str, dedupe_key: str, check: str) -> None:
    """Name the office-side check on an escalation already raised for the same concern (the
    phone's own eMAR escalation about a dose), unless a check has named it already."""
    conn.execute(update(escalations).where(
        escalations.c.tenant_id == tenant_id, escalations.c.dedupe_key == dedupe_key,
        escalations.c.office_check.is_(None)).values(office_check=check))


def add_raised(conn: Connection, rows: list[dict[str, Any]], actor_kind: str,
               actor_id: str) -> None:
    """Store many new escalations at once with their "raised" events (a monitor's batch)."""
    if not rows:
        return
    conn.execute(insert(escalations), rows)
    conn.execute(insert(escalation_events), [{
        "tenant_id": r["tenant_id"], "escalation_id": r["id"], "at": r["received_at"],
        "event": "raised", "actor_kind": actor_kind, "actor_id": actor_id,
        "detail": {"severity": r["severity"], "type": r["type"]}} for r in rows])


def get(conn: Connection, tenant_id: str, escalation_id: str) -> Escalation:
    row = conn.execute(select(escalations).where(
        escalations.c.tenant_id == tenant_id, escalations.c.id == escalation_id)).mappings().first()
    if row is None:
        raise NotFound("No such escalation.")
    return _from_row(row)


def visible(conn: Connection, viewer: Viewer, escalation_id: str) -> Escalation:
    """One escalation as `viewer` may see it: safeguarding concerns only for safeguarding leads."""
    found = get(conn, viewer.tenant_id, escalation_id)
    if found.type == SAFEGUARDING and not viewer.is_safeguarding_lead:
        raise NotFound("No such escalation.")  # not even its existence leaks
    return found


def queue(conn: Connection, viewer: Viewer, *, include_resolved: bool = False,
          limit: int = 200) -> list[Escalation]:
    """Open escalations, most severe first, then oldest first; what `viewer` may see."""
    where = [escalations.c.tenant_id == viewer.tenant_id]
    if not include_resolved:
        where.append(escalations.c.state != codes.EscalationState.RESOLVED.value)
    if not viewer.is_safeguarding_lead:
        where.append(escalations.c.type != SAFEGUARDING)
    rows = conn.execute(select(escalations).where(and_(*where))
                        .order_by(escalations.c.raised_at).limit(limit)).mappings()
    found = [_from_row(r) for r in rows]
    rank = {s.value: i for i, s in enumerate((codes.Severity.EMERGENCY, codes.Severity.URGENT,
                                               codes.Severity.ROUTINE))}
    return sorted(found, key=lambda e: (rank.get(e.severity, 99), e.raised_at))


def history(conn: Connection, viewer: Viewer, escalation_id: str) -> list[Event]:
    visible(conn, viewer, escalation_id)
    rows = conn.execute(select(escalation_events).where(
        escalation_events.c.tenant_id == viewer.tenant_id,
        escalation_events.c.escalation_id == escalation_id,
    ).order_by(escalation_events.c.id)).mappings()
    return [Event(r["at"], r["event"], r["actor_kind"], r["actor_id"], dict(r["detail"] or {}))
            for r in rows]


def acknowledge(conn: Connection, viewer: Viewer, escalation_id: str, now: datetime) -> Escalation:
    """The office has seen it: stops the climb up the on-call ladder. Once only."""
    found = visible(conn, viewer, escalation_id)
    if found.state != codes.EscalationState.RAISED.value:
        raise Invalid("This escalation has already been acknowledged.")
    done = conn.execute(update(escalations).where(
        escalations.c.id == escalation_id, escalations.c.tenant_id == viewer.tenant_id,
        escalations.c.state == codes.EscalationState.RAISED.value,
    ).values(state=codes.EscalationState.ACKNOWLEDGED.value, acknowledged_at=now.isoformat(),
             acknowledged_by=viewer.id, next_call_at=None)).rowcount
    if done != 1:
        raise Invalid("This escalation has already been acknowledged.")
    _event(conn, viewer.tenant_id, escalation_id, now, "acknowledged", "coordinator", viewer.id, {})
    acked = get(conn, viewer.tenant_id, escalation_id)
    _tell_worker(conn, acked, version=2)
    return acked


def resolve(conn: Connection, viewer: Viewer, escalation_id: str, now: datetime, *,
            outcome: str, sealed_notes: dict[str, Any] | None = None) -> Escalation:
    """Closed with an outcome (acknowledging it first if nobody had)."""
    found = visible(conn, viewer, escalation_id)
    # Every lone-worker alert closes as safe, late or incident (false alarms cost trust).
    _require(codes.AlertOutcome if found.lone_working else codes.EscalationOutcome, outcome,
             "outcome")
    if found.state == codes.EscalationState.RESOLVED.value:
        raise Invalid("This escalation is already resolved.")
    values: dict[str, Any] = {"state": codes.EscalationState.RESOLVED.value,
                              "resolved_at": now.isoformat(), "resolved_by": viewer.id,
                              "outcome": outcome, "notes": sealed_notes, "next_call_at": None}
    if found.acknowledged_at is None:
        values |= {"acknowledged_at": now.isoformat(), "acknowledged_by": viewer.id}
    conn.execute(update(escalations).where(
        escalations.c.id == escalation_id, escalations.c.tenant_id == viewer.tenant_id,
    ).values(**values))
    _event(conn, viewer.tenant_id, escalation_id, now, "resolved", "coordinator", viewer.id,
           {"outcome": outcome})
    resolved = get(conn, viewer.tenant_id, escalation_id)
    _tell_worker(conn, resolved, version=3)
    return resolved


def close_by_office(conn: Connection, tenant_id: str, escalation_id: str, now: datetime, *,
                    outcome: str, label: str) -> Escalation | None:
    """The office's own check found the cause gone (say, the missing dose was entered): the
    escalation closes itself with `outcome`, and its history says why (`label`). None when it
    was already resolved (a coordinator got there first)."""
    _require(codes.EscalationOutcome, outcome, "outcome")
    found = get(conn, tenant_id, escalation_id)
    if found.state == codes.EscalationState.RESOLVED.value:
        return None
    values: dict[str, Any] = {"state": codes.EscalationState.RESOLVED.value,
                              "resolved_at": now.isoformat(), "outcome": outcome,
                              "next_call_at": None}
    if found.acknowledged_at is None:
        values["acknowledged_at"] = now.isoformat()
    if conn.execute(update(escalations).where(
            escalations.c.id == escalation_id, escalations.c.tenant_id == tenant_id,
            escalations.c.state != codes.EscalationState.RESOLVED.value,
    ).values(**values)).rowcount != 1:
        return None
    _event(conn, tenant_id, escalation_id, now, "resolved", "office", "office_check",
           {"outcome": outcome, "label": label})
    closed = get(conn, tenant_id, escalation_id)
    _tell_worker(conn, closed, version=3)
    return closed


ESCALATION_ENTITY = "escalation"


def _tell_worker(conn: Connection, esc: Escalation, version: int) -> None:
    """The raising worker's phone learns at next sync that the office has it in hand."""
    if esc.worker_id is None or esc.source_record_id is None:
        return  # raised by the office itself: no phone is waiting to hear
    feed.publish(conn, esc.tenant_id, [{
        "worker_id": esc.worker_id, "entity": ESCALATION_ENTITY,
        "entity_id": esc.source_record_id, "op": "upsert", "version": version,
        "body": {"record_id": esc.source_record_id, "reference": esc.reference,
                 "state": esc.state, "acknowledged_at": esc.acknowledged_at,
                 "resolved_at": esc.resolved_at, "outcome": esc.outcome},
    }])


def record_event(conn: Connection, tenant_id: str, escalation_id: str, at: datetime, event: str,
                 detail: dict[str, Any]) -> None:
    """The office's own steps (a tier called, a notice delivered or not) in the history."""
    _event(conn, tenant_id, escalation_id, at, event, "office", "monitor", detail)


def _event(conn: Connection, tenant_id: str, escalation_id: str, at: datetime, event: str,
           actor_kind: str, actor_id: str, detail: dict[str, Any]) -> None:
    conn.execute(insert(escalation_events).values(
        tenant_id=tenant_id, escalation_id=escalation_id, at=at.isoformat(), event=event,
        actor_kind=actor_kind, actor_id=actor_id, detail=detail))


def _from_row(r: Any) -> Escalation:
    return Escalation(
        id=r["id"], tenant_id=r["tenant_id"], reference=r["reference"], type=r["type"],
        severity=r["severity"], received_at=r["received_at"],
        state=r["state"], raised_at=r["raised_at"], worker_id=r["worker_id"],
        service_user_id=r["service_user_id"], visit_id=r["visit_id"],
        source_record_id=r["source_record_id"], acknowledged_at=r["acknowledged_at"],
        acknowledged_by=r["acknowledged_by"], resolved_at=r["resolved_at"],
        resolved_by=r["resolved_by"], outcome=r["outcome"], tiers_called=r["tiers_called"],
        cause=r["cause"], level=r["level"], answered_at=r["answered_at"],
        office_check=r["office_check"])


def _require(code_set: type[StrEnum], value: str, what: str) -> None:
    if value not in {c.value for c in code_set}:
        raise Invalid(f"{what} must be one of: {', '.join(c.value for c in code_set)}")


def raise_from_records(conn: Connection, tenant_id: str, worker_id: str,
                       stored: list[PushedRecord], received_at: datetime) -> list[Escalation]:
    """Escalations from a worker's newly stored records (same transaction): `escalation`
    records, and a lone worker's SOS or duress alert, which is an emergency about the worker.

    A duress alert must never show on the worker's phone (whoever forced the unlock may be
    watching), so it is raised with no source record and the phone is told nothing of it."""
    raised: list[Escalation] = []
    for r in stored:
        facts, cause = r.facts, None
        spec: tuple[str, str, str, str | None, str | None]
        if r.kind == "escalation":
            spec = (str(facts.get("type")), str(facts.get("severity")), _record_key(r), r.id,
                    r.visit_id)
        elif r.kind == LONE_WORKER and facts.get("event") in RED_EVENTS:
            visit = facts.get("open_visit_id")
            cause = str(facts["event"])
            spec = (codes.EscalationType.WORKER_SAFETY.value, codes.Severity.EMERGENCY.value,
                    f"lone_worker:{r.id}", None, visit if isinstance(visit, str) else None)
        else:
            continue
        type_, severity, key, source, visit_id = spec
        try:
            esc = raise_escalation(
                conn, tenant_id, dedupe_key=key, type_=type_, severity=severity,
                raised_at=datetime.fromisoformat(r.recorded_at), received_at=received_at,
                actor_kind="worker", actor_id=worker_id, worker_id=worker_id,
                cause=cause, level=codes.AlertLevel.RED.value if cause else None,
                service_user_id=r.service_user_id,
                visit_id=visit_id, source_record_id=source)
        except (Invalid, ValueError):
            continue  # ingest validation refuses such records; never store half an escalation
        if esc is not None:
            raised.append(esc)
        elif source is not None and key.startswith(DOSE_KEY):
            _adopt(conn, tenant_id, key, source, worker_id)
    return raised


DOSE_KEY = "dose:"


def dose_key(medicine_id: str, dose_at: str) -> str:
    """One medication concern per dose (medicine + scheduled time, or a PRN dose's time): the
    eMAR's own escalation from the phone and an office-side check about the same dose share it,
    whichever arrives first, so the office sees the dose once."""
    at = datetime.fromisoformat(dose_at).astimezone(UTC).isoformat()
    return f"{DOSE_KEY}{medicine_id}:{at}"


def dose_key_prefix(medicine_id: str) -> str:
    """What every `dose_key` of this medicine starts with (its time follows)."""
    return f"{DOSE_KEY}{medicine_id}:"


def _record_key(r: PushedRecord) -> str:
    facts = r.facts
    medicine, dose_at = facts.get("medicine_id"), facts.get("dose_at")
    if facts.get("type") == codes.EscalationType.MEDICATION.value and \
            isinstance(medicine, str) and isinstance(dose_at, str):
        try:
            return dose_key(medicine, dose_at)
        except ValueError:
            pass  # ingest validation refuses a bad time; keep the record's own key
    return f"record:{r.id}"


def _adopt(conn: Connection, tenant_id: str, key: str, record_id: str, worker_id: str) -> None:
    """The phone's escalation about a dose an office-side check had already raised: link the
    record to it, so that phone still hears when the office acknowledges or resolves it."""
    done = conn.execute(update(escalations).where(
        escalations.c.tenant_id == tenant_id, escalations.c.dedupe_key == key,
        escalations.c.source_record_id.is_(None),
        or_(escalations.c.worker_id.is_(None), escalations.c.worker_id == worker_id),
    ).values(source_record_id=record_id, worker_id=worker_id)).rowcount
    if done != 1:
        return
    eid = conn.execute(select(escalations.c.id).where(
        escalations.c.tenant_id == tenant_id, escalations.c.dedupe_key == key)).scalar_one()
    found = get(conn, tenant_id, eid)
    if found.state != codes.EscalationState.RAISED.value:
        _tell_worker(conn, found, version=3 if found.resolved_at else 2)
