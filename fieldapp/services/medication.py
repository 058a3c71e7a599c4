"""eMAR use cases: a visit's medication round, recording dose outcomes, and automatic escalations.

Every rule lives in `fieldapp.domain.mar` / `fieldapp.domain.prn`; this module gathers what they
need from the phone (the person's medicines list, every dose outcome known for the person — this
worker's own records plus other workers' synced dose facts — and the visit) and writes the results.
A dose outcome and any escalation it raises are saved in ONE transaction with their outbox entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fieldapp.domain import mar
from fieldapp.domain.answer_status import AnswerStatus, dose_status
from fieldapp.domain.clock import parse_utc
from fieldapp.domain.mar import (
    DoseRecord,
    DoseTiming,
    DueDose,
    Medicine,
    WindowState,
    parse_outcome,
)
from fieldapp.domain.med_escalations import EscalationDraft, medication_escalations
from fieldapp.domain.patches import next_site
from fieldapp.domain.prn import PrnDecision, prn_check
from fieldapp.domain.spacing import spacing_check
from fieldapp.domain.visit_rules import Visit
from fieldapp.errors import DoseRefused, NeedsConfirmation, RuleViolation
from fieldapp.services.witnesses import Witnesses
from fieldapp.services.writer import RecordWriter
from fieldapp.store.records import Author, open_record, write_record
from fieldapp.store.replica import open_row
from fieldapp.vault.dek import Sealer
from sync.codes import DoseEffect, PatchSite

# The effect of an as-needed dose is asked for from 30 min after it (DOMAIN.md "PRN protocol"),
# due by 60 min, and asked again at any visit within EFFECT_ASKED_FOR of the dose.
EFFECT_FROM = timedelta(minutes=30)
EFFECT_BY = timedelta(minutes=60)
EFFECT_ASKED_FOR = timedelta(hours=24)

# Flag codes kept in a record's clear facts (the sealed content keeps the worded flag).
_FLAG_CODES = {mar.FLAG_TOO_EARLY: "early", mar.FLAG_TOO_LATE: "late",
               mar.FLAG_EARLY: "early", mar.FLAG_LATE: "late"}


@dataclass(frozen=True)
class DoseLine:
    """One due dose at the visit, and its answer if anyone has given one."""

    due: DueDose
    window: WindowState
    answer: dict[str, Any] | None  # own record content, or {"outcome", "actual_at", "other": True}
    dose_text: str = ""  # the amount to give ("1 to 2 tablet", "3 mg (set for the day)")
    no_dose_set: bool = False  # set per date, none entered: nothing to give, the office told
    course: str = ""  # "Dose 3 of 14" for a course
    next_site: PatchSite | None = None  # a patch: the site to use (rotation)

    @property
    def status(self) -> AnswerStatus:
        """Done (green) only when given or taken in its window; flagged (amber) outside it."""
        if self.answer is None:
            return dose_status(None)
        flagged = bool(self.answer.get("flags")) or self.due.flag_for(
            parse_utc(self.answer["actual_at"])) is not None
        return dose_status(self.answer["outcome"], flagged)

    def needs_confirmation(self, at: datetime) -> DoseTiming | None:
        """EARLY or LATE when recording this dose at `at` must first be confirmed with a
        reason (the screen asks before the tap); None inside its window."""
        return mar.dose_needs_confirmation(self.due, at)


@dataclass(frozen=True)
class PrnLine:
    medicine: Medicine
    decision: PrnDecision  # its own limits and those it shares with other lines (spacing.py)
    given: list[dict[str, Any]]  # this visit's own PRN records, oldest first


@dataclass(frozen=True)
class EffectPrompt:
    """An as-needed dose (any worker's) whose effect is not recorded yet."""

    dose_record_id: str
    medicine: Medicine
    given_at: datetime
    ask_from: datetime  # 30 min after the dose
    due_by: datetime  # 60 min after the dose

    def state(self, now: datetime) -> str:
        """"wait" (too soon to tell), "now" (30-60 min after) or "overdue"."""
        if now < self.ask_from:
            return "wait"
        return "now" if now <= self.due_by else "overdue"


@dataclass
class MedicationRound:
    """What the eMAR screen shows for one visit."""

    visit: Visit
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    medicines: list[Medicine]
    doses: list[DoseLine] = field(default_factory=list)
    prn: list[PrnLine] = field(default_factory=list)
    history: list[DoseRecord] = field(default_factory=list)
    record_states: dict[str, str] = field(default_factory=dict)
    effects_due: list[EffectPrompt] = field(default_factory=list)

    @property
    def unanswered(self) -> list[DueDose]:
        return [line.due for line in self.doses if line.answer is None]


@dataclass(frozen=True)
class DoseSaved:
    record_id: str
    flags: list[str]
    escalations: list[EscalationDraft]
    prn: PrnDecision | None


class MedicationService(RecordWriter):
    """The MAR at a visit: what is due, PRN decisions, and recording dose outcomes."""

    # --- reading --------------------------------------------------------------------------
    @property
    def witnesses(self) -> Witnesses:
        """The staff list a controlled drug's witness is picked from (never this worker)."""
        return Witnesses(self.store, self._sealer, self._author)

    def visit_of(self, visit_id: str) -> Visit:
        rows = self.store.rows(
            'SELECT id, worker_id, service_user_id, visit_type, start, "end" FROM visits '
            "WHERE id = ?", [visit_id])
        if not rows:
            raise RuleViolation("That visit is no longer on your rota.")
        return Visit.from_dict(rows[0])

    def medicines(self, service_user_id: str) -> list[Medicine]:
        sealer = self._sealer()
        return self.parse_medicines([open_row(sealer, "medicines", r) for r in self.store.rows(
            "SELECT * FROM medicines WHERE service_user_id = ?", [service_user_id])])

    @staticmethod
    def parse_medicines(opened: list[dict[str, Any]]) -> list[Medicine]:
        """Medicines from opened rows, in the order the MAR shows them."""
        meds = [Medicine.from_dict(m) for m in opened]
        return sorted(meds, key=lambda m: (m.name.casefold(), m.id))

    def times(self, visit_id: str) -> tuple[datetime | None, datetime | None]:
        """Check-in and check-out times of a visit, from clear columns (nothing opened)."""
        found: dict[str, datetime] = {}
        for r in self.store.rows(
            "SELECT kind, recorded_at FROM records WHERE visit_id = ? "
            "AND kind IN ('check_in', 'check_out') ORDER BY recorded_at", [visit_id]
        ):
            found.setdefault(r["kind"], parse_utc(r["recorded_at"]))
        return found.get("check_in"), found.get("check_out")

    def checked_in_at(self, visit_id: str, not_yet: str) -> datetime:
        """When the worker checked in to a visit still open for records; RuleViolation
        (`not_yet` before the check-in) otherwise."""
        checked_in, checked_out = self.times(visit_id)
        if checked_in is None:
            raise RuleViolation(not_yet)
        if checked_out is not None:
            raise RuleViolation("This visit is checked out; add a correction instead.")
        return checked_in

    def due(self, visit: Visit, medicines: list[Medicine] | None = None) -> list[DueDose]:
        meds = self.medicines(visit.service_user_id) if medicines is None else medicines
        return mar.doses_due(meds, visit, self.tz)

    def history(self, service_user_id: str, since: datetime | None = None) -> list[DoseRecord]:
        """Every dose outcome known for the person (from `since` on, if given): own records
        (with own corrections applied) and other workers' synced dose facts (already corrected
        by the office)."""
        floor = since.isoformat() if since is not None else ""
        own = self.store.rows(
            "SELECT id, author, facts FROM records WHERE service_user_id = ? "
            "AND kind = 'dose_outcome' AND recorded_at >= ?", [service_user_id, floor])
        corrected: dict[str, str] = {}
        for r in self.store.rows(
            "SELECT corrects, facts FROM records WHERE service_user_id = ? AND kind = 'addendum' "
            "AND corrects IS NOT NULL ORDER BY recorded_at, id", [service_user_id]
        ):
            new = json.loads(r["facts"]).get("outcome")
            if new:
                corrected[r["corrects"]] = new
        synced = {r["record_id"]: r for r in self.store.rows(
            "SELECT * FROM dose_facts WHERE service_user_id = ? AND actual_at >= ?",
            [service_user_id, floor])}
        out: list[DoseRecord] = []
        for r in own:
            office = synced.pop(r["id"], None)
            if office is not None and office["version"] > 1:
                # The office corrected this worker's own dose (a coordinator's addendum).
                corrected.setdefault(r["id"], office["outcome"])
            out.append(_dose(json.loads(r["facts"]), r["author"], corrected.get(r["id"])))
        out += [_dose(r, r["worker_id"], None) for r in synced.values()]
        return out

    def round(self, visit_id: str) -> MedicationRound:
        visit = self.visit_of(visit_id)
        medicines = self.medicines(visit.service_user_id)
        history = self.history(visit.service_user_id)
        now = self.clock.now()
        sealer = self._sealer()
        result = MedicationRound(visit, None, None, medicines, history=history)
        own: dict[tuple[str, str | None], dict[str, Any]] = {}
        prn_given: dict[str, list[dict[str, Any]]] = {}
        for r in self.store.rows(
            "SELECT * FROM records WHERE visit_id = ? ORDER BY recorded_at, id", [visit_id]
        ):
            result.record_states[r["id"]] = r["sync_state"]
            if r["kind"] == "check_in":
                result.checked_in_at = parse_utc(r["recorded_at"])
            elif r["kind"] == "check_out":
                result.checked_out_at = parse_utc(r["recorded_at"])
            elif r["kind"] == "dose_outcome":
                content = {**open_record(sealer, r), "record_id": r["id"]}
                if content.get("scheduled_at"):
                    own[(content["medicine_id"], content["scheduled_at"])] = content
                else:
                    prn_given.setdefault(content["medicine_id"], []).append(content)
        answered = {(h.medicine_id, h.scheduled_at): h for h in history if h.scheduled_at}
        for due in self.due(visit, medicines):
            mine = own.get((due.medicine.id, due.scheduled_at.isoformat()))
            other = answered.get(due.key)
            answer = mine or (None if other is None else {
                "outcome": other.outcome.value, "actual_at": other.actual_at.isoformat(),
                "other": True})
            result.doses.append(self._line(due, mar.window_state(due, now), answer, history))
        for m in medicines:
            if m.is_prn and m.is_active_on(now.astimezone(self.tz).date()):
                result.prn.append(PrnLine(m, self._prn_decision(m, now, history, medicines),
                                          prn_given.get(m.id, [])))
        result.effects_due = self.effects_due(visit.service_user_id, medicines, now)
        return result

    def _line(self, due: DueDose, window: WindowState, answer: dict[str, Any] | None,
              history: list[DoseRecord]) -> DoseLine:
        med = due.medicine
        day = due.scheduled_at.astimezone(self.tz).date()
        number = med.dose_number(due.scheduled_at, self.tz)
        course = med.schedule.course_doses
        return DoseLine(
            due, window, answer, dose_text=med.amount.describe(day) or med.dose,
            no_dose_set=med.amount.missing_on(day),
            course=f"Dose {number} of {course}" if number and course else "",
            next_site=next_site(med.patch_sites, history, med.id) if med.patch_sites else None)

    def _prn_decision(self, medicine: Medicine, now: datetime, history: list[DoseRecord],
                      medicines: list[Medicine]) -> PrnDecision:
        """Its own limits, then those it shares with other lines (smallest dose assumed)."""
        own = prn_check(medicine, now, history, tz=self.tz)
        if not own.allowed:
            return own
        shared = spacing_check(medicine, now, None, None, medicines, history)
        if shared.allowed:
            return own
        return PrnDecision(False, shared.reason, shared.next_allowed_at, own.doses_last_24h)

    def effects_due(self, service_user_id: str, medicines: list[Medicine],
                    now: datetime) -> list[EffectPrompt]:
        """As-needed doses of the last EFFECT_ASKED_FOR (any worker's, as given or taken) whose
        effect nobody has recorded (on this phone, or a colleague's synced), oldest first."""
        prn = {m.id: m for m in medicines if m.is_prn}
        since = (now - EFFECT_ASKED_FOR).isoformat()
        doses: dict[str, tuple[str, str]] = {}
        for r in self.store.rows(
            "SELECT id, facts FROM records WHERE service_user_id = ? AND kind = 'dose_outcome' "
            "AND recorded_at >= ?", [service_user_id, since]
        ):
            facts = json.loads(r["facts"])
            if parse_outcome(facts["outcome"]).counts_as_dose:
                doses[r["id"]] = (facts["medicine_id"], facts["actual_at"])
        for r in self.store.rows(
            "SELECT record_id, medicine_id, actual_at, outcome FROM dose_facts "
            "WHERE service_user_id = ? AND actual_at >= ?", [service_user_id, since]
        ):
            if parse_outcome(r["outcome"]).counts_as_dose:
                doses.setdefault(r["record_id"], (r["medicine_id"], r["actual_at"]))
        done = {json.loads(r["facts"]).get("dose_record_id") for r in self.store.rows(
            "SELECT facts FROM records WHERE service_user_id = ? AND kind = 'dose_effect'",
            [service_user_id])}
        # ... and those a colleague recorded (synced effect facts): never asked twice.
        done |= {r["dose_record_id"] for r in self.store.rows(
            "SELECT dose_record_id FROM effect_facts WHERE service_user_id = ?",
            [service_user_id])}
        out = []
        for rid, (mid, at) in doses.items():
            if mid in prn and rid not in done:
                given = parse_utc(at)
                out.append(EffectPrompt(rid, prn[mid], given, given + EFFECT_FROM,
                                        given + EFFECT_BY))
        return sorted(out, key=lambda e: (e.given_at, e.dose_record_id))

    # --- writing --------------------------------------------------------------------------
    def record_dose(
        self, visit_id: str, medicine_id: str, scheduled_at: datetime | None, outcome: str,
        reason: str | None = None, *, actual_at: datetime | None = None,
        witness_id: str | None = None, worker_name: str = "", confirm_reason: str | None = None,
        amount: float | None = None, patch_site: str | None = None,
        old_patch_removed: bool | None = None,
    ) -> DoseSaved:
        """Record one dose outcome (scheduled: pass its `scheduled_at`; PRN: None).

        A scheduled dose outside its window raises NeedsConfirmation and saves nothing until
        it is recorded again with `confirm_reason`; it is then flagged and the office told.
        Reads the medicines list and the person's dose facts; opens no record of the visit.
        `amount` is what was given (a range dose needs it); a patch needs `patch_site` and,
        after the first, `old_patch_removed`. Spacing and shared-ingredient limits refuse
        with DoseRefused (when it may be given next), like PRN limits. A controlled drug given
        needs `witness_id`, a colleague from the staff list (fieldapp/services/witnesses.py).
        """
        visit = self.visit_of(visit_id)
        checked_in = self.checked_in_at(visit_id,
                                        "Check in to the visit before recording medicines.")
        now = self.clock.now()
        actual = actual_at or now
        if actual > now:
            raise RuleViolation("A dose cannot be recorded for a time that has not come yet.")
        if actual < checked_in:
            raise RuleViolation("The time of a dose must be during this visit, after you "
                                "checked in.")
        medicines = self.medicines(visit.service_user_id)
        medicine = next((m for m in medicines if m.id == medicine_id), None)
        if medicine is None:
            raise RuleViolation("That medicine is not on this person's medicines list.")
        history = self.history(visit.service_user_id)
        due_doses = self.due(visit, medicines)
        target: DueDose | Medicine = medicine
        confirmed = (confirm_reason or "").strip()
        if scheduled_at is not None:
            found = next((d for d in due_doses if d.key == (medicine_id, scheduled_at)), None)
            if found is None:
                raise RuleViolation("That dose is not due at this visit.")
            timing = mar.dose_needs_confirmation(found, actual)
            if timing is not None and not confirmed:
                raise NeedsConfirmation(timing.value, found.record_opens, found.record_closes)
            target = found
        code = parse_outcome(outcome)
        if medicine.is_prn and code.counts_as_dose:
            decision = prn_check(medicine, actual, history, tz=self.tz)
            if not decision.allowed:
                raise DoseRefused(decision.reason, self._next_words(decision.next_allowed_at),
                                  decision.next_allowed_at)
        if code.counts_as_dose:
            # Amount first (a range needs one), then spacing: refused with when it may be next.
            day = (scheduled_at or actual).astimezone(self.tz).date()
            given = medicine.amount.amount_given(True, code is mar.Outcome.PARTIAL, amount, day)
            mg = medicine.ingredient.mg(given, medicine.amount.unit) \
                if medicine.ingredient else None
            spaced = spacing_check(medicine, actual, mg, given, medicines, history)
            if not spaced.allowed:
                raise DoseRefused(spaced.reason, self._next_words(spaced.next_allowed_at),
                                  spaced.next_allowed_at)
        author = self._author()
        # The witness is picked from the office's staff list (id and name as picked).
        witness = self.witnesses.pick(witness_id) \
            if medicine.controlled and code.counts_as_dose else None
        check = mar.validate_dose(
            target, code, reason, actual, witness.name if witness else None, now, history,
            worker_id=author.worker_id, worker_name=worker_name, tz=self.tz,
            amount=amount, patch_site=patch_site, old_patch_removed=old_patch_removed,
            medicines=medicines)
        drafts = medication_escalations(check.record, history, due_doses, now,
                                        medicines=medicines, tz=self.tz)
        return self._save(visit, medicine, check, drafts, now,
                          confirmed if check.flags else None, old_patch_removed,
                          witness.id if witness else None)

    def record_effect(self, visit_id: str, dose_record_id: str, effect: str,
                      note: str | None = None) -> str:
        """Record the effect of an as-needed dose (this worker's or a colleague's, 30-60 min
        after or at a later visit), linked to the dose; returns the new record's id."""
        visit = self.visit_of(visit_id)
        checked_in, checked_out = self.times(visit_id)
        if checked_in is None or checked_out is not None:
            raise RuleViolation("Record an effect during a visit you are checked in to.")
        try:
            code = DoseEffect(effect)
        except ValueError:
            raise RuleViolation(f"'{effect}' is not an effect code.") from None
        medicines = self.medicines(visit.service_user_id)
        now = self.clock.now()
        prompt = next((e for e in self.effects_due(visit.service_user_id, medicines, now)
                       if e.dose_record_id == dose_record_id), None)
        if prompt is None:
            raise RuleViolation("That as-needed dose is not waiting for its effect.")
        payload = {"dose_record_id": dose_record_id, "medicine_id": prompt.medicine.id,
                   "medicine": prompt.medicine.display_name,
                   "dose_at": prompt.given_at.isoformat(), "effect": code.value,
                   "text": (note or "").strip() or None, "at": now.isoformat()}
        facts = {"dose_record_id": dose_record_id, "medicine_id": prompt.medicine.id,
                 "dose_at": prompt.given_at.isoformat(), "effect": code.value}
        sealer, author = self._sealer(), self._author()
        with self.store.transaction() as db:
            return write_record(db, sealer, author, kind="dose_effect",
                                recorded_at=now.isoformat(), payload=payload, facts=facts,
                                visit_id=visit.id, service_user_id=visit.service_user_id)

    def raise_due_escalations(self, visit_id: str) -> list[EscalationDraft]:
        """Tell the office about time-critical doses of this visit whose window has closed."""
        current = self.round(visit_id)
        drafts = medication_escalations(None, current.history,
                                        [line.due for line in current.doses],
                                        self.clock.now(), medicines=current.medicines,
                                        tz=self.tz)
        sealer, author = self._sealer(), self._author()
        with self.store.transaction() as db:
            fresh = [d for d in drafts if not self._already_raised(d)]
            for d in fresh:
                self._write_escalation(db, sealer, author, current.visit, d, None)
        return fresh

    def _save(self, visit: Visit, medicine: Medicine, check: mar.DoseCheck,
              drafts: list[EscalationDraft], now: datetime,
              window_reason: str | None, old_patch_removed: bool | None = None,
              witness_id: str | None = None) -> DoseSaved:
        rec = check.record
        payload = {
            "medicine_id": medicine.id, "medicine": medicine.display_name,
            "dose": medicine.dose, "route": medicine.route,
            "support_level": medicine.support_level.value,
            "scheduled_at": rec.scheduled_at.isoformat() if rec.scheduled_at else None,
            "actual_at": rec.actual_at.isoformat(), "outcome": rec.outcome.value,
            "reason": rec.reason or None, "witness": rec.witness, "witness_id": witness_id,
            "flags": check.flags,
            "prn": medicine.is_prn, "controlled": medicine.controlled, "at": now.isoformat(),
            "window_reason": window_reason,
            "amount": rec.amount, "unit": medicine.amount.unit or None, "mg": rec.mg,
            "patch_site": rec.patch_site,
            "old_patch_removed": bool(old_patch_removed) if rec.patch_site else None,
            "dose_number": medicine.dose_number(rec.scheduled_at, self.tz)
            if rec.scheduled_at else None,
        }
        facts: dict[str, Any] = {
            "medicine_id": medicine.id, "scheduled_at": payload["scheduled_at"],
            "actual_at": payload["actual_at"], "outcome": rec.outcome.value,
            "prn": medicine.is_prn, "controlled": medicine.controlled,
        }
        window = next((_FLAG_CODES[f] for f in check.flags if f in _FLAG_CODES), None)
        if window:
            facts["window"] = window
        for name in ("amount", "mg", "patch_site", "old_patch_removed", "witness_id"):
            if payload[name] is not None:
                facts[name] = payload[name]
        sealer, author = self._sealer(), self._author()
        with self.store.transaction() as db:
            rid = write_record(db, sealer, author, kind="dose_outcome",
                               recorded_at=now.isoformat(), payload=payload, facts=facts,
                               visit_id=visit.id, service_user_id=visit.service_user_id)
            fresh = [d for d in drafts if not self._already_raised(d)]
            for d in fresh:
                self._write_escalation(db, sealer, author, visit, d, rid)
        return DoseSaved(rid, check.flags, fresh, check.prn)

    def _already_raised(self, draft: EscalationDraft) -> bool:
        event = draft.dedupe_key.split(":")[1]
        for r in self.store.rows(
            "SELECT facts FROM records WHERE kind = 'escalation' AND facts LIKE ?",
            [f"%{draft.medicine_id}%"],
        ):
            facts = json.loads(r["facts"])
            if facts.get("event") == event and facts.get("dose_at") == _iso(draft.scheduled_at):
                return True
        return False

    def _write_escalation(self, db: Any, sealer: Sealer, author: Author, visit: Visit,
                          draft: EscalationDraft, dose_record_id: str | None) -> str:
        event = draft.dedupe_key.split(":")[1]
        facts = {"type": draft.type, "severity": draft.severity, "event": event,
                 "medicine_id": draft.medicine_id, "dose_at": _iso(draft.scheduled_at),
                 "dose_record_id": dose_record_id}
        payload = {**facts, "summary": draft.summary, "raised_at": draft.raised_at.isoformat(),
                   "automatic": True}
        return write_record(db, sealer, author, kind="escalation",
                            recorded_at=draft.raised_at.isoformat(), payload=payload,
                            facts=facts, visit_id=visit.id,
                            service_user_id=visit.service_user_id)

    def _next_words(self, when: datetime | None) -> str:
        if when is None:
            return "It cannot be given again today."
        local = when.astimezone(self.tz)
        today = self.clock.now().astimezone(self.tz).date()
        day = "" if local.date() == today else f" on {local:%A %-d %B}"
        return f"The next dose can be given at {local:%H:%M}{day}."


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _dose(facts: dict[str, Any], worker_id: str, corrected: str | None) -> DoseRecord:
    """A dose record from a record's clear facts or a synced dose_facts row."""
    scheduled = facts.get("scheduled_at")
    return DoseRecord(
        medicine_id=str(facts["medicine_id"]),
        scheduled_at=parse_utc(scheduled) if scheduled else None,
        outcome=parse_outcome(corrected or facts["outcome"]),
        actual_at=parse_utc(facts["actual_at"]), worker_id=worker_id,
        amount=_opt(facts.get("amount")), mg=_opt(facts.get("mg")),
        patch_site=facts.get("patch_site") or None,
    )


def _opt(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None
