"""Calling the on-call ladder for unacknowledged escalations, and sending the notices it makes.

`call_due_tiers` decides, from the clock and the agency's timings, which tiers of the ladder each
open urgent or emergency escalation should have reached, and records each call once: the primary
key of `ladder_calls` is (escalation, tier), so two server processes, a restart or a change of
leader can never call a tier twice. Each call queues one notice per contact of that tier.

`send_pending` claims queued notices one by one (a conditional UPDATE, so only one process sends a
given notice) and hands them to the Notifier. A notice claimed by a process that died is handed
back after `STALE_CLAIM`. Delivery state is kept on the notice and in the escalation's history,
so the console shows whether anyone was reached.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, RowMapping, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from server import agency_settings, escalations
from server.clock import Clock
from server.ladder import Rung, next_call_at, tiers_due
from server.notifier import Notice, Notifier
from server.periodic import Periodic
from server.schema import escalations as escalations_t
from server.schema import ladder_calls, notices, oncall_ladder
from sync import codes
from sync.protocol import uuid7

log = logging.getLogger("fieldapp.oncall")

ESCALATION = "escalation"  # the subject kind of ladder calls and notices made here
STALE_CLAIM = timedelta(minutes=2)
PUMP_SECONDS = 0.5
BATCH = 200


@dataclass(frozen=True)
class Pending:
    id: str
    tenant_id: str
    subject_id: str
    channel: str
    target: str
    attempts: int


def ladder(conn: Connection, tenant_id: str) -> list[Rung]:
    rows = conn.execute(select(oncall_ladder).where(oncall_ladder.c.tenant_id == tenant_id)
                        .order_by(oncall_ladder.c.tier)).mappings()
    by_tier: dict[int, list[tuple[str, str]]] = defaultdict(list)
    labels: dict[int, str] = {}
    for r in rows:
        by_tier[r["tier"]].append((r["channel"], r["target"]))
        labels.setdefault(r["tier"], r["label"])
    return [Rung(t, labels[t], tuple(by_tier[t])) for t in sorted(by_tier)]


def set_ladder(conn: Connection, tenant_id: str, rungs: list[Rung]) -> None:
    """Replace the agency's ladder (tiers numbered from 0 in the order given)."""
    conn.execute(oncall_ladder.delete().where(oncall_ladder.c.tenant_id == tenant_id))
    rows = [{"tenant_id": tenant_id, "tier": i, "channel": ch, "target": target,
             "label": rung.label}
            for i, rung in enumerate(rungs) for ch, target in rung.contacts]
    if rows:
        conn.execute(insert(oncall_ladder), rows)


def call_due_tiers(engine: Engine, now: datetime) -> int:
    """Record every tier call that is due by `now`; returns how many tiers were called."""
    called = 0
    with engine.begin() as conn:
        due_rows = conn.execute(select(escalations_t).where(
            escalations_t.c.next_call_at <= now.astimezone(UTC).isoformat(),
            escalations_t.c.state == codes.EscalationState.RAISED.value,
        ).order_by(escalations_t.c.next_call_at).limit(BATCH)).mappings().all()
        ladders: dict[str, list[Rung]] = {}
        for e in due_rows:
            tenant = e["tenant_id"]
            if tenant not in ladders:
                ladders[tenant] = ladder(conn, tenant)
            rungs = ladders[tenant]
            wait = agency_settings.timings(conn, tenant).ack_wait(
                e["severity"], lone_working=e["cause"] is not None)
            waits = [wait] if wait else []
            raised = datetime.fromisoformat(e["received_at"])  # the office could act from here
            due = tiers_due(raised, now, waits, len(rungs))
            for tier in range(e["tiers_called"], due):
                called += _call(conn, e, rungs[tier], now)
            upcoming = next_call_at(raised, waits, max(due, e["tiers_called"]), len(rungs))
            conn.execute(update(escalations_t).where(
                escalations_t.c.id == e["id"],
                escalations_t.c.next_call_at == e["next_call_at"],  # nobody moved it meanwhile
            ).values(tiers_called=max(due, e["tiers_called"]),
                     next_call_at=upcoming.astimezone(UTC).isoformat() if upcoming else None))
    return called


def _call(conn: Connection, row: RowMapping, rung: Rung, now: datetime) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(insert(ladder_calls).values(
                subject_kind=ESCALATION, subject_id=row["id"], tier=rung.tier,
                tenant_id=row["tenant_id"],
                called_at=now.isoformat()))
    except IntegrityError:
        return False  # another process called this tier already
    if rung.contacts:
        conn.execute(insert(notices), [{
            "id": uuid7(), "tenant_id": row["tenant_id"], "subject_kind": ESCALATION,
            "subject_id": row["id"],
            "tier": rung.tier, "channel": channel, "target": target, "state": "pending",
            "attempts": 0, "created_at": now.isoformat()} for channel, target in rung.contacts])
    escalations.record_event(conn, str(row["tenant_id"]), str(row["id"]), now, "tier_called",
                             {"tier": rung.tier, "label": rung.label,
                              "contacts": len(rung.contacts)})
    return True


def send_pending(engine: Engine, notifier: Notifier, now: datetime, console_url: str) -> int:
    """Send every queued notice this process can claim; returns how many were delivered.

    One transaction claims a batch (a conditional UPDATE: another process gets none of it),
    the notices go out, and one transaction records every result."""
    claimed, subjects = _claim_batch(engine, now)
    if not claimed:
        return 0
    results = []
    for c in claimed:
        esc = subjects[c.subject_id]
        notice = Notice(reference=esc.reference, topic=_topic(esc), severity=esc.severity,
                        link=f"{console_url.rstrip('/')}/escalations/{esc.id}")
        results.append((c, notifier.deliver(notice, [(c.channel, c.target)])[0]))
    with engine.begin() as conn:
        for c, result in results:
            conn.execute(update(notices).where(notices.c.id == c.id).values(
                state="sent" if result.delivered else "failed",
                attempts=c.attempts + result.attempts, last_error=result.error,
                sent_at=now.isoformat() if result.delivered else None))
            escalations.record_event(
                conn, c.tenant_id, c.subject_id, now,
                "notice_sent" if result.delivered else "notice_failed",
                {"channel": c.channel, "attempts": result.attempts,
                 **({"error": result.error} if result.error else {})})
    return sum(result.delivered for _c, result in results)


def _claim_batch(engine: Engine, now: datetime
                 ) -> tuple[list[Pending], dict[str, escalations.Escalation]]:
    stale = (now - STALE_CLAIM).isoformat()
    claimable = or_(notices.c.state == "pending",
                    and_(notices.c.state == "sending", notices.c.claimed_at < stale))
    with engine.begin() as conn:
        ids = conn.execute(select(notices.c.id).where(claimable)
                           .order_by(notices.c.created_at).limit(BATCH)).scalars().all()
        if not ids:
            return [], {}
        rows = conn.execute(update(notices).where(notices.c.id.in_(ids), claimable)
                            .values(state="sending", claimed_at=now.isoformat())
                            .returning(notices)).mappings().all()
        claimed = [Pending(r["id"], r["tenant_id"], r["subject_id"], r["channel"],
                           r["target"], r["attempts"]) for r in rows]
        subjects = {c.subject_id: escalations.get(conn, c.tenant_id, c.subject_id)
                    for c in claimed}
    order = {notice_id: n for n, notice_id in enumerate(ids)}
    return sorted(claimed, key=lambda c: order[c.id]), subjects


def _topic(esc: escalations.Escalation) -> str:
    # The category only: "Safeguarding concern" is withheld from mail, whose readers may not be
    # safeguarding leads; the console shows it to those who may see it.
    if esc.type == codes.EscalationType.SAFEGUARDING.value:
        return "Escalation"
    return f"{codes.Severity(esc.severity).value.capitalize()} escalation"


class NoticePump(Periodic):
    """Each server process's loop that calls due ladder tiers and sends queued notices.

    It looks every `tick` seconds (two indexed queries), so an emergency reaches the on-call
    person within seconds of the sync that brought it. Every process runs it: the unique ladder
    calls and the notice claims keep each call and each notice to one process, so no leader is
    needed and none is lost with a process.
    """

    # The next look tries again; never say what it was sending.
    failure = "on-call notice run failed"
    log = log

    def __init__(self, engine: Engine, notifier: Notifier, clock: Clock, console_url: str,
                 tick: float = PUMP_SECONDS) -> None:
        super().__init__(tick)
        self.engine, self.notifier, self.clock = engine, notifier, clock
        self.console_url = console_url

    def run_once(self) -> int:
        now = self.clock.now()
        call_due_tiers(self.engine, now)
        return send_pending(self.engine, self.notifier, now, self.console_url)
