"""The office's rota: a day or a week of visits by worker; creating, moving and reassigning
visits. Every change is audited and published to the workers' phones in the same transaction
(server/rota.py), so a phone gains or loses the visit at its next sync."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, or_, select

from server import rota
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.roles import NOT_A_PLANNER, may_plan
from server.schema import records, service_users, visits, workers
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator, tenant_zone

VISIT_TYPES = ("morning", "lunch", "tea", "bed", "welfare")
MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
MAX_DAYS = 7
ROWS_SHOWN = 40  # workers on one page of the grid (a desk screen's worth, quick to draw)
STARTED = "This visit has started (the worker checked in), so it stays as it is."


@dataclass(frozen=True)
class RotaWorker:
    id: str
    name: str
    area: str


@dataclass(frozen=True)
class RotaVisit:
    id: str
    worker_id: str
    service_user_id: str
    person_name: str
    visit_type: str
    start: str  # ISO 8601, UTC
    end: str
    started: bool  # checked in: no longer moved or reassigned

    def local(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return (datetime.fromisoformat(self.start).astimezone(tz),
                datetime.fromisoformat(self.end).astimezone(tz))

    @property
    def minutes(self) -> int:
        span = datetime.fromisoformat(self.end) - datetime.fromisoformat(self.start)
        return int(span.total_seconds() // 60)


@dataclass(frozen=True)
class RotaFilter:
    """Which workers' rows the grid shows: an agency of thousands is read a page at a time."""

    area: str = ""  # one area ("" every area)
    name: str = ""  # part of the worker's name, any case ("" everyone)
    page: int = 0  # of ROWS_SHOWN rows

    def matches(self, w: RotaWorker) -> bool:
        return (not self.area or w.area == self.area) and \
            " ".join(self.name.split()).casefold() in " ".join(w.name.split()).casefold()


@dataclass(frozen=True)
class Rota:
    first: date
    days: int
    tz: ZoneInfo
    workers: tuple[RotaWorker, ...]  # every active worker, by name (to give visits to)
    visits: tuple[RotaVisit, ...]  # the shown rows' visits (and the one kept), in start order
    shown: tuple[RotaWorker, ...] = ()  # the grid's rows: this page of the matching workers
    matching: int = 0  # workers with visits in the range who match the filter
    areas: tuple[str, ...] = ()  # every active worker's area, to filter by
    filter: RotaFilter = RotaFilter()

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def rows(self) -> list[RotaWorker]:
        """The grid's rows: workers with visits in the range, by name, filtered and paged."""
        return list(self.shown)

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // ROWS_SHOWN))

    def on(self, worker_id: str, day: date) -> list[RotaVisit]:
        return [v for v in self.visits
                if v.worker_id == worker_id and v.local(self.tz)[0].date() == day]

    def visit(self, visit_id: str) -> RotaVisit | None:
        return next((v for v in self.visits if v.id == visit_id), None)


def require_planner(who: Coordinator) -> None:
    if not may_plan(who.role):
        raise Forbidden(NOT_A_PLANNER)


def read_rota(engine: Engine, who: Coordinator, first: date, days: int = 1,
              clock: Clock = SYSTEM_CLOCK, shown: RotaFilter = RotaFilter(),
              keep: str | None = None) -> Rota:
    """Visits starting on `days` local days from `first` of the workers `shown` picks (a page
    of them; each person named is a read of their sealed record, audited), and the visit
    `keep` (the one chosen in the detail pane) wherever it went."""
    require_planner(who)
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"A rota shows 1 to {MAX_DAYS} days.", field="days")
    tz = tenant_zone(engine, who.tenant_id)
    lo = datetime.combine(first, time.min, tz).astimezone(UTC)
    hi = datetime.combine(first + timedelta(days=days), time.min, tz).astimezone(UTC)
    in_range = and_(visits.c.tenant_id == who.tenant_id, visits.c.start >= lo.isoformat(),
                    visits.c.start < hi.isoformat())
    with engine.begin() as conn:
        staff = tuple(RotaWorker(r.id, r.name, r.area or "") for r in conn.execute(
            select(workers.c.id, workers.c.name, workers.c.area)
            .where(workers.c.tenant_id == who.tenant_id, workers.c.active)
            .order_by(workers.c.name, workers.c.id)))
        busy = set(conn.execute(select(visits.c.worker_id).where(in_range).distinct())
                   .scalars())
        matching = [w for w in staff if w.id in busy and shown.matches(w)]
        page = min(max(shown.page, 0), max(0, (len(matching) - 1) // ROWS_SHOWN))
        rows_shown = tuple(matching[page * ROWS_SHOWN:(page + 1) * ROWS_SHOWN])
        wanted = visits.c.worker_id.in_([w.id for w in rows_shown])
        rows = conn.execute(
            select(visits).where(in_range, or_(wanted, visits.c.id == keep) if keep
                                 else wanted)
            .order_by(visits.c.start, visits.c.id)).mappings().all()
        started = _started(conn, who.tenant_id, [v["id"] for v in rows])
        people = open_people(conn, who, [v["service_user_id"] for v in rows], clock.now(),
                             listing=True)
    return Rota(first, days, tz, staff, tuple(RotaVisit(
        v["id"], v["worker_id"], v["service_user_id"],
        people.get(v["service_user_id"], {}).get("name", "(record damaged)"),
        v["visit_type"], v["start"], v["end"], v["id"] in started) for v in rows),
        rows_shown, len(matching), tuple(sorted({w.area for w in staff if w.area})),
        replace(shown, page=page))


def create_visit(engine: Engine, who: Coordinator, *, worker_id: str, service_user_id: str,
                 visit_type: str, day: date, start: time, minutes: int,
                 clock: Clock = SYSTEM_CLOCK) -> str:
    """A new visit on the rota (local `day` and `start`); returns its id."""
    require_planner(who)
    if visit_type not in VISIT_TYPES:
        raise Invalid(f"The visit type must be one of: {', '.join(VISIT_TYPES)}.",
                      field="visit_type")
    begin, end = _times(engine, who, day, start, minutes)
    visit_id = str(uuid.uuid4())
    with engine.begin() as conn:
        _active_worker(conn, who, worker_id)
        if conn.execute(select(service_users.c.id).where(
                service_users.c.tenant_id == who.tenant_id,
                service_users.c.id == service_user_id)).first() is None:
            raise NotFound("No person with that id in this agency.", field="service_user_id")
        rota.add_visits(conn, who.tenant_id, [{
            "id": visit_id, "worker_id": worker_id, "service_user_id": service_user_id,
            "visit_type": visit_type, "start": begin, "end": end}])
        audit(conn, who, "create_visit", "visit", visit_id, clock.now())
    return visit_id


def move_visit(engine: Engine, who: Coordinator, visit_id: str, *, day: date, start: time,
               minutes: int, clock: Clock = SYSTEM_CLOCK) -> None:
    """New local times for a visit that has not started."""
    require_planner(who)
    begin, end = _times(engine, who, day, start, minutes)
    with engine.begin() as conn:
        _unstarted(conn, who, visit_id)
        rota.move_visit(conn, who.tenant_id, visit_id, begin, end)
        audit(conn, who, "move_visit", "visit", visit_id, clock.now())


def reassign_visit(engine: Engine, who: Coordinator, visit_id: str, worker_id: str,
                   clock: Clock = SYSTEM_CLOCK) -> None:
    """Give a visit that has not started to another active worker of the agency."""
    require_planner(who)
    with engine.begin() as conn:
        current = _unstarted(conn, who, visit_id)
        _active_worker(conn, who, worker_id)
        if current == worker_id:
            raise Invalid("The visit is already this worker's.", field="worker_id")
        rota.reassign_visit(conn, who.tenant_id, visit_id, worker_id)
        audit(conn, who, "reassign_visit", "visit", visit_id, clock.now())


def _times(engine: Engine, who: Coordinator, day: date, start: time,
           minutes: int) -> tuple[str, str]:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise Invalid(f"A visit lasts {MIN_MINUTES} to {MAX_MINUTES} minutes.", field="minutes")
    begin = datetime.combine(day, start, tenant_zone(engine, who.tenant_id))
    return begin.isoformat(), (begin + timedelta(minutes=minutes)).isoformat()


def _active_worker(conn: Connection, who: Coordinator, worker_id: str) -> None:
    if conn.execute(select(workers.c.id).where(
            workers.c.tenant_id == who.tenant_id, workers.c.id == worker_id,
            workers.c.active)).first() is None:
        raise NotFound("No active worker with that id in this agency.", field="worker_id")


def _unstarted(conn: Connection, who: Coordinator, visit_id: str) -> str:
    """The worker of a visit of this agency that has not started."""
    worker = conn.execute(select(visits.c.worker_id).where(
        visits.c.tenant_id == who.tenant_id, visits.c.id == visit_id)).scalar()
    if worker is None:
        raise NotFound("No visit with that id in this agency.")
    if _started(conn, who.tenant_id, [visit_id]):
        raise Conflict(STARTED)
    return str(worker)


def _started(conn: Connection, tenant_id: str, visit_ids: list[str]) -> set[str]:
    if not visit_ids:
        return set()
    return set(conn.execute(select(records.c.visit_id).distinct().where(
        records.c.tenant_id == tenant_id, records.c.visit_id.in_(visit_ids),
        records.c.kind == "check_in")).scalars())
