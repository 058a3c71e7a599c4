"""Time-critical doses due now with no outcome yet: the risk board's "due now" rows.

A dose is due now when its window (the prescribed local time, +/- the medicine's window) is open
at a visit around now (the doses of a visit as server/missed_doses.py reckons them) and nobody
has recorded an outcome for it. Which medicines are time-critical is sealed in the medicines
lists; each list is opened once per version and kept in memory (server/medicine_watch.py, the
same memory as the missed-dose monitor's; the office holds the agency's keys in memory
already), so a board refreshed every few seconds opens only what changed. One query pairs the
visits around now with their people's medicines (ids and versions only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from server.medicine_watch import Watched, watched
from server.missed_doses import CANCELLED, DUE_MARGIN
from server.schema import medicines, records, visits
from server.storage import in_chunks

LONGEST_VISIT = timedelta(hours=12)  # bounds the search for visits around now
# Doses belong to a visit from this long before its start to as long after its end (windows of
# time-critical medicines are shorter), so a dose due now is at a visit within twice it of now.
DOSE_MARGIN = timedelta(minutes=60)


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
    opened = watched(conn, tenant_id, {r.medicine_id: r.version for r in rows})
    # Each time-critical medicine's doses whose window is open now (most medicines have
    # none, and then their visits need no look).
    open_now: dict[str, list[datetime]] = {}
    for mid, m in opened.items():
        if m.time_critical and (doses := m.doses_between(now - m.half, now + m.half, tz)):
            open_now[mid] = doses
    critical = [(r, opened[r.medicine_id]) for r in rows if r.medicine_id in open_now]
    due: dict[tuple[str, str], tuple[Any, Watched]] = {}
    for v, m in sorted(critical, key=lambda pair: (pair[0].start, pair[0].id)):
        # A dose belongs to a visit from `margin` before its start to as long after its end
        # (server/missed_doses.py's due_times); the earliest such visit shows it.
        margin = max(DUE_MARGIN, m.half)
        start, end = datetime.fromisoformat(v.start), datetime.fromisoformat(v.end)
        for at in open_now[m.medicine_id]:
            if start - margin <= at <= end + margin:
                due.setdefault((m.medicine_id, at.isoformat()), (v, m))
    if not due:
        return []
    answered = _answered(conn, tenant_id, sorted({v.service_user_id for v, _ in
                                                  due.values()}), now)
    out = []
    for (mid, at_iso), (v, m) in sorted(due.items()):
        at = datetime.fromisoformat(at_iso)
        if (mid, at) not in answered:
            out.append(DueDose(mid, m.label, at, at - m.half, at + m.half, v.id, v.worker_id))
    return out


def _answered(conn: Connection, tenant_id: str, people: list[str],
              now: datetime) -> set[tuple[str, datetime]]:
    """(medicine, scheduled time) of dose outcomes recorded lately for these people."""
    out = set()
    # The two facts only, read by the database (not each record's whole facts decoded here).
    medicine = records.c.facts["medicine_id"].as_string()
    scheduled = records.c.facts["scheduled_at"].as_string()
    for chunk in in_chunks(people):
        for mid, at in conn.execute(select(medicine, scheduled).where(
                records.c.tenant_id == tenant_id, records.c.kind == "dose_outcome",
                records.c.service_user_id.in_(chunk),
                records.c.recorded_at >= (now - LONGEST_VISIT).isoformat())).all():
            try:
                out.add((str(mid), datetime.fromisoformat(at).astimezone(UTC)))
            except (TypeError, ValueError):
                continue  # a PRN dose (no scheduled time)
    return out
