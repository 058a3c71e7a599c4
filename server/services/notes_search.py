"""Visit notes review: find workers' records by person, worker, dates and flags; open one.

The search reads clear columns only: ids, kinds, times and the clear facts each record kind
carries (an outcome code, an escalation's type). A person is found by the keyed blind index of
their full name (server/sealing.py), never by opening everyone's record; the window is bounded
(at most MAX_DAYS) and answered newest first a page at a time, on the (agency, time) indexes.
The people named in a page of results are opened to show their names (audited as reads of their
records); opening one result opens its sealed content and its corrections, each an audited
read. A safeguarding concern (and its corrections) is found and opened by safeguarding leads
only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, and_, false, func, or_, select

from server import datakeys, escalations, sealing
from server.errors import Forbidden, Invalid, NotFound
from server.schema import records, service_users, workers
from server.services.audit import audit_many
from server.services.people import open_people
from server.services.sign_in import Coordinator
from server.services.visit_record import OpenedRecord, open_record, readable_ids
from sync import codes, kinds

SEARCHED = ("note", "task_outcome", "dose_outcome", "escalation", "addendum")
MAX_DAYS = 31
DEFAULT_DAYS = 7
PAGE = 50
REFUSED = (codes.TaskOutcome.REFUSED.value, codes.DoseOutcome.REFUSED.value)
RESTRICTED = "This record is a safeguarding concern: only a safeguarding lead can open it."


class Flag(codes.Code):
    """What a search can be narrowed to, with its filter's label."""

    REFUSAL = "refusal", "Refusals"
    CONCERN = "concern", "Concerns"
    CORRECTION = "correction", "Corrections"


@dataclass(frozen=True)
class NotesQuery:
    person: str = ""  # a person's full name, any case or spacing (matched by the blind index)
    worker: str = ""  # part of a worker's name
    start: date | None = None  # local days, both ends included; default the last week
    end: date | None = None
    flags: frozenset[Flag] = frozenset()  # any of these (none: every record)
    before: str | None = None  # the next page: records older than this (recorded_at)


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    label: str
    recorded_at: str
    worker_name: str
    person_name: str
    visit_id: str | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    start: date
    end: date
    more: bool  # another page is there (ask with `before` = the last hit's time)
    why_empty: str = ""  # e.g. nobody of that name


@dataclass(frozen=True)
class OpenedNote:
    record: OpenedRecord
    worker_name: str
    person_name: str
    visit_id: str | None
    corrections: tuple[OpenedRecord, ...] = field(default_factory=tuple)


def window(q: NotesQuery, today: date) -> tuple[date, date]:
    """The local days searched: as asked, or the last week; refused past MAX_DAYS."""
    end = q.end or today
    start = q.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid("The first day is after the last day.", field="start")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"Search at most {MAX_DAYS} days at a time.", field="start")
    return start, end


def search(engine: Engine, who: Coordinator, q: NotesQuery, now: datetime,
           tz: ZoneInfo) -> Results:
    start, end = window(q, now.astimezone(tz).date())
    lo = datetime.combine(start, time.min, tz).astimezone(UTC).isoformat()
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC).isoformat()
    where: list[Any] = [records.c.tenant_id == who.tenant_id, records.c.kind.in_(SEARCHED),
                        records.c.recorded_at >= lo, records.c.recorded_at < hi]
    if q.before:
        where.append(records.c.recorded_at < q.before)
    with engine.begin() as conn:
        if q.person.strip():
            people = _people_named(conn, who, q.person)
            if not people:
                return Results([], start, end, False, "Nobody of that name in your agency.")
            where.append(records.c.service_user_id.in_(people))
        if q.worker.strip():
            staff = _workers_named(conn, who, q.worker)
            if not staff:
                return Results([], start, end, False, "No worker's name contains that.")
            where.append(records.c.worker_id.in_(staff))
        if q.flags:
            where.append(or_(*[_flag_clause(f) for f in q.flags]))
        if not who.is_safeguarding_lead:
            where.append(~and_(records.c.kind == "escalation",
                               _fact("type") == escalations.SAFEGUARDING))
        rows = conn.execute(
            select(records.c.id, records.c.kind, records.c.recorded_at, records.c.worker_id,
                   records.c.service_user_id, records.c.visit_id, records.c.facts,
                   records.c.corrects)
            .where(and_(*where)).order_by(records.c.recorded_at.desc(), records.c.id.desc())
            .limit(PAGE + 1)).mappings().all()
        more, rows = len(rows) > PAGE, rows[:PAGE]
        readable = readable_ids(conn, who, rows)
        rows = [r for r in rows if r["id"] in readable]
        names = _worker_names(conn, who, {r["worker_id"] for r in rows})
        people_names = _person_names(conn, who, [r["service_user_id"] for r in rows
                                                 if r["service_user_id"]], now)
    hits = [Hit(r["id"], r["kind"], kinds.label(r["kind"]), r["recorded_at"],
                names.get(r["worker_id"], "the office"),
                people_names.get(r["service_user_id"] or "", "—"), r["visit_id"],
                flags_of(r["kind"], r["facts"] or {})) for r in rows]
    return Results(hits, start, end, more, "" if hits else "No records match.")


def _fact(name: str) -> Any:
    return records.c.facts[name].as_string()


def _flag_clause(flag: Flag) -> Any:
    if flag is Flag.REFUSAL:
        return and_(records.c.kind.in_(("task_outcome", "dose_outcome", "addendum")),
                    _fact("outcome").in_(REFUSED))
    if flag is Flag.CONCERN:
        return records.c.kind == "escalation"
    if flag is Flag.CORRECTION:
        return records.c.kind == "addendum"
    return false()


def flags_of(kind: str, facts: Mapping[str, Any]) -> tuple[Flag, ...]:
    out = []
    if facts.get("outcome") in REFUSED:
        out.append(Flag.REFUSAL)
    if kind == "escalation":
        out.append(Flag.CONCERN)
    if kind == "addendum":
        out.append(Flag.CORRECTION)
    return tuple(out)


def _people_named(conn: Connection, who: Coordinator, name: str) -> list[str]:
    probe = sealing.name_index(datakeys.keys_for(conn, who.tenant_id), name)
    return list(conn.execute(select(service_users.c.id).where(
        service_users.c.tenant_id == who.tenant_id,
        service_users.c.name_index == probe)).scalars())


def _workers_named(conn: Connection, who: Coordinator, part: str) -> list[str]:
    """Workers whose (clear, staff) name contains `part`, any case; at most a page of them."""
    return list(conn.execute(select(workers.c.id).where(
        workers.c.tenant_id == who.tenant_id,
        func.lower(workers.c.name).contains(part.strip().lower(), autoescape=True))
        .limit(PAGE)).scalars())


def _person_names(conn: Connection, who: Coordinator, ids: list[str],
                  now: datetime) -> dict[str, str]:
    """The names of the people in a page of results: each person opened is an audited read
    of their record (as server/services/people.py), written in one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    keys = datakeys.keys_for(conn, who.tenant_id)
    names: dict[str, str] = {}
    for r in conn.execute(select(service_users.c.id, service_users.c.version,
                                 service_users.c.body).where(
            service_users.c.tenant_id == who.tenant_id,
            service_users.c.id.in_(wanted))).all():
        try:
            names[r.id] = str(sealing.open_body(keys, who.tenant_id, "service_users", r.id,
                                                r.version, r.body).get("name", ""))
        except sealing.EnvelopeDamaged:
            continue  # shown as unknown, never a crash
    audit_many(conn, who, "read_person", "service_user", sorted(names), now)
    return names


def _worker_names(conn: Connection, who: Coordinator, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(conn.execute(select(workers.c.id, workers.c.name).where(
        workers.c.tenant_id == who.tenant_id, workers.c.id.in_(sorted(ids)))).all())


def open_note(engine: Engine, key: X25519PrivateKey, who: Coordinator, record_id: str,
              now: datetime) -> OpenedNote:
    """One record found by the search, opened with its corrections (each opening audited)."""
    with engine.begin() as conn:
        row = conn.execute(select(records).where(
            records.c.tenant_id == who.tenant_id, records.c.id == record_id,
            records.c.kind.in_(SEARCHED))).mappings().first()
        if row is None:
            raise NotFound("No such record in your agency.")
        fixes = conn.execute(select(records).where(
            records.c.tenant_id == who.tenant_id, records.c.corrects == record_id,
            records.c.kind == "addendum").order_by(records.c.recorded_at)).mappings().all()
        if record_id not in readable_ids(conn, who, [row]):
            raise Forbidden(RESTRICTED)
        opened = open_record(conn, key, who, row, now)
        corrections = tuple(open_record(conn, key, who, f, now) for f in fixes)
        names = _worker_names(conn, who, {row["worker_id"]})
        person = open_people(conn, who, [row["service_user_id"]] if row["service_user_id"]
                             else [], now, key).get(row["service_user_id"] or "", {})
    return OpenedNote(opened, names.get(row["worker_id"], "the office"),
                      person.get("name", "—"), row["visit_id"], corrections)
