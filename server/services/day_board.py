"""The day board: an agency's visits on one local day, who made them and how far they got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, Select, and_, select

from server.clock import SYSTEM_CLOCK, Clock
from server.schema import records, visits, workers
from server.services.people import open_people
from server.services.sign_in import Coordinator, tenant_zone


@dataclass(frozen=True)
class DayVisit:
    id: str
    start: str  # ISO 8601 with offset, as scheduled
    end: str
    visit_type: str
    worker_name: str
    person_name: str
    area: str
    status: str  # "not started", "in progress" or "done"
    checked_in_at: str | None
    checked_out_at: str | None


def visits_with_names() -> Select[Any]:
    """Visits with their worker's name: what the board and a visit's record show (the person's
    sealed record is opened, and audited, by server/services/people.py)."""
    return (
        select(visits, workers.c.name.label("worker_name"))
        .join(workers, and_(workers.c.id == visits.c.worker_id,
                            workers.c.tenant_id == visits.c.tenant_id))
    )


def day_visits(engine: Engine, who: Coordinator, day: date,
               clock: Clock = SYSTEM_CLOCK) -> list[DayVisit]:
    """The agency's visits on a local day, in start order (each person shown is a read of
    their sealed record, audited once per sign-in and version of the record: the pane is
    shown again on every refresh)."""
    tz = tenant_zone(engine, who.tenant_id)
    lo = datetime.combine(day, time.min, tz).astimezone(UTC)
    hi = lo + timedelta(days=1)
    with engine.begin() as conn:
        rows = conn.execute(
            visits_with_names()
            .where(visits.c.tenant_id == who.tenant_id,
                   visits.c.start >= lo.isoformat(), visits.c.start < hi.isoformat())
            .order_by(visits.c.start, workers.c.name)
        ).mappings().all()
        marks: dict[str, dict[str, str]] = {}
        for r in conn.execute(
            select(records.c.visit_id, records.c.kind, records.c.recorded_at)
            .where(records.c.tenant_id == who.tenant_id,
                   records.c.visit_id.in_([v["id"] for v in rows]),
                   records.c.kind.in_(["check_in", "check_out"]))
        ):
            marks.setdefault(r.visit_id, {})[r.kind] = r.recorded_at
        people = open_people(conn, who, [v["service_user_id"] for v in rows], clock.now(),
                             listing=True)
    out = []
    for v in rows:
        m = marks.get(v["id"], {})
        person = people.get(v["service_user_id"], {})
        status = "done" if "check_out" in m else "in progress" if "check_in" in m else "not started"
        out.append(DayVisit(
            id=v["id"], start=v["start"], end=v["end"], visit_type=v["visit_type"],
            worker_name=v["worker_name"], person_name=person.get("name", "(record damaged)"),
            area=person.get("area", ""), status=status,
            checked_in_at=m.get("check_in"), checked_out_at=m.get("check_out")))
    return out
