"""Time-critical doses due now with no outcome yet: the risk board's "due now" rows.

A dose is due now when its window (the prescribed local time, +/- the medicine's window) is open
at a visit around now (the doses of a visit as server/missed_doses.py reckons them) and nobody
has recorded an outcome for it. Which medicines are time-critical is sealed in the medicines
lists; each list is opened once per version and its schedule kept in memory (the office holds
the agency's keys in memory already), so a board refreshed every few seconds opens only what
changed. One query pairs the visits around now with their people's medicines (ids and
versions only).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from server import datakeys, sealing
from server.missed_doses import CANCELLED, due_times
from server.office_checks import DEFAULT_WINDOW_MINUTES
from server.schema import medicines, records, visits

LONGEST_VISIT = timedelta(hours=12)  # bounds the search for visits around now
# Doses belong to a visit from this long before its start to as long after its end (windows of
# time-critical medicines are shorter), so a dose due now is at a visit within twice it of now.
DOSE_MARGIN = timedelta(minutes=60)
CACHE_SIZE = 200_000


@dataclass(frozen=True)
class DueDose:
    medicine_id: str
    label: str  # the medicine and strength, shown only to the office
    at: datetime  # the prescribed time (UTC)
    opens: datetime
    closes: datetime
    visit_id: str
    worker_id: str


def due_now(conn: Connection, tenant_id: str, now: datetime, tz: ZoneInfo) -> list[DueDose]:
    """The agency's time-critical doses whose window is open at `now` with no outcome, by
    medicine and time; each at its earliest visit (ties by id)."""
    rows = conn.execute(
        select(visits.c.id, visits.c.worker_id, visits.c.service_user_id, visits.c.start,
               visits.c.end, medicines.c.id.label("medicine_id"), medicines.c.version)
        .join(medicines, and_(medicines.c.tenant_id == visits.c.tenant_id,
                              medicines.c.service_user_id == visits.c.service_user_id))
        .where(visits.c.tenant_id == tenant_id,
               visits.c.start >= (now - LONGEST_VISIT).isoformat(),
               visits.c.start <= (now + 2 * DOSE_MARGIN).isoformat(),
               visits.c.end >= (now - 2 * DOSE_MARGIN).isoformat(),
               visits.c.status != CANCELLED)).all()
    if not rows:
        return []
    schedules = _schedules(conn, tenant_id, {(r.medicine_id, r.version) for r in rows})
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
    answered = _answered(conn, tenant_id, sorted({v.service_user_id for v, _ in
                                                  due.values()}), now)
    out = []
    for (mid, at_iso), (v, s) in sorted(due.items()):
        at = datetime.fromisoformat(at_iso)
        if (mid, at) not in answered:
            out.append(DueDose(mid, s.label, at, at - s.half, at + s.half, v.id, v.worker_id))
    return out


@dataclass(frozen=True)
class Schedule:
    """What the board needs of one time-critical medicine."""

    medicine_id: str
    label: str  # the medicine and strength, shown only to the office
    half: timedelta  # the window, either side of the prescribed time
    body: dict[str, Any]  # times, start and stop dates (what due_times reads)


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
