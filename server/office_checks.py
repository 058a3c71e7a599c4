"""Office-side checks after sync: medication errors only the office can see, raised as escalations.

Phones work offline, so some errors only show when records from several phones meet at the
office (DOMAIN.md "Office-side checks after sync"). When dose outcomes arrive (or a correction
changes one), in the same transaction as storing them:

- a time-critical dose recorded not given/taken (asleep, refused, not available, ...): urgent;
- a dose recorded outside its window (the phone's `window` flag, or the office's own reckoning
  from the medicines list: time-critical +/- its window, regular +/- 60 min, both ends in the
  window): urgent if time-critical, else routine;
- two outcomes for one dose (same medicine and scheduled time, e.g. a double-up visit): urgent
  when both count as a dose (a possible double dose), else routine;
- a PRN limit broken, counting every worker's doses: a dose sooner than the minimum interval
  after the one before, or more than the 24 h maximum in (t - 24 h, t]: urgent.

Spacing and amounts (a regular dose sooner than its minimum gap; one active ingredient on
several lines over its shared interval or 24 h mg maximum) are server/dose_limits.py's, run here.
The time-critical window closing at a visit nobody checked in to is the monitor's
(server/missed_doses.py). Each is raised once per dedupe key (escalations are unique per agency
and key): the dose ("dose:<medicine>:<time>", shared with the phone's own eMAR escalation about
that dose), "double:<medicine>:<time>", or "prn:<the dose that broke the limit>" (the later dose
in time, whichever phone synced first). Pushes of one agency are stored one at a time (the
agency's clock row is locked first), so two phones' doses never pass each other unchecked.
Only clear facts are read (ids, codes, times); nothing is unsealed, nothing personal is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, select

from server import dose_limits, escalations, list_history, sealing
from server.schema import medicines, records
from sync import codes
from sync.protocol import PushedRecord

Check = codes.OfficeCheck
DEFAULT_WINDOW_MINUTES = 30  # a time-critical medicine's window, either side, if none is set
REGULAR_WINDOW = timedelta(minutes=60)
PRN_PERIOD = timedelta(hours=24)
# Records are found by the phone's recorded time (indexed per person); a dose's own time is
# within a day of it, and the slack also covers phones writing other UTC offsets.
SLACK = timedelta(days=2)
MEDICATION = codes.EscalationType.MEDICATION.value
URGENT, ROUTINE = codes.Severity.URGENT.value, codes.Severity.ROUTINE.value
COLUMNS = (records.c.id, records.c.worker_id, records.c.visit_id, records.c.service_user_id,
           records.c.facts, records.c.seq)


@dataclass(frozen=True)
class Dose:
    """A dose outcome's clear facts, with the latest correction's outcome applied."""

    record_id: str
    worker_id: str
    visit_id: str | None
    service_user_id: str
    medicine_id: str
    scheduled_at: str | None  # UTC ISO; None for an as-needed (PRN) dose
    actual_at: datetime
    outcome: codes.DoseOutcome
    window: str | None
    seq: int
    mg: float | None = None  # of its active ingredient, when the phone knew it


def from_records(conn: Connection, tenant_id: str, stored: list[PushedRecord],
                 now: datetime) -> list[escalations.Escalation]:
    """Run every check for the doses these newly stored records add or correct."""
    touched = {r.id for r in stored if r.kind == "dose_outcome"}
    touched |= {r.corrects for r in stored if r.kind == "addendum" and r.corrects
                and r.facts.get("corrects_kind") == "dose_outcome"}
    if not touched:
        return []
    doses = _load(conn, tenant_id, select(*COLUMNS).where(
        records.c.tenant_id == tenant_id, records.c.id.in_(sorted(touched)),
        records.c.kind == "dose_outcome"))
    meds = _medicines(conn, tenant_id, {d.medicine_id for d in doses})
    raised: list[escalations.Escalation | None] = []
    versions: dict[str, list[list_history.Version]] = {}
    for d in doses:
        med = meds.get(d.medicine_id)
        if med is None:
            continue
        med = _in_force(conn, tenant_id, d, med, versions)
        raised += _per_dose(conn, tenant_id, d, med, now)
        same = _doses_of(conn, tenant_id, d.service_user_id, d.medicine_id,
                         d.actual_at - PRN_PERIOD, d.actual_at + PRN_PERIOD)
        if d.scheduled_at:
            raised.append(_double(conn, tenant_id, d, same, now))
        if med.get("prn") and d.outcome.counts_as_dose:
            raised += _prn(conn, tenant_id, d, same, med["prn"], now)
        raised += dose_limits.check(conn, tenant_id, d, med, same,
                                    partial(_person_bodies, conn, tenant_id, d.service_user_id),
                                    partial(_lines_doses, conn, tenant_id, d.service_user_id),
                                    now, _raise)
    return [e for e in raised if e is not None]


def _person_bodies(conn: Connection, tenant_id: str, su: str) -> dict[str, dict[str, Any]]:
    return medicine_bodies(conn, tenant_id, medicines.c.service_user_id == su)


def _lines_doses(conn: Connection, tenant_id: str, su: str, ids: list[str], lo: datetime,
                 hi: datetime) -> list[Dose]:
    return [x for mid in ids for x in _doses_of(conn, tenant_id, su, mid, lo, hi)]


def _in_force(conn: Connection, tenant_id: str, d: Dose, live: dict[str, Any],
              versions: dict[str, list[list_history.Version]]) -> dict[str, Any]:
    """The medicine as it was when the dose was due: a dose synced after a checked change is
    judged by the instructions it was given under (a visit uses the version in force)."""
    if d.service_user_id not in versions:
        versions[d.service_user_id] = list_history.history(conn, tenant_id, d.service_user_id)
    at = datetime.fromisoformat(d.scheduled_at) if d.scheduled_at else d.actual_at
    then = list_history.in_force(versions[d.service_user_id], d.medicine_id, at)
    return live if then is None else then.body


def window_of(med: dict[str, Any], scheduled_at: datetime) -> tuple[datetime, datetime]:
    """When an outcome of this scheduled dose is in time (both ends included)."""
    if med.get("time_critical"):
        half = timedelta(minutes=int(med.get("window_minutes") or DEFAULT_WINDOW_MINUTES))
    else:
        half = REGULAR_WINDOW
    return scheduled_at - half, scheduled_at + half


def _per_dose(conn: Connection, tenant_id: str, d: Dose, med: dict[str, Any],
              now: datetime) -> list[escalations.Escalation | None]:
    if not d.scheduled_at:
        return []
    critical = bool(med.get("time_critical"))
    out = []
    key = escalations.dose_key(d.medicine_id, d.scheduled_at)
    # "Not given/taken": every outcome that needs a reason (all but given and taken).
    if critical and d.outcome.needs_reason:
        out.append(_raise(conn, tenant_id, key, Check.NOT_GIVEN, URGENT, d, now))
    opens, closes = window_of(med, datetime.fromisoformat(d.scheduled_at))
    if d.window or not opens <= d.actual_at <= closes:
        out.append(_raise(conn, tenant_id, key, Check.OUTSIDE_WINDOW,
                          URGENT if critical else ROUTINE, d, now))
    return out


def _double(conn: Connection, tenant_id: str, d: Dose, same: list[Dose],
            now: datetime) -> escalations.Escalation | None:
    slot = [x for x in same if x.scheduled_at == d.scheduled_at]
    if len(slot) < 2:
        return None
    doses = sum(1 for x in slot if x.outcome.counts_as_dose)
    key = f"double:{d.medicine_id}:{d.scheduled_at}"
    return _raise(conn, tenant_id, key, Check.DOUBLE_OUTCOME,
                  URGENT if doses >= 2 else ROUTINE, max(slot, key=lambda x: x.seq), now,
                  records=[x.record_id for x in sorted(slot, key=lambda x: x.seq)])


def prn_breaks(doses: Iterable[Dose], min_interval: timedelta,
               max_24h: int) -> list[tuple[Dose, list[str]]]:
    """Doses that broke a PRN limit, with which: "interval" (sooner than `min_interval` after
    the dose before; exactly on it is allowed) and/or "24h" (more than `max_24h` doses in the
    24 hours up to and including it; a dose exactly 24 h before no longer counts)."""
    given = sorted((x for x in doses if x.outcome.counts_as_dose),
                   key=lambda x: (x.actual_at, x.record_id))
    out = []
    for i, x in enumerate(given):
        broke = []
        if i and x.actual_at - given[i - 1].actual_at < min_interval:
            broke.append("interval")
        if sum(1 for y in given[:i + 1] if y.actual_at > x.actual_at - PRN_PERIOD) > max_24h:
            broke.append("24h")
        if broke:
            out.append((x, broke))
    return out


def _prn(conn: Connection, tenant_id: str, d: Dose, same: list[Dose], rules: dict[str, Any],
         now: datetime) -> list[escalations.Escalation | None]:
    try:
        interval = timedelta(hours=float(rules["min_interval_hours"]))
        most = int(rules["max_doses_24h"])
    except (KeyError, TypeError, ValueError):
        return []  # a list the office wrote without limits has nothing to break
    out = []
    for x, broke in prn_breaks(same, interval, most):
        # Only limits this dose can have broken: it, or a dose up to 24 h after it.
        if d.actual_at <= x.actual_at <= d.actual_at + PRN_PERIOD:
            out.append(_raise(conn, tenant_id, f"prn:{x.record_id}", Check.PRN_LIMIT, URGENT,
                              x, now, limits=broke))
    return out


def _raise(conn: Connection, tenant_id: str, key: str, check: Check, severity: str, d: Dose,
           now: datetime, **detail: Any) -> escalations.Escalation | None:
    facts = {"check": check.value, "medicine_id": d.medicine_id,
             "dose_at": d.scheduled_at or d.actual_at.isoformat(), **detail}
    esc = escalations.raise_escalation(
        conn, tenant_id, dedupe_key=key, type_=MEDICATION, severity=severity, raised_at=now,
        received_at=now, actor_kind="office", actor_id="office_check", worker_id=d.worker_id,
        service_user_id=d.service_user_id, visit_id=d.visit_id, office_check=check.value,
        detail=facts)
    if esc is None:
        escalations.tag_check(conn, tenant_id, key, check.value)
    return esc


def _doses_of(conn: Connection, tenant_id: str, service_user_id: str, medicine_id: str,
              lo: datetime, hi: datetime) -> list[Dose]:
    """A person's doses of one medicine whose actual time is in [lo, hi]."""
    found = _load(conn, tenant_id, select(*COLUMNS).where(
        records.c.tenant_id == tenant_id, records.c.service_user_id == service_user_id,
        records.c.kind == "dose_outcome",
        records.c.recorded_at >= (lo - SLACK).isoformat(),
        records.c.recorded_at <= (hi + SLACK).isoformat()))
    return [d for d in found if d.medicine_id == medicine_id and lo <= d.actual_at <= hi]


def _load(conn: Connection, tenant_id: str, query: Any) -> list[Dose]:
    rows = conn.execute(query.order_by(records.c.seq)).mappings().all()
    fixes: dict[str, str] = {}
    if rows:
        for c in conn.execute(select(records.c.corrects, records.c.facts).where(
                records.c.tenant_id == tenant_id, records.c.kind == "addendum",
                records.c.corrects.in_([r["id"] for r in rows])).order_by(records.c.seq)):
            if (c.facts or {}).get("outcome"):
                fixes[c.corrects] = c.facts["outcome"]  # the latest correction stands
    out = []
    for r in rows:
        dose = _dose(r, fixes.get(r["id"]))
        if dose is not None:
            out.append(dose)
    return out


def _dose(r: Any, corrected: str | None) -> Dose | None:
    facts = r["facts"] or {}
    try:
        scheduled = facts.get("scheduled_at")
        return Dose(
            record_id=r["id"], worker_id=r["worker_id"], visit_id=r["visit_id"],
            service_user_id=r["service_user_id"], medicine_id=str(facts["medicine_id"]),
            scheduled_at=_utc(scheduled) if scheduled else None,
            actual_at=datetime.fromisoformat(facts["actual_at"]).astimezone(UTC),
            outcome=codes.DoseOutcome(corrected or facts["outcome"]),
            window=facts.get("window"), seq=r["seq"],
            mg=float(facts["mg"]) if type(facts.get("mg")) in (int, float) else None)
    except (KeyError, TypeError, ValueError):
        return None  # ingest validation refuses such facts; an old record is skipped


def medicine_bodies(conn: Connection, tenant_id: str, where: Any) -> dict[str, dict[str, Any]]:
    """Medicines lists' clear bodies, by id (sealed at rest under the agency's data key)."""
    rows = conn.execute(select(medicines.c.id, medicines.c.version, medicines.c.body)
                        .where(medicines.c.tenant_id == tenant_id, where)).all()
    return sealing.open_rows(conn, tenant_id, "medicines", list(rows)) if rows else {}


def _medicines(conn: Connection, tenant_id: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    return medicine_bodies(conn, tenant_id, medicines.c.id.in_(sorted(ids)))


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()
