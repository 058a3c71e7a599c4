"""The office's live board of lone working: who is on a visit now, who is overdue, open alerts.

Read from the welfare sessions the server watches (server/welfare.py) and the lone-working
escalations it raised; every alert carries the worker's last sync and last check-in (through
the escalation queue), so the coordinator can judge "no signal" against danger. Acknowledging
and closing an alert go through the escalation board, which seals and audits the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, func, select

from server.schema import devices, escalations, visits, welfare_sessions, workers
from server.services.escalation_board import QueueItem, queue
from server.services.people import open_people
from server.services.sign_in import Coordinator
from sync import codes

RED_FIRST = {codes.AlertLevel.RED.value: 0, codes.AlertLevel.AMBER.value: 1}


@dataclass(frozen=True)
class OnVisit:
    """One open welfare session: a worker checked in and not yet out."""

    session_id: str
    visit_id: str
    worker_id: str
    worker_name: str
    person_name: str
    checked_in_at: str
    expected_end: str
    last_synced_at: str | None
    alert_level: str | None  # amber or red while an open alert is about this visit

    def seconds_left(self, now: datetime) -> int:
        """Until the expected end; negative once it has passed."""
        return int((datetime.fromisoformat(self.expected_end) - now).total_seconds())

    def overdue(self, now: datetime) -> bool:
        return self.seconds_left(now) < 0


@dataclass(frozen=True)
class LoneBoard:
    """What the board shows at `now`: sessions still in time, overdue ones, open alerts."""

    now: datetime
    on_visits: list[OnVisit]  # soonest expected end first
    overdue: list[OnVisit]  # most overdue first
    alerts: list[QueueItem]  # red before amber, then oldest first

    @property
    def red(self) -> int:
        return sum(1 for a in self.alerts if a.escalation.level == codes.AlertLevel.RED)


def board(engine: Engine, who: Coordinator, now: datetime, *, sessions: bool = True,
          alerts: bool = True, people: bool = True) -> LoneBoard:
    """The coordinator's agency's lone working at `now`: names and times (each person named
    is a read of their sealed record, audited once per sign-in and version of the record).

    `sessions` or `alerts` False leaves that part empty, `people` False leaves the people on
    visits unnamed and unopened (an API caller asking for less)."""
    found = [a for a in queue(engine, who, now=now) if a.escalation.lone_working] \
        if alerts else []
    found.sort(key=lambda a: (RED_FIRST.get(a.escalation.level or "", 2),
                              a.escalation.raised_at))
    if not sessions:
        return LoneBoard(now, [], [], found)
    with engine.begin() as conn:
        open_ = _open_sessions(conn, who, now, people)
    late = sorted((s for s in open_ if s.overdue(now)), key=lambda s: s.expected_end)
    in_time = sorted((s for s in open_ if not s.overdue(now)), key=lambda s: s.expected_end)
    return LoneBoard(now, in_time, late, found)


def _open_sessions(conn: Connection, who: Coordinator, now: datetime,
                   people: bool) -> list[OnVisit]:
    tenant_id = who.tenant_id
    rows = conn.execute(
        select(welfare_sessions, workers.c.name.label("worker_name"),
               visits.c.service_user_id)
        .join(workers, and_(workers.c.id == welfare_sessions.c.worker_id,
                            workers.c.tenant_id == welfare_sessions.c.tenant_id))
        .join(visits, and_(visits.c.id == welfare_sessions.c.visit_id,
                           visits.c.tenant_id == welfare_sessions.c.tenant_id))
        .where(welfare_sessions.c.tenant_id == tenant_id, welfare_sessions.c.ended_at.is_(None))
    ).mappings().all()
    names = {pid: p.get("name", "") for pid, p in open_people(
        conn, who, [r["service_user_id"] for r in rows], now,
        listing=True).items()} if people else {}
    synced = dict(conn.execute(
        select(devices.c.worker_id, func.max(devices.c.last_seen_at))
        .where(devices.c.tenant_id == tenant_id,
               devices.c.worker_id.in_({r["worker_id"] for r in rows}))
        .group_by(devices.c.worker_id)).all())
    level_by_visit = _open_alert_levels(conn, tenant_id)
    return [OnVisit(
        session_id=r["id"], visit_id=r["visit_id"], worker_id=r["worker_id"],
        worker_name=r["worker_name"], person_name=names.get(r["service_user_id"], "—"),
        checked_in_at=r["started_at"], expected_end=r["expected_end"],
        last_synced_at=synced.get(r["worker_id"]),
        alert_level=level_by_visit.get(r["visit_id"])) for r in rows]


def _open_alert_levels(conn: Connection, tenant_id: str) -> dict[str, str]:
    """Each visit's worst open lone-working alert level. Read from the table itself, not the
    queue (which shows the first 200): on a bad morning every overdue visit says so."""
    levels: dict[str, str] = {}
    for visit_id, level in conn.execute(
            select(escalations.c.visit_id, escalations.c.level).where(
                escalations.c.tenant_id == tenant_id, escalations.c.cause.is_not(None),
                escalations.c.visit_id.is_not(None),
                escalations.c.state != codes.EscalationState.RESOLVED.value)):
        if RED_FIRST.get(level, 2) < RED_FIRST.get(levels.get(visit_id, ""), 2):
            levels[visit_id] = level
    return levels
