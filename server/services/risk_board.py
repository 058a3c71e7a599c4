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
one sealed thing it reads is the medicines lists of people with a visit around now, to know which
doses are time-critical; their schedules are kept in memory by (agency, medicine, version), so
a refresh opens only lists that changed. Every query is bounded in time (LOOKBACK, the visits
around now) so the board's cost follows the day's activity, not the size of the agency's history.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, exists, func, null, or_, select

from server import agency_settings, datakeys, escalations, sealing
from server.handovers import State as HandoverState
from server.missed_doses import CANCELLED, due_times
from server.office_checks import DEFAULT_WINDOW_MINUTES
from server.schema import devices, handovers, medicines, records, visits, welfare_sessions, workers
from server.schema import escalations as escalations_t
from server.services.sign_in import Coordinator
from sync import codes

LOOKBACK = timedelta(hours=24)  # missed visits and who is on shift: the last day
LATE_AFTER = timedelta(minutes=15)  # a visit not checked in to this long after its start is late
LONGEST_VISIT = timedelta(hours=12)  # bounds the search for visits around now
# Doses belong to a visit from this long before its start to as long after its end (windows of
# time-critical medicines are shorter), so a dose due now is at a visit within twice it of now.
DOSE_MARGIN = timedelta(minutes=60)
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
        for start in range(0, len(wanted), 500):
            self.known |= dict(self.conn.execute(select(workers.c.id, workers.c.name).where(
                workers.c.tenant_id == self.tenant_id,
                workers.c.id.in_(wanted[start:start + 500]))).all())

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
    found = _visits_around(conn, who, now - LOOKBACK, now - LATE_AFTER, ~_checked_in())
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
    for start in range(0, len(worker_ids), 500):
        for v in conn.execute(select(visits.c.worker_id, visits.c.start, visits.c.id).where(
                visits.c.tenant_id == who.tenant_id,
                visits.c.worker_id.in_(worker_ids[start:start + 500]),
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
    """Time-critical doses whose window is open now at a visit around now, with no outcome
    recorded for them yet. One query pairs the visits around now with their people's
    medicines (ids and versions only); the schedules come from the cache."""
    rows = conn.execute(
        select(visits.c.id, visits.c.worker_id, visits.c.service_user_id, visits.c.start,
               visits.c.end, medicines.c.id.label("medicine_id"), medicines.c.version)
        .join(medicines, and_(medicines.c.tenant_id == visits.c.tenant_id,
                              medicines.c.service_user_id == visits.c.service_user_id))
        .where(visits.c.tenant_id == who.tenant_id,
               visits.c.start >= (now - LONGEST_VISIT).isoformat(),
               visits.c.start <= (now + 2 * DOSE_MARGIN).isoformat(),
               visits.c.end >= (now - 2 * DOSE_MARGIN).isoformat(),
               visits.c.status != CANCELLED)).all()
    if not rows:
        return []
    schedules = _schedules(conn, who.tenant_id, {(r.medicine_id, r.version) for r in rows})
    critical = [(r, s) for r in rows
                if (s := schedules.get((r.medicine_id, r.version))) is not None]
    due: dict[tuple[str, str], tuple[Any, Schedule]] = {}
    for v, s in sorted(critical, key=lambda pair: (pair[0].start, pair[0].id)):
        start, end = datetime.fromisoformat(v.start), datetime.fromisoformat(v.end)
        for at in due_times(s.body, start, end, tz):
            if at - s.half <= now <= at + s.half:
                due.setdefault((s.medicine_id, at.isoformat()), (v, s))
    if not due:
        return []
    answered = _answered(conn, who.tenant_id, sorted({v.service_user_id for v, _ in
                                                      due.values()}), now)
    names.load({v.worker_id for v, _ in due.values()})
    out = []
    for (mid, at_iso), (v, s) in sorted(due.items()):
        at = datetime.fromisoformat(at_iso)
        if (mid, at) in answered:
            continue
        out.append(Risk(
            key=f"dose-{mid}-{at:%Y%m%d%H%M}", what="Time-critical dose due now",
            worker=names.of(v.worker_id),
            detail=f"{s.label}, due {at.astimezone(tz):%H:%M}, window closes "
                   f"{(at + s.half).astimezone(tz):%H:%M}",
            since=(at - s.half).isoformat(), target=Target.VISIT, target_id=v.id, rank=1))
    return out


@dataclass(frozen=True)
class Schedule:
    """What the board needs of one time-critical medicine."""

    medicine_id: str
    label: str  # the medicine and strength, shown only to the office
    half: timedelta  # the window, either side of the prescribed time
    body: dict[str, Any]  # times, start and stop dates (what due_times reads)


CACHE_SIZE = 200_000
_cache: OrderedDict[tuple[str, str, int], Schedule | None] = OrderedDict()


def _schedules(conn: Connection, tenant_id: str,
               wanted: set[tuple[str, int]]) -> dict[tuple[str, int], Schedule | None]:
    """The time-critical schedule (None: not time-critical) of each (medicine, version);
    opens only the lists not yet seen at that version."""
    unseen = sorted(mid for mid, version in wanted if (tenant_id, mid, version) not in _cache)
    keys = datakeys.keys_for(conn, tenant_id) if unseen else None
    for start in range(0, len(unseen), 500):
        for m in conn.execute(select(medicines.c.id, medicines.c.version, medicines.c.body)
                              .where(medicines.c.tenant_id == tenant_id,
                                     medicines.c.id.in_(unseen[start:start + 500]))).all():
            assert keys is not None
            try:
                body = sealing.open_body(keys, tenant_id, "medicines", m.id, m.version, m.body)
            except sealing.EnvelopeDamaged:
                continue  # a damaged list is the medicines screen's to show, not the board's
            _remember((tenant_id, m.id, m.version), _schedule_of(m.id, body))
    return {(mid, version): _cache.get((tenant_id, mid, version)) for mid, version in wanted}


def _schedule_of(medicine_id: str, body: dict[str, Any]) -> Schedule | None:
    if not body.get("time_critical") or not body.get("times"):
        return None
    minutes = int(body.get("window_minutes") or DEFAULT_WINDOW_MINUTES)
    label = f"{body.get('name', '')} {body.get('strength', '')}".strip() or "a medicine"
    keep = {k: body.get(k) for k in ("times", "window_minutes", "start_date", "stop_date")}
    return Schedule(medicine_id, label, timedelta(minutes=minutes), keep)


def _remember(key: tuple[str, str, int], value: Schedule | None) -> None:
    _cache[key] = value
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


def _answered(conn: Connection, tenant_id: str, people: list[str],
              now: datetime) -> set[tuple[str, datetime]]:
    """(medicine, scheduled time) of dose outcomes recorded lately for these people."""
    out = set()
    for start in range(0, len(people), 500):
        for (facts,) in conn.execute(select(records.c.facts).where(
                records.c.tenant_id == tenant_id, records.c.kind == "dose_outcome",
                records.c.service_user_id.in_(people[start:start + 500]),
                records.c.recorded_at >= (now - LONGEST_VISIT).isoformat())).all():
            try:
                out.add((str(facts["medicine_id"]),
                         datetime.fromisoformat(facts["scheduled_at"]).astimezone(UTC)))
            except (KeyError, TypeError, ValueError):
                continue  # a PRN dose (no scheduled time)
    return out
