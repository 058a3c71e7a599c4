"""Use cases of a visit: the day's list, one visit's checklist, check-in, tasks, notes, check-out.

The eMAR (`fieldapp.services.medication`) and corrections (`fieldapp.services.addenda`) hang off
the visit service as `.medication` and `.addenda`, so a screen reaches every visit use case through
one object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldapp.domain import visit_rules
from fieldapp.domain.answer_status import AnswerStatus, task_status
from fieldapp.domain.clock import Clock, parse_utc
from fieldapp.domain.mar import DoseRecord, DueDose, unanswered_doses
from fieldapp.errors import CheckOutBlocked, DamagedRecord, RuleViolation
from fieldapp.services.addenda import AddendumService, Correction, correction_of
from fieldapp.services.medication import MedicationService
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, open_record, write_record
from fieldapp.store.replica import open_row
from fieldapp.vault.dek import Sealer

NOTE_MAX_CHARS = 4000


@dataclass(frozen=True)
class VisitSummary:
    id: str
    start: datetime
    end: datetime
    visit_type: str
    status: str  # due | late | in_progress | done | missed
    person_name: str
    area: str
    sync_state: str  # none | phone | sent | received | rejected (the least advanced record)
    # Local times of time-critical doses due at the visit, and how many still need an answer.
    time_critical_at: tuple[datetime, ...] = ()
    time_critical_open: int = 0
    address: str = ""  # street address (first line) and postcode, for the maps link
    postcode: str = ""


@dataclass
class VisitDetail:
    id: str
    start: datetime
    end: datetime
    visit_type: str
    status: str
    person: dict[str, Any]
    tasks: list[dict[str, Any]]
    goals: list[str]
    medicines: list[dict[str, Any]]
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    task_outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    record_states: dict[str, str] = field(default_factory=dict)
    due_doses: list[DueDose] = field(default_factory=list)
    dose_history: list[DoseRecord] = field(default_factory=list)
    corrections: dict[str, list[Correction]] = field(default_factory=dict)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    unreadable: int = 0  # damaged sealed records left out (the rest still shows)
    person_id: str = ""

    @property
    def unanswered_tasks(self) -> list[dict[str, Any]]:
        return [t for t in self.tasks if t["id"] not in self.task_outcomes]

    @property
    def unanswered_doses(self) -> list[DueDose]:
        return unanswered_doses(self.due_doses, self.dose_history)

    def timing(self, now: datetime) -> visit_rules.CheckInTiming:
        """What checking in (before it) or out (after it) at `now` would be; its
        `requires_reason` tells the screen to ask for a reason before the tap."""
        return visit_rules.visit_timing(self.start, self.end, self.checked_in_at, now)

    def check_in_needs_reason(self, now: datetime) -> bool:
        return self.checked_in_at is None and self.timing(now).requires_reason

    def check_out_needs_reason(self, now: datetime) -> bool:
        return (self.checked_in_at is not None and self.checked_out_at is None
                and self.timing(now).requires_reason)

    def task_status(self, task_id: str) -> AnswerStatus:
        """How a task's answer looks: done, partly done, not done, not required, pending."""
        answered = self.task_outcomes.get(task_id)
        return task_status(answered["outcome"] if answered else None)

    def task_ready(self, task: dict[str, Any]) -> bool:
        """False for the medicines task while a due dose still has no outcome."""
        return (not visit_rules.is_medicines_task(task)
                or visit_rules.medicines_task_ready(self.due_doses, self.dose_history))


_STATE_ORDER = ["rejected", "phone", "sent", "received"]


class VisitService:
    def __init__(
        self,
        store: DeviceStore,
        sealer: Callable[[], Sealer],
        author: Callable[[], Author],
        clock: Clock,
        tz: str = "Europe/London",
    ):
        self.store = store
        self._sealer = sealer
        self._author = author
        self.clock = clock
        self.tz = ZoneInfo(tz)
        self.medication = MedicationService(store, sealer, author, clock, tz)
        self.addenda = AddendumService(store, sealer, author, clock)
        self.unreadable = 0

    # --- reading --------------------------------------------------------------------------
    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    def day(self, day: date | None = None) -> list[VisitSummary]:
        """Today's visits. Damaged rows do not break the list: see `self.unreadable`."""
        self.unreadable = 0
        day = day or self.today()
        lo = datetime.combine(day, time.min, self.tz).astimezone(ZoneInfo("UTC"))
        hi = lo + timedelta(days=1)
        visits = self.store.rows(
            'SELECT id, service_user_id, visit_type, start, "end" FROM visits '
            "WHERE start >= ? AND start < ? ORDER BY start",
            [lo.isoformat(), hi.isoformat()],
        )
        if not visits:
            return []
        ids = [v["id"] for v in visits]
        marks = ",".join("?" * len(ids))
        times: dict[tuple[str, str], str] = {}
        states: dict[str, str] = {}
        for r in self.store.rows(
            f"SELECT visit_id, kind, recorded_at, sync_state FROM records "  # noqa: S608
            f"WHERE visit_id IN ({marks})",
            ids,
        ):
            if r["kind"] in ("check_in", "check_out"):
                times.setdefault((r["visit_id"], r["kind"]), r["recorded_at"])
            prev = states.get(r["visit_id"])
            if prev is None or _STATE_ORDER.index(r["sync_state"]) < _STATE_ORDER.index(prev):
                states[r["visit_id"]] = r["sync_state"]
        people = self._people({v["service_user_id"] for v in visits})
        now = self.clock.now()
        critical = self._time_critical(visits)
        out = []
        for v in visits:
            start, end = parse_utc(v["start"]), parse_utc(v["end"])
            cin, cout = times.get((v["id"], "check_in")), times.get((v["id"], "check_out"))
            person = people.get(v["service_user_id"], {})
            tc_at, tc_open = critical.get(v["id"], ((), 0))
            out.append(
                VisitSummary(
                    id=v["id"], start=start, end=end, visit_type=v["visit_type"],
                    status=visit_rules.visit_status(
                        start, end, parse_utc(cin) if cin else None,
                        parse_utc(cout) if cout else None, now,
                    ).value,
                    person_name=(person.get("preferred_name")
                                 or person.get("name", "(record unreadable)")),
                    area=person.get("area", ""),
                    sync_state=states.get(v["id"], "none"),
                    time_critical_at=tc_at, time_critical_open=tc_open,
                    address=person.get("address_line", ""), postcode=person.get("postcode", ""),
                )
            )
        return out

    def _time_critical(
        self, visits: list[dict[str, Any]]
    ) -> dict[str, tuple[tuple[datetime, ...], int]]:
        """Per visit: its time-critical doses and how many are still unanswered (anyone)."""
        meds: dict[str, Any] = {}
        history: dict[str, list[DoseRecord]] = {}
        since = min(parse_utc(v["start"]) for v in visits) - timedelta(days=1)
        out: dict[str, tuple[tuple[datetime, ...], int]] = {}
        for v in visits:
            su = v["service_user_id"]
            if su not in meds:
                meds[su] = self.medication.medicines(su)
                # Only today's doses matter here; a day of slack covers early or late records.
                history[su] = self.medication.history(su, since)
            visit = visit_rules.Visit.from_dict({**v, "worker_id": ""})
            due = [d for d in self.medication.due(visit, meds[su]) if d.time_critical]
            if due:
                out[v["id"]] = (tuple(d.scheduled_at for d in due),
                                len(unanswered_doses(due, history[su])))
        return out

    def visit(self, visit_id: str) -> VisitDetail:
        """Everything the visit screen shows, each sealed row opened once."""
        v = self._visit_row(visit_id)
        sealer = self._sealer()
        su = v["service_user_id"]
        self.unreadable = 0
        person = self._people({su}).get(su, {})
        plan = self._plan(su)
        tasks = [t for t in plan.get("tasks", []) if t.get("visit_type") == v["visit_type"]]
        medicines = []
        for r in self.store.rows("SELECT * FROM medicines WHERE service_user_id = ?", [su]):
            try:
                medicines.append(open_row(sealer, "medicines", r))
            except DamagedRecord:
                self.unreadable += 1
        detail = VisitDetail(
            id=v["id"], start=parse_utc(v["start"]), end=parse_utc(v["end"]),
            visit_type=v["visit_type"], status="due", person=person, tasks=tasks,
            goals=list(plan.get("goals") or person.get("goals") or []),
            medicines=medicines, checked_in_at=None, checked_out_at=None, person_id=su,
        )
        for r in self.store.rows(
            "SELECT * FROM records WHERE visit_id = ? ORDER BY recorded_at, id", [visit_id]
        ):
            detail.record_states[r["id"]] = r["sync_state"]
            # Check-in and check-out times are clear: they survive a damaged envelope.
            if r["kind"] == "check_in":
                detail.checked_in_at = parse_utc(r["recorded_at"])
                continue
            if r["kind"] == "check_out":
                detail.checked_out_at = parse_utc(r["recorded_at"])
                continue
            try:
                content = open_record(sealer, r)
            except DamagedRecord:
                detail.unreadable += 1
                continue
            if r["kind"] == "task_outcome":
                detail.task_outcomes[content["task_id"]] = {**content, "record_id": r["id"]}
            elif r["kind"] == "note":
                detail.notes.append({**content, "record_id": r["id"]})
            elif r["kind"] == "escalation":
                detail.escalations.append({**content, "record_id": r["id"]})
            elif r["kind"] == "addendum":
                detail.corrections.setdefault(r["corrects"], []).append(
                    correction_of(r, content))
        visit = visit_rules.Visit.from_dict({**v, "worker_id": ""})
        detail.due_doses = self.medication.due(
            visit, self.medication.parse_medicines(medicines))
        detail.dose_history = self.medication.history(su)
        detail.unreadable += self.unreadable
        detail.status = visit_rules.visit_status(
            detail.start, detail.end, detail.checked_in_at, detail.checked_out_at,
            self.clock.now(),
        ).value
        return detail

    def _visit_row(self, visit_id: str) -> dict[str, Any]:
        rows = self.store.rows(
            'SELECT id, service_user_id, visit_type, start, "end" FROM visits WHERE id = ?',
            [visit_id],
        )
        if not rows:
            raise RuleViolation("That visit is no longer on your rota.")
        return rows[0]

    def _plan(self, service_user_id: str) -> dict[str, Any]:
        """The care plan in force (one sealed row)."""
        plan_rows = self.store.rows(
            "SELECT * FROM care_plans WHERE service_user_id = ? ORDER BY version DESC LIMIT 1",
            [service_user_id],
        )
        try:
            return open_row(self._sealer(), "care_plans", plan_rows[0]) if plan_rows else {}
        except DamagedRecord:
            # Without the plan the checklist would silently be empty: refuse instead.
            raise DamagedRecord(
                "This person's care plan on this phone is damaged and cannot be read. "
                "Call the office: they can send it again."
            ) from None

    def _answered_tasks(self, visit_id: str) -> set[str]:
        """Task ids answered at the visit, from clear facts; only records written before
        facts carried the task id are opened."""
        answered: set[str] = set()
        for r in self.store.rows(
            "SELECT * FROM records WHERE visit_id = ? AND kind = 'task_outcome'", [visit_id]
        ):
            task_id = json.loads(r["facts"]).get("task_id")
            if task_id is None:
                task_id = open_record(self._sealer(), r).get("task_id")
            answered.add(str(task_id))
        return answered

    def _people(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """Open people rows; a damaged one is left out and counted in `self.unreadable`."""
        if not ids:
            return {}
        sealer = self._sealer()
        marks = ",".join("?" * len(ids))
        people: dict[str, dict[str, Any]] = {}
        for r in self.store.rows(
            f"SELECT * FROM people WHERE id IN ({marks})", sorted(ids)  # noqa: S608
        ):
            try:
                people[r["id"]] = open_row(sealer, "people", r)
            except DamagedRecord:
                self.unreadable += 1
        return people

    def timing_now(self, detail: VisitDetail) -> visit_rules.CheckInTiming:
        """Early or late right now against the rota: the start before check-in, then the end.
        The visit screen asks for the reason before the tap instead of refusing after it."""
        return detail.timing(self.clock.now())

    # --- writing (each reads only what its rules need) --------------------------------
    def check_in(self, visit_id: str, reason: str | None = None, *,
                 location: dict[str, float] | None = None, location_consent: bool = False) -> str:
        """Check in; `location` (lat, lon, accuracy_m) is kept only with the worker's consent,
        and only here. Opens nothing sealed."""
        v = self._visit_row(visit_id)
        checked_in, _ = self._times(visit_id)
        if checked_in is not None:
            raise RuleViolation("You have already checked in to this visit.")
        now = self.clock.now()
        payload = self._timed(parse_utc(v["start"]), now, reason, "checking in", "late",
                              "early")
        return self._write(v, "check_in", {**payload, **_where(location, location_consent)})

    def record_task(
        self, visit_id: str, task_id: str, outcome: str, reason: str | None = None,
        fluid_offered_ml: int | None = None, fluid_taken_ml: int | None = None,
    ) -> str:
        """Opens the care plan only (and, for the medicines task, the medicines list)."""
        v = self._in_visit(visit_id)
        tasks = [t for t in self._plan(v["service_user_id"]).get("tasks", [])
                 if t.get("visit_type") == v["visit_type"]]
        task = next((t for t in tasks if t["id"] == task_id), None)
        if task is None:
            raise RuleViolation("That task is not part of this visit's care plan.")
        if task_id in self._answered_tasks(visit_id):
            raise RuleViolation("That task already has an answer; add a correction instead.")
        payload = visit_rules.validate_task_outcome(
            task, outcome, reason, fluid_offered_ml, fluid_taken_ml
        ).to_payload()
        if visit_rules.is_medicines_task(task):
            due, history = self._doses(v)
            visit_rules.refuse_medicines_task_before_mar(task, due, history)
        payload.update(at=self.clock.now().isoformat(), title=task["title"])
        # Clear codes, as for doses: duplicates are found and the office can count outcomes
        # without opening anything.
        facts = {"task_id": task_id, "outcome": payload["outcome"]}
        return self._write(v, "task_outcome", payload, facts)

    def add_note(self, visit_id: str, text: str, phrases: list[str] | None = None, *,
                 for_handover: bool = False) -> str:
        """`for_handover`: the worker wants it in the end-of-shift handover (sealed with it)."""
        v = self._visit_row(visit_id)
        body = text.strip()
        if not body and not phrases:
            raise RuleViolation("The note is empty. Write something or pick a phrase.")
        if len(body) > NOTE_MAX_CHARS:
            raise RuleViolation(f"The note is too long: keep it under {NOTE_MAX_CHARS} characters.")
        return self._write(v, "note", {
            "text": body, "phrases": list(phrases or []), "at": self.clock.now().isoformat(),
            "for_handover": bool(for_handover),
        })

    def check_out(self, visit_id: str, reason: str | None = None, *,
                  location: dict[str, float] | None = None,
                  location_consent: bool = False) -> str:
        """Check out once every task and every due dose has an answer (from anyone)."""
        v = self._in_visit(visit_id)
        tasks = [t for t in self._plan(v["service_user_id"]).get("tasks", [])
                 if t.get("visit_type") == v["visit_type"]]
        due, history = self._doses(v)
        blockers = visit_rules.check_out_blockers(
            tasks, dict.fromkeys(self._answered_tasks(visit_id)), due, history, tz=self.tz)
        if blockers:
            raise CheckOutBlocked(blockers)
        payload = self._timed(parse_utc(v["end"]), self.clock.now(), reason, "checking out",
                              "late", "early")
        return self._write(v, "check_out", {**payload, **_where(location, location_consent)})

    @staticmethod
    def _timed(booked: datetime, now: datetime, reason: str | None, doing: str,
               late: str, early: str) -> dict[str, Any]:
        """Early or late against the rota: more than 15 minutes needs a reason."""
        timing = visit_rules.check_in_timing(booked, now)
        why = (reason or "").strip() or None
        if timing.requires_reason and why is None:
            word = late if timing.kind == visit_rules.Timing.LATE else early
            raise RuleViolation(
                f"You are {timing.minutes} minutes {word}. Say why before {doing}.")
        return {"at": now.isoformat(), "timing": timing.kind.value, "minutes": timing.minutes,
                "reason": why}

    def _times(self, visit_id: str) -> tuple[datetime | None, datetime | None]:
        """Check-in and check-out times, from clear columns."""
        return self.medication.times(visit_id)

    def _in_visit(self, visit_id: str) -> dict[str, Any]:
        v = self._visit_row(visit_id)
        self.medication.checked_in_at(visit_id, "Check in to the visit first.")
        return v

    def _doses(self, v: dict[str, Any]) -> tuple[list[DueDose], list[DoseRecord]]:
        """Doses due at the visit and every outcome known for the person (clear facts)."""
        visit = visit_rules.Visit.from_dict({**v, "worker_id": ""})
        return (self.medication.due(visit),
                self.medication.history(v["service_user_id"]))

    def _write(self, v: dict[str, Any], kind: str, payload: dict[str, Any],
               facts: dict[str, Any] | None = None) -> str:
        sealer, author = self._sealer(), self._author()
        with self.store.transaction() as db:
            return write_record(
                db, sealer, author, kind=kind, recorded_at=self.clock.now().isoformat(),
                payload=payload, facts=facts, visit_id=v["id"],
                service_user_id=v["service_user_id"],
            )


def _where(location: dict[str, float] | None, consent: bool) -> dict[str, Any]:
    """Location only with the worker's consent; otherwise not even an attempt is recorded."""
    if not consent or not location:
        return {"location": None, "location_consent": consent}
    return {"location": {k: float(location[k]) for k in ("lat", "lon", "accuracy_m")
                         if k in location}, "location_consent": True}
