"""Weekly figures for the office's charts: visits on time, tasks completed and MAR outcomes, for
the whole agency, one worker or one person. Only clear facts (times, codes) are counted, so no
sealed record is opened."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid
from server.schema import records, visits, workers
from server.services.sign_in import Coordinator, tenant_zone
from server.storage import in_chunks
from sync.codes import DoseOutcome, TaskOutcome

WEEKS_DEFAULT, MAX_WEEKS = 8, 26
LATE_AFTER = timedelta(minutes=15)  # a check-in later than this after the start is late
MAX_IDS = 20_000  # visit ids per query, well under every backend's parameter limit


@dataclass(frozen=True)
class Week:
    start: date  # a Monday, local
    due: int = 0  # visits whose start has passed
    on_time: int = 0  # checked in no later than LATE_AFTER after the start
    late: int = 0
    missed: int = 0  # ended with no check-in
    tasks: Counter[str] = field(default_factory=Counter)  # task outcome code -> count
    doses: Counter[str] = field(default_factory=Counter)  # dose outcome code -> count

    @property
    def tasks_done(self) -> int:
        return self.tasks[TaskOutcome.DONE.value]

    @property
    def tasks_recorded(self) -> int:
        return sum(self.tasks.values())

    @property
    def doses_given(self) -> int:
        return sum(n for code, n in self.doses.items() if DoseOutcome(code).counts_as_dose)

    @property
    def doses_refused(self) -> int:
        return self.doses[DoseOutcome.REFUSED.value]

    @property
    def doses_other(self) -> int:
        return sum(self.doses.values()) - self.doses_given - self.doses_refused


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(engine: Engine, who: Coordinator, *, weeks: int = WEEKS_DEFAULT,
           worker_id: str | None = None, service_user_id: str | None = None,
           clock: Clock = SYSTEM_CLOCK) -> list[Week]:
    """The last `weeks` local weeks (Monday to Sunday, this one last), optionally for one
    worker or one person of the agency."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise Invalid(f"Charts show 1 to {MAX_WEEKS} weeks.", field="weeks")
    tz = tenant_zone(engine, who.tenant_id)
    now = clock.now()
    first = _monday(now.astimezone(tz).date()) - timedelta(weeks=weeks - 1)
    lo = datetime.combine(first, time.min, tz).astimezone(UTC).isoformat()
    hi = datetime.combine(first + timedelta(weeks=weeks), time.min, tz).astimezone(UTC)
    narrow = [*([visits.c.worker_id == worker_id] if worker_id else []),
              *([visits.c.service_user_id == service_user_id] if service_user_id else [])]
    with engine.connect() as conn:
        vs = conn.execute(select(visits.c.id, visits.c.start, visits.c.end).where(
            visits.c.tenant_id == who.tenant_id, visits.c.start >= lo,
            visits.c.start < min(hi, now).isoformat(), *narrow)).all()
        ids = [v.id for v in vs]
        recs: list[Any] = []
        for chunk in in_chunks(ids, MAX_IDS):
            recs += conn.execute(select(
                records.c.visit_id, records.c.kind, records.c.recorded_at, records.c.facts)
                .where(records.c.tenant_id == who.tenant_id,
                       records.c.visit_id.in_(chunk),
                       records.c.kind.in_(["check_in", "task_outcome", "dose_outcome"]))).all()
    starts = {v.id: v for v in vs}
    out = {first + timedelta(weeks=i): Week(first + timedelta(weeks=i)) for i in range(weeks)}

    def week_of(iso: str) -> Week:
        return out[_monday(datetime.fromisoformat(iso).astimezone(tz).date())]

    checked_in: dict[str, str] = {}
    for r in recs:
        facts = r.facts or {}
        if r.kind == "check_in":
            checked_in[r.visit_id] = min(checked_in.get(r.visit_id, r.recorded_at),
                                         r.recorded_at)
        elif r.kind == "task_outcome" and facts.get("outcome") in _TASKS:
            week_of(starts[r.visit_id].start).tasks[facts["outcome"]] += 1
        elif r.kind == "dose_outcome" and facts.get("outcome") in _DOSES:
            week_of(starts[r.visit_id].start).doses[facts["outcome"]] += 1
    tally: dict[date, Counter[str]] = {d: Counter() for d in out}
    for v in vs:
        w = week_of(v.start).start
        tally[w]["due"] += 1
        arrived = checked_in.get(v.id)
        start = datetime.fromisoformat(v.start)
        if arrived is not None:
            late = datetime.fromisoformat(arrived) > start + LATE_AFTER
            tally[w]["late" if late else "on_time"] += 1
        elif datetime.fromisoformat(v.end) < now:
            tally[w]["missed"] += 1
    return [Week(w.start, tally[d]["due"], tally[d]["on_time"], tally[d]["late"],
                 tally[d]["missed"], w.tasks, w.doses) for d, w in out.items()]


def chart_workers(engine: Engine, who: Coordinator) -> list[tuple[str, str]]:
    """(id, name) of the agency's active workers, by name: whom a chart can be about."""
    with engine.connect() as conn:
        return [(r.id, r.name) for r in conn.execute(
            select(workers.c.id, workers.c.name)
            .where(workers.c.tenant_id == who.tenant_id, workers.c.active)
            .order_by(workers.c.name, workers.c.id))]


_TASKS = frozenset(t.value for t in TaskOutcome)
_DOSES = frozenset(o.value for o in DoseOutcome)
