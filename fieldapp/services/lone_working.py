"""Lone working on the phone: SOS, answering "Are you OK?", extending a visit, and the reminder.

Every use case writes one lone-worker record (fieldapp/services/lone_records.py: what it says is
sealed) and the screens then ask for a sync at once. The office runs the timers; the phone keeps
the office's "Are you OK?" questions (feed entity "welfare") until the worker answers one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldapp.domain import lone_working
from fieldapp.domain.clock import Clock, parse_utc
from fieldapp.errors import DamagedRecord, RuleViolation
from fieldapp.services.escalations import STAGE_WORDS
from fieldapp.services.lone_records import KIND, open_visit, write_lone_record
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, open_record
from fieldapp.vault.dek import Sealer
from sync.codes import AlertLevel, LoneWorkerEvent


@dataclass(frozen=True)
class SosStatus:
    """How far an SOS alert has got: saved on phone, sent, received by the office."""

    record_id: str
    raised_at: datetime
    stage: str  # phone | sent | received | rejected

    @property
    def words(self) -> str:
        return STAGE_WORDS.get(self.stage, self.stage)

    @property
    def at_office(self) -> bool:
        return self.stage == "received"


@dataclass(frozen=True)
class WelfareQuestion:
    """The office asking "Are you OK?" because a visit ran past its expected end."""

    session_id: str
    visit_id: str | None
    asked_at: datetime | None


@dataclass(frozen=True)
class EndReminder:
    """"Your visit is due to end at HH:MM — check out or extend"."""

    visit_id: str
    ends_at: datetime


class LoneWorkingService:
    def __init__(self, store: DeviceStore, sealer: Callable[[], Sealer],
                 author: Callable[[], Author], clock: Clock):
        self.store = store
        self._sealer = sealer
        self._author = author
        self.clock = clock

    # --- writing --------------------------------------------------------------------------
    def sos(self, location: dict[str, float] | None = None, *, consent: bool = False,
            session_id: str | None = None) -> str:
        """A red alert, now; with the last known location only if the worker allowed it."""
        where = ({k: float(location[k]) for k in ("lat", "lon", "accuracy_m") if k in location}
                 if consent and location else None)
        content: dict[str, Any] = {"event": LoneWorkerEvent.SOS.value,
                                   "level": AlertLevel.RED.value, "location": where,
                                   "location_consent": consent}
        if session_id is not None:
            content["session_id"] = session_id  # "I need help" answering "Are you OK?"
        return self._write(content, answers=session_id)

    def answer_ok(self, session_id: str) -> str:
        """"I'm OK": the office stops the alert climbing (a coordinator still closes it)."""
        return self._write({"event": LoneWorkerEvent.OK.value, "session_id": session_id},
                           answers=session_id)

    def need_help(self, session_id: str, location: dict[str, float] | None = None, *,
                  consent: bool = False) -> str:
        """"I need help" answering "Are you OK?": an SOS with no hold (they were asked)."""
        return self.sos(location, consent=consent, session_id=session_id)

    def extend(self, visit_id: str, minutes: int) -> str:
        """"Need more time?": the office's expected end moves on by `minutes`."""
        if minutes not in lone_working.EXTEND_CHOICES:
            raise RuleViolation("Choose 15, 30 or 60 more minutes.")
        checked_in, checked_out = self._times(visit_id)
        if checked_in is None or checked_out is not None:
            raise RuleViolation("You can only extend a visit you are checked in to.")
        return self._write({"event": LoneWorkerEvent.EXTEND.value, "minutes": minutes,
                            "visit_id": visit_id})

    def _write(self, content: dict[str, Any], answers: str | None = None) -> str:
        sealer, author, now = self._sealer(), self._author(), self.clock.now()
        with self.store.transaction() as db:
            rid = write_lone_record(db, sealer, author, now, content)
            if answers is not None:
                db.execute("UPDATE welfare_questions SET answered_at = ? WHERE session_id = ? "
                           "AND answered_at IS NULL", [now.isoformat(), answers])
        return rid

    # --- reading --------------------------------------------------------------------------
    def sos_status(self, record_id: str) -> SosStatus | None:
        rows = self.store.rows("SELECT recorded_at, sync_state FROM records WHERE id = ? "
                               "AND kind = ?", [record_id, KIND])
        if not rows:
            return None
        return SosStatus(record_id, parse_utc(rows[0]["recorded_at"]), rows[0]["sync_state"])

    def question(self) -> WelfareQuestion | None:
        """The newest "Are you OK?" not yet answered, unless its visit is checked out."""
        rows = self.store.rows(
            "SELECT q.session_id, q.visit_id, q.asked_at FROM welfare_questions q "
            "WHERE q.answered_at IS NULL AND NOT EXISTS (SELECT 1 FROM records o WHERE "
            "o.kind = 'check_out' AND o.visit_id = q.visit_id) "
            "ORDER BY q.asked_at DESC LIMIT 1")
        if not rows:
            return None
        r = rows[0]
        asked = parse_utc(r["asked_at"]) if r["asked_at"] else None
        return WelfareQuestion(r["session_id"], r["visit_id"], asked)

    def expected_end(self, visit_id: str) -> datetime | None:
        """The visit's scheduled end plus the worker's extensions (None: not checked in)."""
        checked_in, _ = self._times(visit_id)
        rows = self.store.rows('SELECT "end" FROM visits WHERE id = ?', [visit_id])
        if checked_in is None or not rows:
            return None
        return lone_working.expected_end(parse_utc(rows[0]["end"]), self._extensions(visit_id))

    def reminder(self, visit_id: str | None = None) -> EndReminder | None:
        """A reminder from 10 minutes before the open visit's expected end (or `visit_id`'s)."""
        current = open_visit(self.store.db)
        if current is None or (visit_id is not None and visit_id != current):
            return None
        end = self.expected_end(current)
        if end is None or not lone_working.reminder_due(end, self.clock.now()):
            return None
        return EndReminder(current, end)

    def _extensions(self, visit_id: str) -> list[int]:
        sealer = self._sealer()
        minutes = []
        for r in self.store.rows(
                "SELECT id, version, envelope FROM records WHERE kind = ? AND "
                "json_extract(facts, '$.open_visit_id') = ?", [KIND, visit_id]):
            try:
                said = open_record(sealer, r)
            except DamagedRecord:
                continue
            if said.get("event") == LoneWorkerEvent.EXTEND and isinstance(said.get("minutes"),
                                                                          int):
                minutes.append(int(said["minutes"]))
        return minutes

    def _times(self, visit_id: str) -> tuple[datetime | None, datetime | None]:
        found: dict[str, datetime] = {}
        for r in self.store.rows(
                "SELECT kind, recorded_at FROM records WHERE visit_id = ? "
                "AND kind IN ('check_in', 'check_out') ORDER BY recorded_at", [visit_id]):
            found.setdefault(r["kind"], parse_utc(r["recorded_at"]))
        return found.get("check_in"), found.get("check_out")
