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

from server.schema import devices, visits, welfare_sessions, workers
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


def board(engine: Engine, who: Coordinator, now: datetime) -> LoneBoard:
    """The coordinator's agency's lone working at `now`: names and times (each person named
    is a read of their sealed record, audited)."""
    alerts = [a for a in queue(engine, who, now=now) if a.escalation.lone_working]
    alerts.sort(key=lambda a: (RED_FIRST.get(a.escalation.level or "", 2),
                               a.escalation.raised_at))
    level_by_visit: dict[str, str] = {}
    for a in alerts:  # red sorts first, so a visit keeps its worst level
        if a.escalation.visit_id and a.escalation.level:
            level_by_visit.setdefault(a.escalation.visit_id, a.escalation.level)
    with engine.begin() as conn:
        sessions = _open_sessions(conn, who, level_by_visit, now)
    late = sorted((s for s in sessions if s.overdue(now)), key=lambda s: s.expected_end)
    in_time = sorted((s for s in sessions if not s.overdue(now)), key=lambda s: s.expected_end)
    return LoneBoard(now, in_time, late, alerts)


def _open_sessions(conn: Connection, who: Coordinator, level_by_visit: dict[str, str],
                   now: datetime) -> list[OnVisit]:
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
    people = {pid: p.get("name", "") for pid, p in open_people(
        conn, who, [r["service_user_id"] for r in rows], now).items()}
    synced = dict(conn.execute(
        select(devices.c.worker_id, func.max(devices.c.last_seen_at))
        .where(devices.c.tenant_id == tenant_id,
               devices.c.worker_id.in_({r["worker_id"] for r in rows}))
        .group_by(devices.c.worker_id)).all())
    return [OnVisit(
        session_id=r["id"], visit_id=r["visit_id"], worker_id=r["worker_id"],
        worker_name=r["worker_name"], person_name=people.get(r["service_user_id"], "—"),
        checked_in_at=r["started_at"], expected_end=r["expected_end"],
        last_synced_at=synced.get(r["worker_id"]),
        alert_level=level_by_visit.get(r["visit_id"])) for r in rows]
