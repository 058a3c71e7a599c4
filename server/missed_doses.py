"""The monitor for time-critical doses whose window closed at a visit nobody checked in to.

A phone that never checked in raises nothing, so the office watches (leader only, every tick):
for each visit of the last day with no check-in record, each time-critical dose due at it
(the phone's own rule: the prescribed local time from 60 min, or the medicine's window if wider,
before the visit's start to as long after its end) whose window has closed (now past scheduled
time + window) with no outcome from anyone becomes an urgent medication escalation, keyed by
the dose ("dose:<medicine>:<time>", escalations.dose_key), so a repeated tick, a second server
process or a restart never raises it twice, and a phone's own "missed" escalation about the same
dose is the same escalation. A dose another worker recorded (a double-up visit) is not missed.

The office watches each agency from its first look on (`missed_dose_watch`): a window that
closed before then is not searched, so a new agency's or the demo's rota from earlier that day,
which nobody was ever going to visit, raises nothing. The mark stays across restarts, so a
window that closed while the server was down is raised at its next tick (within LOOKBACK).

Each tick also asks server/dose_limits.py for per-date doses (warfarin, insulin) due soon with no
dose entered for their date ("no dose set"), so the office can enter one before the visit. Once
the dose entered for that date is checked (it then reaches the phones), `dose_entered` closes
those escalations by itself (the office's check or the phone's own), with an outcome and a
history row.

Work per tick follows what changed, not the size of the rota: a tick every few seconds over a
large agency's whole day (160,000 visits for 20,000 workers) took most of a CPU from the
phones' syncs. So, per agency and process, a full pass runs first and every FULL_PASS_EVERY:
it reads the day's visits nobody has checked in to and their medicines lists, and plans every
time-critical dose whose window closes before the next full pass. The ticks between take only
the planned doses whose window closed since the last tick, and read again just those visits
(cancelled, checked in, reassigned?) and medicines (changed since the plan?). A visit or
medicine added after the plan is found by the next full pass, at most FULL_PASS_EVERY later.
The "no dose set" check looks hours ahead, so it runs every NO_DOSE_EVERY. A clock that goes
back (a test, a corrected server clock) starts with a full pass again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from server import dose_limits, escalations
from server.medicine_watch import Watched, watched, watched_bodies
from server.office_checks import (
    DEFAULT_WINDOW_MINUTES,
    MEDICATION,
    SLACK,
    URGENT,
    Check,
)
from server.schema import escalations as escalations_t
from server.schema import medicines, missed_dose_watch, records, tenants, visits
from server.storage import in_chunks, read_only
from sync import codes
from sync.schedule import due_between

LOOKBACK = timedelta(hours=24)  # visits that ended longer ago than this are not searched
DUE_MARGIN = timedelta(minutes=60)
CANCELLED = "cancelled"
FULL_PASS_EVERY = timedelta(minutes=10)
NO_DOSE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Planned:
    """A time-critical dose at a visit nobody had checked in to when the plan was made."""

    closes: datetime  # its window's end: missed from then on
    start: str  # the visit's start, then its id: the same visit wins every time (double-ups)
    visit_id: str
    medicine_id: str
    version: int  # of the medicines list the plan read
    at: datetime  # the prescribed time (UTC)


@dataclass
class Plan:
    made_at: datetime  # the full pass
    ticked_at: datetime  # the last tick that finished
    doses: list[Planned] = field(default_factory=list)


# Per agency, in this process: the plan, and the last "no dose set" pass.
_plans: dict[str, Plan] = {}
_no_dose_passes: dict[str, datetime] = {}


def _fresh_plan_needed(tenant_id: str, now: datetime) -> bool:
    plan = _plans.get(tenant_id)
    return plan is None or not plan.made_at <= plan.ticked_at <= now \
        or now - plan.made_at >= FULL_PASS_EVERY


def _no_dose_due(tenant_id: str, now: datetime) -> bool:
    last = _no_dose_passes.get(tenant_id)
    return last is None or now < last or now - last >= NO_DOSE_EVERY


def watch(engine: Engine, now: datetime) -> None:
    """The monitor (server/monitors.py, leader only): see `tick`."""
    tick(engine, now)


def tick(engine: Engine, now: datetime) -> int:
    """Raise every missed time-critical dose at an unvisited visit; returns how many were new."""
    with engine.begin() as conn:
        agencies = conn.execute(select(tenants.c.id, tenants.c.timezone)).all()
    raised = 0
    for tenant_id, zone in agencies:
        with engine.begin() as conn:
            since = _watching_since(conn, tenant_id, now)
        full = _fresh_plan_needed(tenant_id, now)
        no_dose = _no_dose_due(tenant_id, now)
        # Reading medicines lists (and opening new versions of them) in a reading transaction,
        # which on SQLite holds no writer's lock, so phones' syncs are not kept waiting.
        with read_only(engine) as conn:
            if full:
                plan = Plan(now, since, _plan(conn, tenant_id, ZoneInfo(zone), since, now,
                                              now + FULL_PASS_EVERY))
            else:
                plan = _plans[tenant_id]
            lower = max(since, plan.ticked_at)
            todo = _missed(conn, tenant_id, ZoneInfo(zone),
                           [d for d in plan.doses if lower <= d.closes < now], now)
            if no_dose:
                # Per-date doses (warfarin, insulin) with none entered: the office enters one.
                todo += dose_limits.no_dose_set(conn, tenant_id, ZoneInfo(zone), now,
                                                watched_bodies, _answered)
        if todo:
            with engine.begin() as conn:  # each once: the dedupe key decides, in any process
                for found in todo:
                    raised += escalations.raise_escalation(
                        conn, tenant_id, raised_at=now, received_at=now, actor_kind="office",
                        actor_id="office_check", **found) is not None
        # Only a tick that finished moves the marks on.
        plan.ticked_at = now
        plan.doses = [d for d in plan.doses if d.closes >= now]
        _plans[tenant_id] = plan
        if no_dose:
            _no_dose_passes[tenant_id] = now
    return raised


def forget() -> None:
    """Start again with full passes (a test that reuses an agency's id in a fresh database)."""
    _plans.clear()
    _no_dose_passes.clear()


def _watching_since(conn: Connection, tenant_id: str, now: datetime) -> datetime:
    found = conn.execute(select(missed_dose_watch.c.since).where(
        missed_dose_watch.c.tenant_id == tenant_id)).scalar()
    if found is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(missed_dose_watch).values(tenant_id=tenant_id,
                                                              since=now.isoformat()))
        except IntegrityError:  # another process looked first: its mark stands
            found = conn.execute(select(missed_dose_watch.c.since).where(
                missed_dose_watch.c.tenant_id == tenant_id)).scalar_one()
    return datetime.fromisoformat(found) if found else now


def due_times(med: dict[str, Any], start: datetime, end: datetime,
              tz: ZoneInfo) -> list[datetime]:
    """A time-critical medicine's scheduled doses (UTC) that belong to a visit (see module),
    on the days its frequency is due only (sync/schedule.py, the phone's own rule)."""
    half = timedelta(minutes=int(med.get("window_minutes") or DEFAULT_WINDOW_MINUTES))
    margin = max(DUE_MARGIN, half)
    try:
        return due_between(med, start - margin, end + margin, tz)
    except ValueError:
        return []  # a body the console would refuse: nothing can be due at set times


def _plan(conn: Connection, tenant_id: str, tz: ZoneInfo, since: datetime, now: datetime,
          until: datetime) -> list[Planned]:
    """The time-critical doses, at visits of the last LOOKBACK nobody has checked in to, whose
    window closes in [since, until): the full pass."""
    # A dose belongs to a visit from DUE_MARGIN (or its window, if wider) before its start,
    # and closes half its window after its time: a visit starting after until + DUE_MARGIN
    # has none closing before until. Times are stored in UTC (+00:00): text order is time order.
    found = conn.execute(select(
        visits.c.id, visits.c.service_user_id, visits.c.start, visits.c.end).where(
        visits.c.tenant_id == tenant_id, visits.c.status != CANCELLED,
        visits.c.end >= (now - LOOKBACK).isoformat(),
        visits.c.start <= (until + DUE_MARGIN).isoformat())).all()
    visited = _checked_in(conn, tenant_id, [v.id for v in found])
    unvisited = [v for v in found if v.id not in visited]
    lists = _lists(conn, tenant_id, sorted({v.service_user_id for v in unvisited}))
    opened = watched(conn, tenant_id, {mid: version for mid, (version, _) in lists.items()})
    critical: dict[str, list[tuple[str, Watched]]] = {}
    for mid, kept in sorted(opened.items()):
        if kept.time_critical:
            critical.setdefault(lists[mid][1], []).append((mid, kept))
    out = []
    for v in unvisited:
        start, end = datetime.fromisoformat(v.start), datetime.fromisoformat(v.end)
        for mid, kept in critical.get(v.service_user_id, []):
            for at in due_times(kept.body, start, end, tz):
                closes = at + kept.half
                if since <= closes < until:
                    out.append(Planned(closes, v.start, v.id, mid, lists[mid][0], at))
    return out


def _missed(conn: Connection, tenant_id: str, tz: ZoneInfo, due: list[Planned],
            now: datetime) -> list[dict[str, Any]]:
    """The planned doses whose window has closed that are still missed now: the visit not
    cancelled nor checked in to, the medicine unchanged (or still due then), no outcome from
    anyone, not raised before."""
    if not due:
        return []
    ids = sorted({d.visit_id for d in due})
    rows = {r.id: r for r in _chunked(conn, ids, lambda chunk: select(
        visits.c.id, visits.c.service_user_id, visits.c.worker_id, visits.c.start,
        visits.c.end, visits.c.status).where(
        visits.c.tenant_id == tenant_id, visits.c.id.in_(chunk)))}
    visited = _checked_in(conn, tenant_id, ids)
    live = {r.id: r for r in rows.values() if r.status != CANCELLED and r.id not in visited}
    versions = {r.id: int(r.version) for r in _chunked(
        conn, sorted({d.medicine_id for d in due}), lambda chunk: select(
            medicines.c.id, medicines.c.version).where(
            medicines.c.tenant_id == tenant_id, medicines.c.id.in_(chunk)))}
    changed = {d.medicine_id: versions[d.medicine_id] for d in due
               if versions.get(d.medicine_id, d.version) != d.version}
    reread = watched(conn, tenant_id, changed) if changed else {}
    missed: dict[str, tuple[Any, str, datetime]] = {}
    for d in sorted(due, key=lambda d: (d.start, d.visit_id, d.medicine_id, d.at)):
        v = live.get(d.visit_id)
        if v is None or d.medicine_id not in versions:
            continue
        if d.medicine_id in changed:  # edited since the plan: still due at that time?
            kept = reread.get(d.medicine_id)
            if kept is None or not kept.time_critical or d.at not in due_times(
                    kept.body, datetime.fromisoformat(v.start),
                    datetime.fromisoformat(v.end), tz) or d.at + kept.half >= now:
                continue
        missed.setdefault(escalations.dose_key(d.medicine_id, d.at.isoformat()),
                          (v, d.medicine_id, d.at))
    if not missed:
        return []
    known = set(conn.execute(select(escalations_t.c.dedupe_key).where(
        escalations_t.c.tenant_id == tenant_id,
        escalations_t.c.dedupe_key.in_(sorted(missed)))).scalars())
    people = sorted({v.service_user_id for v, _, _ in missed.values()})
    answered = _answered(conn, tenant_id, people, min(at for _, _, at in missed.values()))
    return [dict(dedupe_key=key, type_=MEDICATION, severity=URGENT,
                 worker_id=v.worker_id, service_user_id=v.service_user_id,
                 visit_id=v.id, office_check=Check.UNVISITED.value,
                 detail={"check": Check.UNVISITED.value, "medicine_id": mid,
                         "dose_at": at.isoformat()})
            for key, (v, mid, at) in sorted(missed.items())
            if key not in known and (mid, at) not in answered]


def _chunked(conn: Connection, ids: list[str], query: Callable[[list[str]], Any]) -> list[Any]:
    """Rows of `query` over `ids`, an IN list's worth (storage.in_chunks) at a time."""
    out: list[Any] = []
    for chunk in in_chunks(ids):
        out += conn.execute(query(list(chunk))).all()
    return out


def _checked_in(conn: Connection, tenant_id: str, visit_ids: list[str]) -> set[str]:
    return {r.visit_id for r in _chunked(conn, visit_ids, lambda chunk: select(
        records.c.visit_id).where(records.c.tenant_id == tenant_id, records.c.kind == "check_in",
                                  records.c.visit_id.in_(chunk)))}


def _lists(conn: Connection, tenant_id: str, people: list[str]) -> dict[str, tuple[int, str]]:
    """The medicines of these people: id -> (version, person)."""
    return {r.id: (int(r.version), r.service_user_id) for r in _chunked(
        conn, people, lambda chunk: select(
            medicines.c.id, medicines.c.version, medicines.c.service_user_id).where(
            medicines.c.tenant_id == tenant_id, medicines.c.service_user_id.in_(chunk)))}


def _answered(conn: Connection, tenant_id: str, people: list[str],
              since: datetime) -> set[tuple[str, datetime]]:
    """(medicine, scheduled time) of every dose outcome recorded for these people since then."""
    out = set()
    for r in _chunked(conn, people, lambda chunk: select(records.c.facts).where(
            records.c.tenant_id == tenant_id, records.c.kind == "dose_outcome",
            records.c.service_user_id.in_(chunk),
            records.c.recorded_at >= (since - SLACK).isoformat())):
        facts = r.facts or {}
        try:
            out.add((str(facts["medicine_id"]),
                     datetime.fromisoformat(facts["scheduled_at"]).astimezone(UTC)))
        except (KeyError, TypeError, ValueError):
            continue  # a PRN dose (no scheduled time) or facts ingest would refuse
    return out


ENTERED = codes.EscalationOutcome.ACTION_TAKEN.value


def dose_entered(conn: Connection, tenant_id: str, medicine_id: str, body: dict[str, Any],
                 now: datetime) -> int:
    """Close the open "no dose set" escalations about `medicine_id` whose dose's local date has
    a dose in `body` (the version now in force); returns how many closed. Other concerns about
    the same dose (a missed time-critical dose, a refusal) share its key and stay open."""
    by_date = (body.get("amount") or {}).get("by_date") or {}
    if not by_date:
        return 0
    zone = ZoneInfo(conn.execute(select(tenants.c.timezone).where(
        tenants.c.id == tenant_id)).scalar_one())
    prefix = escalations.dose_key_prefix(medicine_id)
    found = conn.execute(select(
        escalations_t.c.id, escalations_t.c.dedupe_key, escalations_t.c.office_check,
        escalations_t.c.source_record_id).where(
        escalations_t.c.tenant_id == tenant_id,
        escalations_t.c.state != codes.EscalationState.RESOLVED.value,
        escalations_t.c.dedupe_key.startswith(prefix, autoescape=True))).all()
    closed = 0
    for esc in found:
        try:
            day = datetime.fromisoformat(esc.dedupe_key[len(prefix):])
        except ValueError:
            continue
        on = day.astimezone(zone).date()
        if on.isoformat() not in by_date or not _about_no_dose(conn, tenant_id, esc):
            continue
        closed += escalations.close_by_office(
            conn, tenant_id, esc.id, now, outcome=ENTERED,
            label=f"closed by itself: the dose for {on:%-d %b} was entered and checked",
        ) is not None
    return closed


def _about_no_dose(conn: Connection, tenant_id: str, esc: Any) -> bool:
    """Whether an escalation keyed by a dose is the "no dose set" one: raised by the office's
    check, or by a phone whose record says so."""
    if esc.office_check == Check.NO_DOSE_SET.value:
        return True
    if esc.source_record_id is None:
        return False
    facts = conn.execute(select(records.c.facts).where(
        records.c.tenant_id == tenant_id, records.c.id == esc.source_record_id)).scalar()
    return (facts or {}).get("event") == codes.MedicationEvent.NO_DOSE_SET.value
