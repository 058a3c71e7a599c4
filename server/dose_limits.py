"""Office-side spacing, amount and per-date dose checks, across every phone's synced doses.

Phones enforce these offline with the doses they know of (fieldapp/domain/spacing.py); two
phones that have not synced with each other can still break them, so the office checks again
when doses arrive (called by server/office_checks.py, same transaction), and watches for
per-date doses with no dose entered (called by the missed-dose monitor, server/missed_doses.py):

- min gap: a regular medicine's dose (counting as given) sooner than its minimum gap
  (sync.medicine_body.body_min_gap_hours) after the dose before for another time: urgent, keyed
  "gap:<the later dose's record id>".
- same active ingredient on several lines: a dose sooner than the longest PRN minimum interval
  among the lines after any earlier dose of them ("interval"), or the ingredient's mg in the 24 h
  up to and including a dose over the lines' smallest `max_mg_24h` ("24h"; a dose without `mg`
  counts its line's largest possible dose): urgent, keyed "ingredient:<record id>".
- no dose set: a per-date medicine (warfarin, insulin) due at a visit of the next NO_DOSE_AHEAD
  (or of the last LOOKBACK) with no dose entered for the dose's local date and no outcome:
  keyed like the phone's own escalation about that dose ("dose:<medicine>:<time>"), so the
  office sees it once whoever tells first; urgent if time-critical, else routine.

Only clear facts and medicine bodies are read; nothing personal is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, select

from server import escalations
from server.schema import medicines, visits
from server.storage import in_chunks
from sync import codes
from sync.medicine_body import DEFAULT_MAX_MG_24H, body_min_gap_hours, ingredient_key
from sync.schedule import due_between

Check = codes.OfficeCheck
PERIOD = timedelta(hours=24)
NO_DOSE_AHEAD = timedelta(hours=12)
LOOKBACK = timedelta(hours=24)
MEDICATION = codes.EscalationType.MEDICATION.value
URGENT, ROUTINE = codes.Severity.URGENT.value, codes.Severity.ROUTINE.value


def _unit_mg(body: dict[str, Any]) -> float | None:
    ingredient = body.get("ingredient") or {}
    per = ingredient.get("mg_per_unit")
    amount = body.get("amount") or {}
    if per is None:
        return 1.0 if str(amount.get("unit", "")).casefold() == "mg" else None
    return float(per)


def largest_mg(body: dict[str, Any]) -> float:
    """The most mg of its ingredient one dose of this line can hold (0 when unknown)."""
    amount, per = body.get("amount") or {}, _unit_mg(body)
    units = amount.get("max") or amount.get("value") or max(
        (amount.get("by_date") or {}).values(), default=None)
    return float(units) * per if units is not None and per is not None else 0.0


def _mg(dose: Any, body: dict[str, Any]) -> float:
    return float(dose.mg) if dose.mg is not None else largest_mg(body)


def gap_breaks(doses: Iterable[Any], gap: timedelta) -> list[Any]:
    """Doses (counting as given) sooner than `gap` after the one before for another scheduled
    time; exactly on it is fine. Two for one time are the double-outcome check's."""
    given = sorted((x for x in doses if x.outcome.counts_as_dose),
                   key=lambda x: (x.actual_at, x.record_id))
    out = []
    for i, x in enumerate(given):
        before = [y for y in given[:i] if y.scheduled_at != x.scheduled_at]
        if before and x.actual_at - before[-1].actual_at < gap:
            out.append(x)
    return out


def ingredient_breaks(doses: Iterable[Any], bodies: dict[str, dict[str, Any]]
                      ) -> list[tuple[Any, list[str]]]:
    """Doses of the lines in `bodies` (one ingredient) that broke a shared limit, with which."""
    given = sorted((x for x in doses if x.outcome.counts_as_dose and x.medicine_id in bodies),
                   key=lambda x: (x.actual_at, x.record_id))
    intervals = [float(b["prn"]["min_interval_hours"]) for b in bodies.values()
                 if isinstance(b.get("prn"), dict) and "min_interval_hours" in b["prn"]]
    interval = timedelta(hours=max(intervals)) if intervals and len(bodies) > 1 else None
    limits = [float(m) for b in bodies.values()
              if (m := (b.get("ingredient") or {}).get("max_mg_24h")
                  or DEFAULT_MAX_MG_24H.get(ingredient_key(b) or "")) is not None]
    most = min(limits) if limits else None
    out = []
    for i, x in enumerate(given):
        broke = []
        if interval is not None and i and x.actual_at - given[i - 1].actual_at < interval:
            broke.append("interval")
        if most is not None and sum(_mg(y, bodies[y.medicine_id]) for y in given[:i + 1]
                                    if y.actual_at > x.actual_at - PERIOD) > most:
            broke.append("24h")
        if broke:
            out.append((x, broke))
    return out


def check(conn: Connection, tenant_id: str, d: Any, med: dict[str, Any], same: list[Any],
          bodies: Callable[[], dict[str, dict[str, Any]]],
          load: Callable[[list[str], datetime, datetime], list[Any]], now: datetime,
          raise_: Callable[..., escalations.Escalation | None],
          ) -> list[escalations.Escalation | None]:
    """The min-gap and ingredient checks for dose `d` of `med` (see module). `same` holds the
    person's doses of this medicine within 24 h of it; `bodies()` the person's medicine bodies;
    `load(ids, lo, hi)` the person's doses of those lines; `raise_` office_checks' raiser."""
    out: list[escalations.Escalation | None] = []
    if not d.outcome.counts_as_dose:
        return out
    if d.scheduled_at and not med.get("prn"):
        gap = timedelta(hours=body_min_gap_hours(med))
        for x in gap_breaks(same, gap):
            if d.actual_at <= x.actual_at <= d.actual_at + gap:
                out.append(raise_(conn, tenant_id, f"gap:{x.record_id}", Check.MIN_GAP,
                                  URGENT, x, now))
    key = ingredient_key(med)
    if key is None:
        return out
    lines = {mid: b for mid, b in bodies().items() if ingredient_key(b) == key}
    lines[d.medicine_id] = med
    if len(lines) < 2 and not (med.get("ingredient") or {}).get("max_mg_24h") \
            and key not in DEFAULT_MAX_MG_24H:
        return out
    doses = load(sorted(lines), d.actual_at - PERIOD, d.actual_at + PERIOD)
    for x, broke in ingredient_breaks(doses, lines):
        if d.actual_at <= x.actual_at <= d.actual_at + PERIOD:
            out.append(raise_(conn, tenant_id, f"ingredient:{x.record_id}",
                              Check.INGREDIENT_LIMIT, URGENT, x, now, limits=broke))
    return out


def no_dose_set(conn: Connection, tenant_id: str, tz: tzinfo, now: datetime,
                bodies: Callable[[Connection, str, Any], dict[str, dict[str, Any]]],
                answered: Callable[[Connection, str, list[str], datetime],
                                   set[tuple[str, datetime]]]) -> list[dict[str, Any]]:
    """Raise "no dose set" for per-date doses due at visits from now - LOOKBACK to now +
    NO_DOSE_AHEAD with none entered (see module); `bodies` is office_checks.medicine_bodies,
    `answered` gives the (medicine, UTC time) of recorded outcomes. Returns what to raise
    (escalations.raise_escalation's keywords), for a writing transaction to raise."""
    found = conn.execute(select(
        visits.c.id, visits.c.service_user_id, visits.c.worker_id, visits.c.start,
        visits.c.end).where(
        visits.c.tenant_id == tenant_id, visits.c.status != "cancelled",
        visits.c.end >= (now - LOOKBACK).isoformat(),
        visits.c.start <= (now + NO_DOSE_AHEAD).isoformat())).mappings().all()
    if not found:
        return []
    people = sorted({v["service_user_id"] for v in found})
    # A large agency's 12 hours hold more people than one IN list may name (PostgreSQL takes
    # at most 65,535 parameters): a chunk of them at a time.
    per_date: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for chunk in in_chunks(people):
        owner = {r.id: r.service_user_id for r in conn.execute(
            select(medicines.c.id, medicines.c.service_user_id).where(
                medicines.c.tenant_id == tenant_id, medicines.c.service_user_id.in_(chunk)))}
        for mid, body in sorted(bodies(
                conn, tenant_id, medicines.c.service_user_id.in_(chunk)).items()):
            if (body.get("amount") or {}).get("kind") == codes.DoseKind.PER_DATE:
                per_date.setdefault(owner[mid], []).append((mid, body))
    if not per_date:
        return []
    missing: dict[str, tuple[Any, str, datetime, bool]] = {}
    for v in sorted(found, key=lambda v: (v["start"], v["id"])):
        start, end = datetime.fromisoformat(v["start"]), datetime.fromisoformat(v["end"])
        for mid, body in per_date.get(v["service_user_id"], []):
            try:
                times = due_between(body, start - timedelta(hours=1), end + timedelta(hours=1),
                                    tz)
            except ValueError:
                continue
            by_date = (body.get("amount") or {}).get("by_date") or {}
            for at in times:
                if at.astimezone(tz).date().isoformat() not in by_date:
                    missing.setdefault(escalations.dose_key(mid, at.isoformat()),
                                       (v, mid, at, bool(body.get("time_critical"))))
    if not missing:
        return []
    done = answered(conn, tenant_id, people, min(at for _, _, at, _ in missing.values()))
    return [dict(dedupe_key=key, type_=MEDICATION, severity=URGENT if critical else ROUTINE,
                 worker_id=v["worker_id"], service_user_id=v["service_user_id"],
                 visit_id=v["id"], office_check=Check.NO_DOSE_SET.value,
                 detail={"check": Check.NO_DOSE_SET.value, "medicine_id": mid,
                         "dose_at": at.isoformat()})
            for key, (v, mid, at, critical) in sorted(missing.items()) if (mid, at) not in done]
