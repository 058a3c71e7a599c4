"""Lone working: a timed welfare session per visit that the server, not the phone, watches.

Checking in starts a session whose expected end is the visit's scheduled end; the worker may
extend it. No check-out by expected end + grace -> **amber**: a worker-safety escalation the
console shows, and the worker's phone is asked "Are you OK?" at its next sync. Amber unanswered
for a further period -> **red**: an emergency that climbs the on-call ladder, each tier with
its own acknowledgement time. The worker answering "I'm OK" or checking out stops the climb; a
coordinator closes every alert with an outcome (safe, late, incident).

Every step is keyed in the database (one amber per session, red once), so the monitor may run
in any one process at a time, restart, or change leader without losing or doubling an alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, insert, select, tuple_, update

from server import agency_settings, escalations, feed
from server.schema import escalations as escalations_t
from server.schema import visits, welfare_sessions
from sync import codes
from sync.protocol import PushedRecord

OVERDUE = codes.AlertCause.OVERDUE.value
AMBER, RED = codes.AlertLevel.AMBER.value, codes.AlertLevel.RED.value
WELFARE_ENTITY = "welfare"  # the phone's "Are you OK?" question, by session
EXTEND_LIMIT = timedelta(hours=4)
BATCH = 500
_OPEN = (codes.EscalationState.RAISED.value, codes.EscalationState.ACKNOWLEDGED.value)


def from_records(conn: Connection, tenant_id: str, worker_id: str,
                 stored: list[PushedRecord], now: datetime) -> None:
    """Start, extend, answer and end sessions from a worker's newly stored records, in record
    order. A lone-worker event (an extension applies to the session open at that moment) is
    applied on its own; the check-ins and check-outs between two of them are worked out in
    memory and written in a few statements (`_apply`)."""
    segment: list[PushedRecord] = []
    for r in stored:
        if r.kind == "lone_worker":
            _apply(conn, tenant_id, worker_id, segment, now)
            segment = []
            _lone_event(conn, tenant_id, worker_id, r, now)
        else:
            segment.append(r)
    _apply(conn, tenant_id, worker_id, segment, now)


def _lone_event(conn: Connection, tenant_id: str, worker_id: str, r: PushedRecord,
                now: datetime) -> None:
    if r.facts.get("event") == codes.LoneWorkerEvent.OK:
        _stand_down(conn, tenant_id, worker_id, None, now)
    elif r.facts.get("event") == codes.LoneWorkerEvent.EXTEND:
        _extend(conn, tenant_id, worker_id, r.facts.get("minutes"))


def _apply(conn: Connection, tenant_id: str, worker_id: str, stored: list[PushedRecord],
           now: datetime) -> None:
    """Check-ins and check-outs in record order, in a few statements however many there are
    (a phone back from a week offline must not wait on thousands of round trips): each
    check-in starts a session; a check-out ends the sessions of its visit still open, those
    begun in this push (written already ended) and those open before it (ended here at the
    visit's first check-out), and answers the visit's overdue alerts."""
    ins = [r for r in stored if r.kind == "check_in" and r.visit_id]
    if not ins and not any(r.kind == "check_out" and r.visit_id for r in stored):
        return
    ends: dict[str, Any] = {}
    known: set[str] = set()
    if ins:
        ends = dict(conn.execute(select(visits.c.id, visits.c.end).where(
            visits.c.tenant_id == tenant_id,
            visits.c.id.in_(sorted({str(r.visit_id) for r in ins})))).all())
        known = set(conn.execute(select(welfare_sessions.c.id).where(
            welfare_sessions.c.tenant_id == tenant_id,
            welfare_sessions.c.id.in_([r.id for r in ins]))).scalars())
    started: dict[str, dict[str, Any]] = {}
    open_now: dict[str, list[str]] = {}  # visit -> sessions begun in this push, still open
    first_out: dict[str, str] = {}
    for r in stored:
        if not r.visit_id:
            continue
        if r.kind == "check_in":
            if r.id in known or r.id in started or ends.get(r.visit_id) is None:
                continue
            started[r.id] = {"id": r.id, "tenant_id": tenant_id, "worker_id": worker_id,
                             "visit_id": r.visit_id, "started_at": _utc(r.recorded_at),
                             "expected_end": _utc(ends[r.visit_id]), "ended_at": None}
            open_now.setdefault(r.visit_id, []).append(r.id)
        elif r.kind == "check_out":
            for sid in open_now.pop(r.visit_id, []):
                started[sid]["ended_at"] = _utc(r.recorded_at)
            first_out.setdefault(r.visit_id, r.recorded_at)
    if first_out:
        # Before this push's sessions are written: a visit checked out, then in again,
        # keeps its new session open.
        _end(conn, tenant_id, worker_id, first_out)
        conn.execute(update(escalations_t).where(
            *_overdue_open(tenant_id, worker_id),
            escalations_t.c.visit_id == bindparam("b_visit")).values(
            answered_at=now.astimezone(UTC).isoformat(), next_call_at=None),
            [{"b_visit": v} for v in first_out])
    if started:
        conn.execute(insert(welfare_sessions), list(started.values()))


def _end(conn: Connection, tenant_id: str, worker_id: str, ended: dict[str, str]) -> None:
    """End the open sessions of each visit (visit id -> check-out time)."""
    conn.execute(update(welfare_sessions).where(
        welfare_sessions.c.tenant_id == tenant_id, welfare_sessions.c.worker_id == worker_id,
        welfare_sessions.c.visit_id == bindparam("b_visit"),
        welfare_sessions.c.ended_at.is_(None)).values(ended_at=bindparam("b_end")),
        [{"b_visit": v, "b_end": _utc(at)} for v, at in ended.items()])


def _extend(conn: Connection, tenant_id: str, worker_id: str, minutes: Any) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 240:
        return  # ingest validation refuses these; nothing half-applied
    row = conn.execute(select(welfare_sessions).where(
        welfare_sessions.c.tenant_id == tenant_id, welfare_sessions.c.worker_id == worker_id,
        welfare_sessions.c.ended_at.is_(None)).order_by(
        welfare_sessions.c.started_at.desc())).mappings().first()
    if row is None:
        return
    longer = datetime.fromisoformat(row["expected_end"]) + timedelta(minutes=minutes)
    # At most EXTEND_LIMIT past the booked end (a worker who checked in hours early still
    # gets their extension; nobody silences the checks for longer than that).
    booked = conn.execute(select(visits.c.end).where(
        visits.c.tenant_id == tenant_id, visits.c.id == row["visit_id"])).scalar()
    cap = (datetime.fromisoformat(_utc(booked)) if booked
           else datetime.fromisoformat(row["started_at"])) + EXTEND_LIMIT
    conn.execute(update(welfare_sessions).where(
        welfare_sessions.c.tenant_id == tenant_id, welfare_sessions.c.id == row["id"]).values(
        expected_end=min(longer, max(cap, datetime.fromisoformat(row["expected_end"])))
        .isoformat()))


def _stand_down(conn: Connection, tenant_id: str, worker_id: str, visit_id: str | None,
                now: datetime) -> None:
    """The worker is heard from: an open overdue alert climbs no further (still to close)."""
    where = _overdue_open(tenant_id, worker_id)
    if visit_id is not None:
        where.append(escalations_t.c.visit_id == visit_id)
    conn.execute(update(escalations_t).where(*where).values(
        answered_at=now.astimezone(UTC).isoformat(), next_call_at=None))


def _overdue_open(tenant_id: str, worker_id: str) -> list[ColumnElement[bool]]:
    """The worker's overdue alerts still waiting for them to be heard from."""
    return [escalations_t.c.tenant_id == tenant_id, escalations_t.c.worker_id == worker_id,
            escalations_t.c.cause == OVERDUE, escalations_t.c.answered_at.is_(None),
            escalations_t.c.state != codes.EscalationState.RESOLVED.value]


def watch(engine: Engine, now: datetime) -> None:
    """The monitor (server/monitors.py, leader only): see `tick`."""
    tick(engine, now)


def tick(engine: Engine, now: datetime) -> tuple[int, int]:
    """Overdue sessions turn amber, unanswered ambers turn red; returns (ambers, reds).

    Works in batches until nothing is due, so a tenth of ten thousand sessions running out at
    once still turn amber within one tick."""
    ambers = reds = 0
    while True:
        found, raised = _amber_batch(engine, now)
        ambers += raised
        if found < BATCH:
            break
    while True:
        found, turned = _red_batch(engine, now)
        reds += turned
        if found < BATCH:
            break
    return ambers, reds


def _amber_batch(engine: Engine, now: datetime) -> tuple[int, int]:
    """One batch of overdue sessions turned amber in one transaction, in a few statements
    (a morning where hundreds run out at once must not wait on one round trip per alert)."""
    with engine.begin() as conn:
        due = conn.execute(select(welfare_sessions).where(
            welfare_sessions.c.ended_at.is_(None), welfare_sessions.c.amber_at.is_(None),
            welfare_sessions.c.expected_end <= now.isoformat(),
        ).order_by(welfare_sessions.c.expected_end).limit(BATCH)).mappings().all()
        timings: dict[str, agency_settings.AgencyTimings] = {}
        ready = []
        for s in due:
            t = timings.setdefault(s["tenant_id"], agency_settings.timings(conn, s["tenant_id"]))
            if datetime.fromisoformat(s["expected_end"]) + timedelta(seconds=t.lone_grace_s) <= now:
                ready.append(s)
        if not ready:
            return 0, 0  # a batch still within its grace: nothing more is due yet
        # The agencies' clocks before any session row, in the order a push takes them; a push
        # that ended or extended a session meanwhile has committed by now, so the claim below
        # takes only sessions still open, unanswered and with the end that was read.
        feed.lock_clocks(conn, {s["tenant_id"] for s in ready})
        # Claimed by this transaction only: a second monitor finds amber_at set.
        # Ids are unique per agency only: rows are named by (agency, id).
        claimed = {(r.tenant_id, r.id) for r in conn.execute(update(welfare_sessions).where(
            tuple_(welfare_sessions.c.tenant_id, welfare_sessions.c.id,
                   welfare_sessions.c.expected_end).in_(
                [(s["tenant_id"], s["id"], s["expected_end"]) for s in ready]),
            welfare_sessions.c.ended_at.is_(None),
            welfare_sessions.c.amber_at.is_(None)).values(amber_at=now.isoformat())
            .returning(welfare_sessions.c.tenant_id, welfare_sessions.c.id))}
        sessions = [s for s in ready if (s["tenant_id"], s["id"]) in claimed]
        people = {(r.tenant_id, r.id): r.service_user_id for r in conn.execute(
            select(visits.c.tenant_id, visits.c.id, visits.c.service_user_id).where(
                tuple_(visits.c.tenant_id, visits.c.id).in_(
                    [(s["tenant_id"], s["visit_id"]) for s in sessions])))}
        escalations.add_raised(conn, [escalations.new_row(
            s["tenant_id"], dedupe_key=f"overdue:{s['id']}",
            type_=codes.EscalationType.WORKER_SAFETY.value,
            severity=codes.Severity.URGENT.value, raised_at=now, received_at=now,
            worker_id=s["worker_id"], service_user_id=people.get((s["tenant_id"], s["visit_id"])),
            visit_id=s["visit_id"], source_record_id=None, cause=OVERDUE, level=AMBER)
            for s in sessions], "office", "monitor")
        for tenant in {s["tenant_id"] for s in sessions}:
            feed.publish(conn, tenant, [{
                "worker_id": s["worker_id"], "entity": WELFARE_ENTITY, "entity_id": s["id"],
                "op": "upsert", "version": 1,
                "body": {"session_id": s["id"], "visit_id": s["visit_id"],
                         "question": "are_you_ok", "asked_at": now.isoformat()}}
                for s in sessions if s["tenant_id"] == tenant])
    return len(due), len(sessions)


def _red_batch(engine: Engine, now: datetime) -> tuple[int, int]:
    """One batch of unanswered ambers turned red (emergency, up the ladder from now)."""
    with engine.begin() as conn:
        ambers = conn.execute(select(escalations_t).where(
            escalations_t.c.cause == OVERDUE, escalations_t.c.level == AMBER,
            escalations_t.c.answered_at.is_(None),
            # The worker's silence is what turns amber red: a coordinator having seen the amber
            # does not mean the worker is safe, so an acknowledged amber still goes red.
            escalations_t.c.state.in_(_OPEN),
        ).order_by(escalations_t.c.raised_at).limit(BATCH)).mappings().all()
        timings: dict[str, agency_settings.AgencyTimings] = {}
        ready = []
        for e in ambers:
            t = timings.setdefault(e["tenant_id"], agency_settings.timings(conn, e["tenant_id"]))
            if datetime.fromisoformat(e["raised_at"]) + timedelta(
                    seconds=t.lone_amber_to_red_s) <= now:
                ready.append(e)
        if not ready:
            return 0, 0
        # As above: the clocks first, so a push answering these alerts is never deadlocked.
        feed.lock_clocks(conn, {e["tenant_id"] for e in ready})
        turned = set(conn.execute(update(escalations_t).where(
            escalations_t.c.id.in_([e["id"] for e in ready]), escalations_t.c.level == AMBER,
            escalations_t.c.answered_at.is_(None),
        ).values(level=RED, severity=codes.Severity.EMERGENCY.value,
                 # Red is a new emergency: it needs its own acknowledgement, tier by tier.
                 state=codes.EscalationState.RAISED.value,
                 received_at=now.isoformat(), next_call_at=now.isoformat())
            .returning(escalations_t.c.id)).scalars())
        for e in ready:
            if e["id"] in turned:
                escalations.record_event(conn, e["tenant_id"], e["id"], now, "red", {})
    return len(ambers), len(turned)


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()
