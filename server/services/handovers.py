"""The office's handover inbox: list and filter, read one (opened and audited), acknowledge, reply.

The inbox is built from clear columns only (who, shift times, has concerns, state), so listing
opens nothing. Reading a handover opens its sealed SBAR content and each reply with the escrow
key, and writes one audit entry per sealed thing opened, in the same transaction. An item drawn
from a safeguarding record shows to a safeguarding lead only; others see that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, and_, case, func, select

from server import handovers
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import NotFound
from server.escrow import EnvelopeDamaged, open_envelope
from server.schema import (
    coordinators,
    escalations,
    handover_replies,
    records,
    workers,
)
from server.schema import handovers as handovers_t
from server.services.audit import audit
from server.services.people import open_people
from server.services.sign_in import Coordinator, tenant_zone
from sync import handover, kinds
from sync.codes import HandoverCategory

SECTION_TITLES = {"situation": "Situation", "background": "Background",
                  "assessment": "Assessment", "recommendation": "Recommendation"}
RESTRICTED = "A safeguarding item: only the agency's safeguarding leads can read it."


@dataclass(frozen=True)
class InboxItem:
    id: str
    worker_id: str
    worker_name: str
    shift_start: str
    shift_end: str
    has_concerns: bool
    items: int
    state: str
    acknowledged_at: str | None
    acknowledged_by_name: str | None
    replies: int
    received_at: str

    @property
    def acknowledged(self) -> bool:
        return self.state == handovers.State.ACKNOWLEDGED


@dataclass(frozen=True)
class Filters:
    worker_id: str | None = None
    day: date | None = None  # shifts that touch this local day
    unacknowledged: bool = False
    has_concerns: bool = False


@dataclass(frozen=True)
class SourceLink:
    """A record an item was drawn from, and where the console shows it."""

    record_id: str
    label: str  # the record kind's label, or "Not at the office yet"
    target: str | None  # "visit" or "escalation"; None: nothing to open
    target_id: str | None


@dataclass(frozen=True)
class ReportItem:
    id: str
    category: str
    category_label: str
    text: str
    person_id: str | None
    person_name: str | None
    visit_id: str | None
    for_next_worker: bool
    restricted: bool  # text withheld from this reader
    links: tuple[SourceLink, ...]


@dataclass(frozen=True)
class ReportSection:
    name: str
    title: str
    text: str
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class Reply:
    at: str
    by_name: str
    text: str


@dataclass(frozen=True)
class HandoverReport:
    summary: InboxItem
    text: str
    sections: tuple[ReportSection, ...]
    replies: tuple[Reply, ...]
    damaged: bool  # the sealed content could not be opened; the record is kept as it came
    read_by: str
    read_at: str


def inbox(engine: Engine, who: Coordinator, filters: Filters = Filters(),
          limit: int = 200) -> list[InboxItem]:
    """Handovers matching `filters`: unacknowledged first, then the latest shifts first."""
    t = handovers_t
    where = [t.c.tenant_id == who.tenant_id]
    if filters.worker_id:
        where.append(t.c.worker_id == filters.worker_id)
    if filters.unacknowledged:
        where.append(t.c.state == handovers.State.UNACKNOWLEDGED.value)
    if filters.has_concerns:
        where.append(t.c.has_concerns)
    if filters.day is not None:
        tz = tenant_zone(engine, who.tenant_id)
        lo = datetime.combine(filters.day, time.min, tz).astimezone(UTC)
        where += [t.c.shift_start < (lo + timedelta(days=1)).isoformat(),
                  t.c.shift_end >= lo.isoformat()]
    waiting = case((t.c.state == handovers.State.UNACKNOWLEDGED.value, 0), else_=1)
    with engine.begin() as conn:
        rows = conn.execute(select(t).where(and_(*where))
                            .order_by(waiting, t.c.shift_end.desc(), t.c.id)
                            .limit(limit)).mappings().all()
        return _summaries(conn, who.tenant_id, rows)


def unacknowledged_count(engine: Engine, who: Coordinator) -> int:
    with engine.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(handovers_t).where(
            handovers_t.c.tenant_id == who.tenant_id,
            handovers_t.c.state == handovers.State.UNACKNOWLEDGED.value)).scalar_one())


def authors(engine: Engine, who: Coordinator) -> list[tuple[str, str]]:
    """(id, name) of the agency's workers who have written handovers, for the worker filter."""
    with engine.begin() as conn:
        return [(r.id, r.name) for r in conn.execute(
            select(workers.c.id, workers.c.name).where(
                workers.c.tenant_id == who.tenant_id,
                workers.c.id.in_(select(handovers_t.c.worker_id).where(
                    handovers_t.c.tenant_id == who.tenant_id)))
            .order_by(workers.c.name))]


def read(engine: Engine, key: X25519PrivateKey, who: Coordinator, handover_id: str,
         clock: Clock = SYSTEM_CLOCK) -> HandoverReport:
    """One handover opened for `who`: its SBAR sections with links, and the replies (audited)."""
    now = clock.now()
    with engine.begin() as conn:
        row = conn.execute(select(handovers_t).where(
            handovers_t.c.tenant_id == who.tenant_id,
            handovers_t.c.id == handover_id)).mappings().first()
        if row is None:
            raise NotFound("No such handover in your agency.")
        summary = _summaries(conn, who.tenant_id, [row])[0]
        payload = handovers.open_payload(conn, key, who.tenant_id, handover_id)
        audit(conn, who, "read_record", handovers.KIND, handover_id, now)
        replies = _replies(conn, key, who, handover_id, now)
        sections = _sections(conn, key, who, payload, now) if payload is not None else ()
    return HandoverReport(summary, payload["text"] if payload else "", sections, replies,
                          damaged=payload is None, read_by=who.name, read_at=now.isoformat())


def acknowledge(engine: Engine, who: Coordinator, handover_id: str,
                clock: Clock = SYSTEM_CLOCK) -> None:
    with engine.begin() as conn:
        handovers.acknowledge(conn, who, handover_id, clock.now())


def reply(engine: Engine, who: Coordinator, handover_id: str, text: str,
          clock: Clock = SYSTEM_CLOCK) -> None:
    with engine.begin() as conn:
        handovers.reply(conn, who, handover_id, text, clock.now())


def _summaries(conn: Connection, tenant_id: str, rows: Any) -> list[InboxItem]:
    ids = [r["id"] for r in rows]
    names = dict(conn.execute(select(workers.c.id, workers.c.name).where(
        workers.c.tenant_id == tenant_id,
        workers.c.id.in_({r["worker_id"] for r in rows}))).all())
    ackers = dict(conn.execute(select(coordinators.c.id, coordinators.c.name).where(
        coordinators.c.tenant_id == tenant_id,
        coordinators.c.id.in_({r["acknowledged_by"] for r in rows if r["acknowledged_by"]})))
        .all())
    counts: dict[str, int] = dict(conn.execute(
        select(handover_replies.c.handover_id, func.count())
        .where(handover_replies.c.tenant_id == tenant_id,
               handover_replies.c.handover_id.in_(ids))
        .group_by(handover_replies.c.handover_id)).all())
    return [InboxItem(
        id=r["id"], worker_id=r["worker_id"], worker_name=names.get(r["worker_id"], "—"),
        shift_start=r["shift_start"], shift_end=r["shift_end"], has_concerns=r["has_concerns"],
        items=r["items"], state=r["state"], acknowledged_at=r["acknowledged_at"],
        acknowledged_by_name=ackers.get(r["acknowledged_by"] or ""),
        replies=int(counts.get(r["id"], 0)), received_at=r["received_at"]) for r in rows]


def _replies(conn: Connection, key: X25519PrivateKey, who: Coordinator, handover_id: str,
             now: datetime) -> tuple[Reply, ...]:
    out = []
    for r in conn.execute(
        select(handover_replies, coordinators.c.name)
        .join(coordinators, coordinators.c.id == handover_replies.c.by, isouter=True)
        .where(handover_replies.c.tenant_id == who.tenant_id,
               handover_replies.c.handover_id == handover_id)
        .order_by(handover_replies.c.at, handover_replies.c.id)).mappings():
        try:
            text = str(open_envelope(key, who.tenant_id, handovers.REPLIES_TABLE, r["id"], 1,
                                     r["sealed"]).get("reply", ""))
        except EnvelopeDamaged:
            text = "(this reply could not be opened)"
        audit(conn, who, "read_handover_reply", "handover_reply", r["id"], now)
        out.append(Reply(r["at"], r["name"] or "the office", text))
    return tuple(out)


def _sections(conn: Connection, key: X25519PrivateKey, who: Coordinator,
              payload: handover.Payload, now: datetime) -> tuple[ReportSection, ...]:
    items = handover.items_of(payload)
    sources = {s for i in items for s in i["source_ids"]}
    audiences = handovers.source_audiences(conn, who.tenant_id, sources)
    found = {r.id: r for r in conn.execute(
        select(records.c.id, records.c.kind, records.c.visit_id).where(
            records.c.tenant_id == who.tenant_id, records.c.id.in_(sources)))}
    raised = dict(conn.execute(select(escalations.c.source_record_id, escalations.c.id).where(
        escalations.c.tenant_id == who.tenant_id,
        escalations.c.source_record_id.in_(sources))).all())
    hidden_ids = {i["id"] for i in items if not who.is_safeguarding_lead and any(
        audiences.get(s) is kinds.Audience.SAFEGUARDING_LEAD for s in i["source_ids"])}
    # Names of the people the items shown are about (each person opened is audited).
    names = {pid: str(p.get("name", "")) for pid, p in open_people(
        conn, who, {str(i["person_id"]) for i in items
                    if i["person_id"] and i["id"] not in hidden_ids}, now, key).items()}

    def link(rid: str) -> SourceLink:
        r = found.get(rid)
        if r is None:
            return SourceLink(rid, "Not at the office yet", None, None)
        if rid in raised:
            return SourceLink(rid, kinds.label(r.kind), "escalation", raised[rid])
        if r.visit_id:
            return SourceLink(rid, kinds.label(r.kind), "visit", r.visit_id)
        return SourceLink(rid, kinds.label(r.kind), None, None)

    def shown(i: handover.Item) -> ReportItem:
        hidden = i["id"] in hidden_ids
        return ReportItem(
            id=i["id"], category=i["category"],
            category_label=HandoverCategory(i["category"]).label,
            text=RESTRICTED if hidden else i["text"],
            person_id=None if hidden else i["person_id"],
            person_name=None if hidden else names.get(i["person_id"] or ""),
            visit_id=None if hidden else i["visit_id"],
            for_next_worker=i["for_next_worker"], restricted=hidden,
            links=() if hidden else tuple(link(s) for s in i["source_ids"]))

    return tuple(ReportSection(name, SECTION_TITLES[name], payload["sections"][name]["text"],
                               tuple(shown(i) for i in payload["sections"][name]["items"]))
                 for name in handover.SECTIONS)
