"""The end-of-shift handover on the phone: draft it from the store, submit it sealed and queued,
follow the office's acknowledgement and reply, and show other workers' points about a person.

Drafting reads only the shift: the day's visits, their records (opened once each), the
shift's records with no visit (escalations, alerts) by time, the office's answers to them, and
the names of the shift's people. docs/handover.md describes the payload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldapp.domain.clock import parse_utc
from fieldapp.domain.handover import OfficeAnswers, Shift, ShiftRecord, ShiftVisit, draft_handover
from fieldapp.domain.ids import uuid7
from fieldapp.errors import DamagedRecord, RuleViolation
from fieldapp.services.duress import visible_counts
from fieldapp.services.writer import RecordWriter
from fieldapp.store.records import open_record, write_record
from fieldapp.store.replica import open_row
from sync.codes import HandoverAckState, HandoverCategory
from sync.handover import (
    POINT_MAX_AGE_DAYS,
    SECTIONS,
    Item,
    Payload,
    facts_for,
    payload_errors,
)

TEXT_MAX_CHARS = 4000
# The contract's shapes under the names the screens import them by.
HANDOVER_SECTIONS = SECTIONS
HandoverItem = Item
HandoverPayload = Payload
HANDOVER_STAGE_WORDS = {
    "phone": "Saved on phone, not sent yet",
    "sent": "Sent, waiting for the office",
    "received": "Received by the office",
    HandoverAckState.ACKNOWLEDGED.value: "Acknowledged by the office",
    HandoverAckState.REPLIED.value: "The office replied",
    "rejected": "Not accepted by the office: call the office",
}
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class HandoverDraft:
    """A drafted handover before the worker edits it; `record_id` is the id it is saved under."""

    record_id: str
    payload: Payload
    shift_start: datetime
    shift_end: datetime
    unsynced: int  # the worker's records not yet received by the office


@dataclass(frozen=True)
class HandoverSubmitted:
    record_id: str
    unsynced: int  # records (this handover included) not yet received by the office

    @property
    def warning(self) -> str | None:
        if not self.unsynced:
            return None
        return (f"{self.unsynced} record(s) from your shift are still only on this phone. "
                "They are kept safe and the app keeps sending them: connect to the internet "
                "before you switch the phone off.")


@dataclass(frozen=True)
class HandoverStatus:
    """One of this worker's handovers and how far the office has got with it."""

    record_id: str
    submitted_at: datetime
    shift_start: datetime | None
    shift_end: datetime | None
    items: int
    stage: str  # a key of HANDOVER_STAGE_WORDS
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    reply: str | None = None

    @property
    def words(self) -> str:
        return HANDOVER_STAGE_WORDS.get(self.stage, self.stage)


@dataclass(frozen=True)
class HandoverPoint:
    """A point another worker's handover passed on about a person this worker visits."""

    item_id: str
    category: HandoverCategory
    text: str
    written_at: datetime


class HandoverService(RecordWriter):
    """The end-of-shift handover: the draft from the shift's records, sending it, the office's
    answers."""

    # --- when ---------------------------------------------------------------------------------
    def _day_visits(self, day: date) -> list[dict[str, Any]]:
        lo = datetime.combine(day, time.min, self.tz).astimezone(_UTC)
        return self.store.rows(
            'SELECT id, worker_id, service_user_id, visit_type, start, "end" FROM visits '
            "WHERE start >= ? AND start < ? ORDER BY start",
            [lo.isoformat(), (lo + timedelta(days=1)).isoformat()])

    def ready_to_end(self) -> bool:
        """True once today's last visit is checked out: the day view offers "End shift"."""
        visits = self._day_visits(self.clock.now().astimezone(self.tz).date())
        if not visits:
            return False
        return bool(self.store.rows(
            "SELECT 1 FROM records WHERE visit_id = ? AND kind = 'check_out' LIMIT 1",
            [visits[-1]["id"]]))

    def unsynced(self) -> int:
        """The worker's records the office has not confirmed yet (a duress alert not counted)."""
        counts = visible_counts(self.store)
        return counts.on_phone + counts.sent

    # --- drafting -----------------------------------------------------------------------------
    def draft(self) -> HandoverDraft:
        now = self.clock.now()
        author = self._author()
        visits = self._day_visits(now.astimezone(self.tz).date())
        midnight = datetime.combine(now.astimezone(self.tz).date(), time.min, self.tz)
        loose = self.store.rows(
            "SELECT * FROM records WHERE kind IN ('escalation', 'lone_worker') "
            "AND recorded_at >= ? AND recorded_at <= ? AND visit_id IS NULL",
            [midnight.astimezone(_UTC).isoformat(), now.isoformat()])
        ids = [v["id"] for v in visits]
        marks = ",".join("?" * len(ids))
        rows = loose + (self.store.rows(
            f"SELECT * FROM records WHERE visit_id IN ({marks})", ids) if ids else [])  # noqa: S608
        # The shift began at its first visit's start, or earlier with an early check-in.
        checked_in = {r["visit_id"] for r in rows if r["kind"] == "check_in"}
        starts = [parse_utc(v["start"]) for v in visits if parse_utc(v["start"]) <= now]
        starts += [parse_utc(r["recorded_at"]) for r in loose]
        starts += [parse_utc(r["recorded_at"]) for r in rows if r["kind"] == "check_in"]
        start = min(starts, default=midnight.astimezone(_UTC))
        scope = frozenset(r["id"] for r in self.store.rows("SELECT id FROM people"))
        shift = Shift(author.worker_id, start, now, scope, self.tz)
        record_id = uuid7()
        payload = draft_handover(
            shift, [_visit(v) for v in visits], self._opened(rows), now=now, seed=record_id,
            office=self._office(rows),
            names=self._names({v["service_user_id"] for v in visits
                               if parse_utc(v["start"]) <= now or v["id"] in checked_in}))
        return HandoverDraft(record_id, payload, start, now, self.unsynced())

    def _opened(self, rows: list[dict[str, Any]]) -> list[ShiftRecord]:
        sealer = self._sealer()
        out = []
        for r in rows:
            content: dict[str, Any] = {}
            if r["kind"] != "check_out":  # the only kind whose words no item uses
                try:
                    content = open_record(sealer, r)
                except DamagedRecord:
                    content = {}  # clear facts still draft what they can
            out.append(ShiftRecord(r["id"], r["kind"], r["author"], parse_utc(r["recorded_at"]),
                                   r["visit_id"], r["service_user_id"], json.loads(r["facts"]),
                                   content, r["corrects"]))
        return out

    def _office(self, rows: list[dict[str, Any]]) -> OfficeAnswers:
        esc = [r["id"] for r in rows if r["kind"] == "escalation"]
        doses = [r["id"] for r in rows if r["kind"] == "dose_outcome"]
        states = {r["record_id"]: r["state"] for r in self.store.rows(
            "SELECT record_id, state FROM escalation_status WHERE record_id IN "
            "(SELECT value FROM json_each(?))", [json.dumps(esc)])} if esc else {}
        fixed = {r["record_id"]: r["outcome"] for r in self.store.rows(
            "SELECT record_id, outcome FROM dose_facts WHERE version > 1 AND record_id IN "
            "(SELECT value FROM json_each(?))", [json.dumps(doses)])} if doses else {}
        return OfficeAnswers(states, fixed)

    def _names(self, people: set[str]) -> dict[str, str]:
        sealer = self._sealer()
        names = {}
        for r in self.store.rows("SELECT * FROM people WHERE id IN (SELECT value FROM "
                                 "json_each(?))", [json.dumps(sorted(people))]):
            try:
                p = open_row(sealer, "people", r)
            except DamagedRecord:
                continue
            names[r["id"]] = str(p.get("preferred_name") or p.get("name") or "")
        return names

    # --- submitting ---------------------------------------------------------------------------
    def submit(self, draft: HandoverDraft, payload: Payload) -> HandoverSubmitted:
        """Seal and queue the edited handover in one transaction (works offline)."""
        if payload_errors(payload):
            raise RuleViolation("This handover could not be read back. Draft it again.")
        texts = [payload["text"], *(payload["sections"][s]["text"] for s in SECTIONS),
                 *(i["text"] for s in SECTIONS for i in payload["sections"][s]["items"])]
        if any(len(t) > TEXT_MAX_CHARS for t in texts):
            raise RuleViolation(f"Keep each part under {TEXT_MAX_CHARS} characters.")
        if self.store.rows("SELECT 1 FROM records WHERE id = ?", [draft.record_id]):
            raise RuleViolation("This handover is already submitted.")
        facts = facts_for(payload, draft.shift_start.isoformat(), draft.shift_end.isoformat())
        with self.store.transaction() as db:
            write_record(db, self._sealer(), self._author(), kind="handover",
                         recorded_at=self.clock.now().isoformat(), payload=dict(payload),
                         facts=facts, record_id=draft.record_id)
        return HandoverSubmitted(draft.record_id, self.unsynced())

    # --- the office's answers, and other workers' points -------------------------------------
    def mine(self) -> list[HandoverStatus]:
        """This worker's handovers, newest first, with the office's acknowledgement and reply."""
        sealer = self._sealer()
        out = []
        for r in self.store.rows(
                "SELECT r.id, r.recorded_at, r.sync_state, r.facts, a.state, a.acknowledged_at, "
                "a.version, a.sealed FROM records r LEFT JOIN handover_acks a "
                "ON a.record_id = r.id WHERE r.kind = 'handover' ORDER BY r.recorded_at DESC"):
            facts = json.loads(r["facts"])
            ack: dict[str, Any] = {}
            if r["sealed"] is not None:
                try:
                    ack = open_row(sealer, "handover_acks", {**r, "id": r["id"]})
                except DamagedRecord:
                    ack = {}
            out.append(HandoverStatus(
                r["id"], parse_utc(r["recorded_at"]), _time(facts.get("shift_start")),
                _time(facts.get("shift_end")), int(facts.get("items") or 0),
                r["state"] or r["sync_state"], _time(r["acknowledged_at"]),
                str(ack.get("acknowledged_by") or ""), ack.get("reply")))
        return out

    def points(self, person_id: str) -> list[HandoverPoint]:
        """Points from earlier handovers about this person, newest first, at most 7 days old."""
        since = self.clock.now() - timedelta(days=POINT_MAX_AGE_DAYS)
        sealer = self._sealer()
        out = []
        for r in self.store.rows("SELECT * FROM handover_points WHERE service_user_id = ? "
                                 "ORDER BY written_at DESC", [person_id]):
            written = parse_utc(r["written_at"])
            if written < since:
                continue
            try:
                body = open_row(sealer, "handover_points", r)
            except DamagedRecord:
                continue
            out.append(HandoverPoint(r["id"], HandoverCategory(body["category"]),
                                     str(body["text"]), written))
        return out


def _visit(v: dict[str, Any]) -> ShiftVisit:
    return ShiftVisit(v["id"], v["worker_id"], v["service_user_id"], v["visit_type"],
                      parse_utc(v["start"]), parse_utc(v["end"]))


def _time(text: Any) -> datetime | None:
    """A time from clear facts or the office's answer; blank or unreadable is no time."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_utc(text)
    except ValueError:
        return None
