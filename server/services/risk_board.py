"""The risk board: everything in one agency that needs the office now, each with its age and a
target to act on.

Sections, most pressing first: lone working (open alerts, overdue check-outs with no alert yet),
time-critical doses (missed ones the office or a phone raised, and doses whose window is open now
at a visit with no outcome yet), unacknowledged escalations, missed and late visits, workers on
shift whose phone has not synced for longer than the agency's setting (with the records their
phone said it still holds), and unacknowledged handovers.

The board is built from clear columns only (ids, codes, times, staff names): it opens no
person's sealed record, so refreshing it every few seconds writes no audit rows and names no
one; the coordinator opens the visit, escalation or handover it links to (audited there). The
one sealed thing it reads is which medicines are time-critical (server/services/due_doses.py,
opened once per version). Every query is bounded in time (LOOKBACK, the visits
around now) so the board's cost follows the day's activity, not the size of the agency's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, exists, func, null, or_, select

from server import agency_settings, escalations
from server.handovers import State as HandoverState
from server.missed_doses import CANCELLED
from server.schema import devices, handovers, records, visits, welfare_sessions, workers
from server.schema import escalations as escalations_t
from server.services.due_doses import due_now
from server.services.sign_in import Coordinator
from server.storage import in_chunks
from sync import codes

LOOKBACK = timedelta(hours=24)  # missed visits and who is on shift: the last day
LATE_AFTER = timedelta(minutes=15)  # a visit not checked in to this long after its start is late
EARLY_CHECK_IN = timedelta(hours=2)  # check-ins read in one pass from this long before LOOKBACK
PENDING_COLUMN = "pending_count"
ROWS = 50  # per section; the section still says how many there are in all
MISSED_DOSE_CHECKS = (codes.OfficeCheck.NOT_GIVEN.value, codes.OfficeCheck.UNVISITED.value)
MEDICATION = codes.EscalationType.MEDICATION.value
SEVERITY_RANK = {codes.Severity.EMERGENCY.value: 0, codes.Severity.URGENT.value: 1,
                 codes.Severity.ROUTINE.value: 2}


class Section(StrEnum):
    LONE_WORKING = "lone_working"
    DOSES = "doses"
    ESCALATIONS = "escalations"
    VISITS = "visits"
    SYNC = "sync"
    HANDOVERS = "handovers"

    @property
    def heading(self) -> str:
        return _TITLES[self]


_TITLES = {
    Section.LONE_WORKING: "Lone working: alerts and overdue check-outs",
    Section.DOSES: "Time-critical doses: missed, and due now",
    Section.ESCALATIONS: "Escalations waiting for acknowledgement",
    Section.VISITS: "Missed and late visits",
    Section.SYNC: "Workers whose phone has not synced",
    Section.HANDOVERS: "Handovers waiting for acknowledgement",
}


class Target(StrEnum):
    """What a row's action opens in the console."""

    ESCALATION = "escalation"
    VISIT = "visit"
    HANDOVER = "handover"
    LONE_WORKING = "lone_working"  # the live board (an overdue check-out with no alert yet)


@dataclass(frozen=True)
class Risk:
    key: str  # unique on the board, stable across refreshes
    what: str  # plain words, no person named
    worker: str  # the worker's name ("the office" when none)
    detail: str
    since: str  # UTC ISO: when it began (the age counts from here)
    target: Target
    target_id: str
    rank: int = 2  # 0 most pressing

    def age_minutes(self, now: datetime) -> int:
        return max(0, int((now - datetime.fromisoformat(self.since)).total_seconds() // 60))


@dataclass(frozen=True)
class Part:
    section: Section
    rows: list[Risk]  # the first ROWS, most pressing then oldest first
    total: int


@dataclass(frozen=True)
class RiskBoard:
    now: datetime
    parts: list[Part]
    restricted: int  # open safeguarding escalations this reader may not open
    stale_after: timedelta

    def part(self, section: Section) -> Part:
        return next(p for p in self.parts if p.section is section)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.parts)


def risk_board(engine: Engine, who: Coordinator, now: datetime, tz: ZoneInfo) -> RiskBoard:
    """The agency's risks at `now` as `who` may see them (see the module)."""
    now = now.astimezone(UTC)
    with engine.begin() as conn:
        stale = timedelta(seconds=agency_settings.timings(conn, who.tenant_id).sync_stale_s)
        names = _Names(conn, who.tenant_id)
        found = {
            Section.LONE_WORKING: _lone_working(conn, who, now, names),
            Section.DOSES: _missed_doses(conn, who, names) + _due_doses(conn, who, now, tz,
                                                                        names),
            Section.ESCALATIONS: _unacknowledged(conn, who, names),
            Section.VISITS: _missed_visits(conn, who, now, tz, names),
            Section.SYNC: _not_synced(conn, who, now, stale),
            Section.HANDOVERS: _handovers(conn, who, names),
        }
        restricted = 0 if who.is_safeguarding_lead else int(conn.execute(
            select(func.count()).select_from(escalations_t).where(
                escalations_t.c.tenant_id == who.tenant_id,
                escalations_t.c.type == escalations.SAFEGUARDING,
                escalations_t.c.state != codes.EscalationState.RESOLVED.value)).scalar_one())
    parts = [Part(s, sorted(rows, key=lambda r: (r.rank, r.since, r.key))[:ROWS], len(rows))
             for s, rows in found.items()]
    return RiskBoard(now, parts, restricted, stale)


class _Names:
    """Workers' names (clear staff data), read once per board for the workers it names."""

    def __init__(self, conn: Connection, tenant_id: str):
        self.conn, self.tenant_id = conn, tenant_id
        self.known: dict[str, str] = {}

    def load(self, ids: set[str | None]) -> None:
        wanted = sorted({i for i in ids if i} - set(self.known))
        for chunk in in_chunks(wanted):
            self.known |= dict(self.conn.execute(select(workers.c.id, workers.c.name).where(
                workers.c.tenant_id == self.tenant_id,
                workers.c.id.in_(chunk))).all())

    def of(self, worker_id: str | None) -> str:
        return self.known.get(worker_id or "", "the office")


def _open_escalations(conn: Connection, who: Coordinator, *where: Any) -> list[Any]:
    clauses = [escalations_t.c.tenant_id == who.tenant_id,
               escalations_t.c.state != codes.EscalationState.RESOLVED.value, *where]
    if not who.is_safeguarding_lead:
        clauses.append(escalations_t.c.type != escalations.SAFEGUARDING)
    return list(conn.execute(select(
        escalations_t.c.id, escalations_t.c.reference, escalations_t.c.type,
        escalations_t.c.severity, escalations_t.c.state, escalations_t.c.raised_at,
        escalations_t.c.worker_id, escalations_t.c.visit_id, escalations_t.c.cause,
        escalations_t.c.level, escalations_t.c.office_check).where(and_(*clauses))).all())


def _state_words(state: str) -> str:
    return "waiting for acknowledgement" if state == "raised" else "acknowledged, still open"


def _lone_working(conn: Connection, who: Coordinator, now: datetime,
                  names: _Names) -> list[Risk]:
    alerts = _open_escalations(conn, who, escalations_t.c.cause.is_not(None))
    alerted = {a.visit_id for a in alerts if a.visit_id}
    overdue = [s for s in conn.execute(select(
        welfare_sessions.c.id, welfare_sessions.c.worker_id, welfare_sessions.c.visit_id,
        welfare_sessions.c.expected_end).where(
        welfare_sessions.c.tenant_id == who.tenant_id, welfare_sessions.c.ended_at.is_(None),
        welfare_sessions.c.expected_end < now.isoformat())).all()
        if s.visit_id not in alerted]
    names.load({a.worker_id for a in alerts} | {s.worker_id for s in overdue})
    out = [Risk(
        key=f"alert-{a.reference}",
        what=f"{(a.level or a.severity).capitalize()} lone-working alert: "
             f"{codes.AlertCause(a.cause).label if a.cause else 'lone working'}",
        worker=names.of(a.worker_id), detail=f"{a.reference} · {_state_words(a.state)}",
        since=a.raised_at, target=Target.ESCALATION, target_id=a.id,
        rank=0 if a.level == codes.AlertLevel.RED.value else 1) for a in alerts]
    out += [Risk(
        key=f"overdue-{s.visit_id}", what="Overdue check-out", worker=names.of(s.worker_id),
        detail="past the visit's expected end, not checked out", since=s.expected_end,
        target=Target.LONE_WORKING, target_id=s.visit_id, rank=1) for s in overdue]
    return out


def _escalation_risk(e: Any, names: _Names, what: str) -> Risk:
    return Risk(key=f"escalation-{e.reference}", what=what, worker=names.of(e.worker_id),
                detail=f"{e.reference} · {e.severity} · {_state_words(e.state)}",
                since=e.raised_at, target=Target.ESCALATION, target_id=e.id,
                rank=SEVERITY_RANK.get(e.severity, 2))


def _is_missed_dose() -> Any:
    return and_(escalations_t.c.type == MEDICATION, or_(
        escalations_t.c.office_check.in_(MISSED_DOSE_CHECKS),
        escalations_t.c.dedupe_key.like("dose:%")))


def _missed_doses(conn: Connection, who: Coordinator, names: _Names) -> list[Risk]:
    found = _open_escalations(conn, who, _is_missed_dose(), escalations_t.c.cause.is_(None))
    names.load({e.worker_id for e in found})
    return [_escalation_risk(e, names, "Time-critical dose " + (
        "missed: nobody visited" if e.office_check == codes.OfficeCheck.UNVISITED.value
        else "not given")) for e in found]


def _unacknowledged(conn: Connection, who: Coordinator, names: _Names) -> list[Risk]:
    """Raised and not yet acknowledged; lone-working alerts and missed doses have their own
    sections."""
    found = _open_escalations(conn, who, escalations_t.c.state == codes.EscalationState.RAISED,
                              escalations_t.c.cause.is_(None), ~_is_missed_dose())
    names.load({e.worker_id for e in found})
    out = []
    for e in found:
        what = codes.EscalationType(e.type).label
        if e.office_check:
            what += ": " + codes.OfficeCheck(e.office_check).label
        out.append(_escalation_risk(e, names, f"{e.severity.capitalize()} escalation: {what}"))
    return out


def _visits_around(conn: Connection, who: Coordinator, lo: datetime, hi: datetime,
                   *where: Any) -> list[Any]:
    """Visits (not cancelled) that started in [lo, hi]; stored in UTC, so text order is time
    order, on the (agency, start) index."""
    return list(conn.execute(select(
        visits.c.id, visits.c.worker_id, visits.c.service_user_id, visits.c.start,
        visits.c.end).where(
        visits.c.tenant_id == who.tenant_id, visits.c.start >= lo.isoformat(),
        visits.c.start <= hi.isoformat(), visits.c.status != CANCELLED, *where)).all())


def _checked_in() -> Any:
    return exists().where(records.c.tenant_id == visits.c.tenant_id,
                          records.c.visit_id == visits.c.id, records.c.kind == "check_in")


def _missed_visits(conn: Connection, who: Coordinator, now: datetime, tz: ZoneInfo,
                   names: _Names) -> list[Risk]:
    lo = now - LOOKBACK
    # The day's check-ins in one pass over the (agency, kind, time, visit) index rule out
    # nearly every visit at once; only the few left are looked up one by one (a check-in
    # recorded long before its visit, or with a phone's clock far out, still counts).
    recent = select(records.c.visit_id).where(
        records.c.tenant_id == who.tenant_id, records.c.kind == "check_in",
        records.c.recorded_at >= (lo - EARLY_CHECK_IN).isoformat(),
        records.c.visit_id.is_not(None))
    found = _visits_around(conn, who, lo, now - LATE_AFTER, visits.c.id.not_in(recent),
                           ~_checked_in())
    names.load({v.worker_id for v in found})
    out = []
    for v in found:
        missed = v.end < now.isoformat()
        out.append(Risk(
            key=f"visit-{v.id}", what="Missed visit: ended with no check-in" if missed
            else "Late visit: not checked in yet", worker=names.of(v.worker_id),
            detail=f"due {_local(v.start, tz):%H:%M}–{_local(v.end, tz):%H:%M}", since=v.start,
            target=Target.VISIT, target_id=v.id, rank=1 if missed else 2))
    return out


def _local(iso: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso).astimezone(tz)


def _not_synced(conn: Connection, who: Coordinator, now: datetime,
                stale: timedelta) -> list[Risk]:
    """Workers with a visit in the last day whose phones (not revoked) were last heard from
    more than `stale` ago (or never)."""
    # Silent phones first (a pass over the agency's devices), then which of their workers
    # are on shift (an index probe each): the silent are few, the visits of a day many.
    on_shift = exists().where(
        visits.c.worker_id == workers.c.id, visits.c.tenant_id == workers.c.tenant_id,
        visits.c.start >= (now - LOOKBACK).isoformat(), visits.c.start <= now.isoformat(),
        visits.c.status != CANCELLED)
    last = func.max(devices.c.last_seen_at)
    # What a phone reports at sync about the records it still holds (the devices screen's
    # column): until phones report it, the board says it is not reported.
    column = devices.c.get(PENDING_COLUMN)
    pending_sum = func.sum(column) if column is not None else null()
    rows = conn.execute(
        select(workers.c.id, workers.c.name, workers.c.phone, last.label("last_seen"),
               pending_sum.label("pending"))
        .join(devices, and_(devices.c.worker_id == workers.c.id,
                            devices.c.tenant_id == workers.c.tenant_id))
        .where(workers.c.tenant_id == who.tenant_id, workers.c.active,
               devices.c.revoked_at.is_(None))
        .group_by(workers.c.id, workers.c.name, workers.c.phone)
        .having(or_(last.is_(None), last < (now - stale).isoformat()))).all()
    if rows:
        busy = set(conn.execute(select(workers.c.id).where(
            workers.c.tenant_id == who.tenant_id,
            workers.c.id.in_([w.id for w in rows]), on_shift)).scalars())
        rows = [w for w in rows if w.id in busy]
    latest = _latest_visits(conn, who, [w.id for w in rows], now)
    out = []
    for w in rows:
        pending = "pending records not reported" if w.pending is None \
            else f"{int(w.pending)} record{'s' if w.pending != 1 else ''} waiting on the phone"
        phone = f" · phone {w.phone}" if w.phone else ""
        out.append(Risk(
            key=f"sync-{w.id}", what="Not synced" if w.last_seen else "Never synced",
            worker=w.name, detail=pending + phone, since=w.last_seen or (now - stale).isoformat(),
            target=Target.VISIT, target_id=latest.get(w.id, ""), rank=2))
    return out


def _latest_visits(conn: Connection, who: Coordinator, worker_ids: list[str],
                   now: datetime) -> dict[str, str]:
    """Each worker's latest visit that has started (in the last day): where to act."""
    latest: dict[str, tuple[str, str]] = {}
    for chunk in in_chunks(worker_ids):
        for v in conn.execute(select(visits.c.worker_id, visits.c.start, visits.c.id).where(
                visits.c.tenant_id == who.tenant_id,
                visits.c.worker_id.in_(chunk),
                visits.c.start >= (now - LOOKBACK).isoformat(),
                visits.c.start <= now.isoformat())).all():
            if v.worker_id not in latest or (v.start, v.id) > latest[v.worker_id]:
                latest[v.worker_id] = (v.start, v.id)
    return {w: visit_id for w, (_, visit_id) in latest.items()}


def _handovers(conn: Connection, who: Coordinator, names: _Names) -> list[Risk]:
    found = conn.execute(select(
        handovers.c.id, handovers.c.worker_id, handovers.c.has_concerns, handovers.c["items"],
        handovers.c.received_at, handovers.c.shift_end).where(
        handovers.c.tenant_id == who.tenant_id,
        handovers.c.state == HandoverState.UNACKNOWLEDGED.value)).all()
    names.load({h.worker_id for h in found})
    return [Risk(
        key=f"handover-{h.id}", what="Handover with concerns" if h.has_concerns else "Handover",
        worker=names.of(h.worker_id), detail=f"{h.items} item{'s' if h.items != 1 else ''}",
        since=h.received_at, target=Target.HANDOVER, target_id=h.id,
        rank=1 if h.has_concerns else 2) for h in found]


def _due_doses(conn: Connection, who: Coordinator, now: datetime, tz: ZoneInfo,
               names: _Names) -> list[Risk]:
    found = due_now(conn, who.tenant_id, now, tz)
    names.load({d.worker_id for d in found})
    return [Risk(
        key=f"dose-{d.medicine_id}-{d.at:%Y%m%d%H%M}", what="Time-critical dose due now",
        worker=names.of(d.worker_id),
        detail=f"{d.label}, due {d.at.astimezone(tz):%H:%M}, window closes "
               f"{d.closes.astimezone(tz):%H:%M}",
        since=d.opens.isoformat(), target=Target.VISIT, target_id=d.visit_id, rank=1)
        for d in found]
