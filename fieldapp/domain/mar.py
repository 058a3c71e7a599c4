"""Medication (eMAR) rules after NICE NG67: outcomes, doses due at a visit, windows, checks, alerts.

Public API (all datetimes timezone-aware; returned ones are UTC):

- `Outcome` (stable codes printed on MAR charts): `.label`, `.needs_reason` (all but given and
  taken), `.counts_as_dose` (given, taken, partial), `.prn_only` (not_required), from
  `sync.codes.DoseOutcome`; `parse_outcome`.
- `SupportLevel`: prompt | assist | administer. `given` is for administer only; `taken` for prompt
  and assist (the person takes it, the worker sees it taken); the other outcomes suit any level.
- `Medicine`, `DoseRecord` (with `from_dict`), and `PrnRules`, `PrnDecision`, `prn_check` from
  `fieldapp.domain.prn`.
- `DueDose(medicine, scheduled_at)` with `window_opens` / `window_closes` (None unless the
  medicine is time-critical) and `key`.
- `doses_due(medicines, visit, tz) -> list[DueDose]`.
- `WindowState` and `window_state(due, now) -> WindowState`.
- `DoseCheck(record, flags, prn)` and `validate_dose(due_or_medicine, outcome, reason, actual_at,
  witness, now, history, *, worker_id, worker_name="", tz=None) -> DoseCheck`.
- `unanswered_doses(due_doses, history) -> list[DueDose]`,
  `missed_time_critical(due_doses, history, now) -> list[DueDose]`.
- `EscalationDraft` and `medication_escalations(new_dose, history, due_doses, now, *,
  medicines=()) -> list[EscalationDraft]`.

- `DueDose.record_opens` / `.record_closes` / `.timing(at)` / `.flag_for(at)`: the window in
  which an outcome is recorded without confirmation (time-critical: its own window; regular:
  `REGULAR_WINDOW`, 60 min, either side), and `DoseTiming`.
- `dose_needs_confirmation(due, at) -> DoseTiming | None`.

Thresholds: a dose is due at a visit when its prescribed local time falls within
`DUE_MARGIN` (60 min) before the visit's start to 60 min after its end, widened to a time-critical
medicine's own window if that is wider, so early and late-running visits still see their doses.
Time-critical windows are inclusive at both ends; `CLOSING_SOON` (10 min) before the close the
state turns to closing_soon so the app can warn. A dose recorded outside its window is allowed and
flagged. `actual_at` may be at most `FUTURE_TOLERANCE` (2 min) after `now`: no pre-recording.
A stop date is the last day a medicine is given (inclusive).

RuleViolation messages never name the medicine or the person; escalation summaries name the
medicine (they travel sealed) but never the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fieldapp.domain.clock import parse_utc
from fieldapp.domain.doses import DoseAmount, Ingredient
from fieldapp.domain.frequency import DAILY, Schedule, schedule_of
from fieldapp.domain.patches import check_application
from fieldapp.domain.prn import AGENCY_TZ_NAME, PrnDecision, PrnRules, prn_check
from fieldapp.domain.spacing import spacing_check
from fieldapp.errors import RuleViolation, reading
from sync import codes

DUE_MARGIN = timedelta(minutes=60)
DEFAULT_WINDOW_MINUTES = 30
MAX_WINDOW_MINUTES = 720
CLOSING_SOON = timedelta(minutes=10)
FUTURE_TOLERANCE = timedelta(minutes=2)

# The contract's code sets, under the names the eMAR rules have always used.
Outcome = codes.DoseOutcome
SupportLevel = codes.SupportLevel

FLAG_TOO_EARLY = "outside time-critical window (too early)"
FLAG_TOO_LATE = "outside time-critical window (late)"
# A regular (not time-critical) dose is recordable from an hour before to an hour after its
# prescribed time (DOMAIN.md "Timing of regular doses"); outside that it is confirmed and flagged.
REGULAR_WINDOW = timedelta(minutes=60)
FLAG_EARLY = "outside its time window (too early)"
FLAG_LATE = "outside its time window (late)"


def parse_outcome(code: str) -> Outcome:
    """The dose outcome for `code`; an unknown code breaks a rule (it is never guessed)."""
    try:
        return Outcome(code)
    except ValueError:
        raise RuleViolation(f"'{code}' is not a medication outcome code.") from None


class WindowState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSING_SOON = "closing_soon"
    MISSED = "missed"


def utc(value: datetime, what: str) -> datetime:
    """Return `value` in UTC; a naive datetime is refused because its zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(f"The {what} must include a timezone.")
    return value.astimezone(UTC)


def _parse_utc(text: str, what: str) -> datetime:
    try:
        return parse_utc(text)
    except (TypeError, ValueError):
        raise RuleViolation(f"The {what} is not a valid ISO 8601 time with an offset.") from None


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise RuleViolation(f"The {what} is not a valid YYYY-MM-DD date.") from None


def _parse_clock(text: str) -> time:
    try:
        if len(text) != 5:
            raise ValueError(text)
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        raise RuleViolation(f"A medicine time '{text}' is not a valid HH:MM time.") from None


@dataclass(frozen=True)
class Medicine:
    """One line of a person's medicines list (MAR); `times` are local wall-clock times."""

    id: str
    service_user_id: str
    name: str
    form: str
    strength: str
    dose: str
    route: str
    times: tuple[time, ...]
    support_level: SupportLevel
    time_critical: bool
    window_minutes: int
    prn: PrnRules | None
    controlled: bool
    instructions: str
    start_date: date
    stop_date: date | None
    # How often, how much, shared ingredient, spacing and patch (sync/medicine_body.py).
    schedule: Schedule = DAILY
    amount: DoseAmount = field(default_factory=DoseAmount)
    ingredient: Ingredient | None = None
    min_gap_hours: float | None = None
    patch_sites: tuple[codes.PatchSite, ...] | None = None  # None: not a patch

    def __post_init__(self) -> None:
        if not 0 < self.window_minutes <= MAX_WINDOW_MINUTES:
            raise RuleViolation(
                f"A time-critical window must be 1 to {MAX_WINDOW_MINUTES} minutes."
            )
        if self.prn is not None and self.times:
            raise RuleViolation("An as-needed (PRN) medicine cannot also have set times.")
        if self.stop_date is not None and self.stop_date < self.start_date:
            raise RuleViolation("A medicine's stop date is before its start date.")
        if self.times and not self.schedule.needs_times:
            raise RuleViolation("An every-N-hours medicine has no set clock times.")
        if self.prn is not None and self.schedule.kind is codes.Frequency.EVERY_HOURS:
            raise RuleViolation("An as-needed (PRN) medicine cannot also have a frequency.")

    @property
    def is_scheduled(self) -> bool:
        """True for a medicine with doses due at set times (not PRN)."""
        return self.prn is None and (bool(self.times) or not self.schedule.needs_times)

    @property
    def is_patch(self) -> bool:
        return self.patch_sites is not None

    def due_at(self, lo: datetime, hi: datetime, tz: tzinfo) -> list[datetime]:
        """Its scheduled doses (UTC) in [lo, hi]: never on a day it is not due."""
        if not self.is_scheduled:
            return []
        return self.schedule.slots(self.times, self.start_date, self.stop_date, lo, hi, tz)

    def dose_number(self, at: datetime, tz: tzinfo) -> int | None:
        """Dose N of a course (None without a course)."""
        return self.schedule.dose_number(self.times, self.start_date, at, tz)

    def frequency_words(self) -> str:
        if self.is_prn:
            return "When needed"
        return self.schedule.describe(self.times)

    @property
    def is_prn(self) -> bool:
        return self.prn is not None

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.strength}".strip()

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.stop_date is None or day <= self.stop_date)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Medicine:
        with reading("A medicine", "A medicine's support level or a number is not valid."):
            prn = data.get("prn")
            stop = data.get("stop_date")
            patch = data.get("patch")
            gap = data.get("min_gap_hours")
            return cls(
                id=str(data["id"]),
                service_user_id=str(data["service_user_id"]),
                name=str(data["name"]),
                form=str(data.get("form") or ""),
                strength=str(data.get("strength") or ""),
                dose=str(data.get("dose") or ""),
                route=str(data.get("route") or ""),
                times=tuple(sorted(_parse_clock(t) for t in data.get("times") or [])),
                support_level=SupportLevel(data["support_level"]),
                time_critical=bool(data.get("time_critical", False)),
                window_minutes=int(data.get("window_minutes") or DEFAULT_WINDOW_MINUTES),
                prn=PrnRules.from_dict(prn) if prn else None,
                controlled=bool(data.get("controlled", False)),
                instructions=str(data.get("instructions") or ""),
                start_date=_parse_date(data["start_date"], "medicine start date"),
                stop_date=_parse_date(stop, "medicine stop date") if stop else None,
                schedule=schedule_of(data),
                amount=DoseAmount.from_body(data),
                ingredient=Ingredient.from_body(data),
                min_gap_hours=None if gap is None else float(gap),
                patch_sites=None if patch is None else tuple(
                    codes.PatchSite(x) for x in patch.get("sites") or list(codes.PatchSite)),
            )


@dataclass(frozen=True)
class DoseRecord:
    """An outcome already recorded for a dose, by this worker or synced from another."""

    medicine_id: str
    scheduled_at: datetime | None  # None for PRN doses
    outcome: Outcome
    actual_at: datetime
    worker_id: str
    reason: str = ""
    witness: str | None = None
    amount: float | None = None  # in the medicine's dose unit, when known
    mg: float | None = None  # of its active ingredient, when known
    patch_site: str | None = None

    def __post_init__(self) -> None:
        # Records arrive from other phones; comparing them needs one zone, so store UTC only.
        object.__setattr__(self, "actual_at", utc(self.actual_at, "actual time"))
        if self.scheduled_at is not None:
            object.__setattr__(self, "scheduled_at", utc(self.scheduled_at, "scheduled time"))

    @property
    def dose_time(self) -> datetime:
        """When the dose belongs on the chart: its scheduled time, or the actual time for PRN."""
        return self.scheduled_at or self.actual_at

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DoseRecord:
        try:
            scheduled = data.get("scheduled_at")
            return cls(
                medicine_id=str(data["medicine_id"]),
                scheduled_at=_parse_utc(scheduled, "scheduled time") if scheduled else None,
                outcome=parse_outcome(data["outcome"]),
                actual_at=_parse_utc(data["actual_at"], "actual time"),
                worker_id=str(data["worker_id"]),
                reason=str(data.get("reason") or ""),
                witness=data.get("witness") or None,
                amount=_opt_number(data.get("amount")),
                mg=_opt_number(data.get("mg")),
                patch_site=data.get("patch_site") or None,
            )
        except KeyError as missing:
            raise RuleViolation(f"A dose record is missing {missing}.") from None


@dataclass(frozen=True)
class DueDose:
    """A scheduled dose of `medicine` at `scheduled_at` (UTC)."""

    medicine: Medicine
    scheduled_at: datetime

    @property
    def time_critical(self) -> bool:
        return self.medicine.time_critical

    @property
    def window_opens(self) -> datetime | None:
        if not self.time_critical:
            return None
        return self.scheduled_at - timedelta(minutes=self.medicine.window_minutes)

    @property
    def window_closes(self) -> datetime | None:
        if not self.time_critical:
            return None
        return self.scheduled_at + timedelta(minutes=self.medicine.window_minutes)

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.medicine.id, self.scheduled_at)

    @property
    def record_opens(self) -> datetime:
        """From when an outcome is recorded without confirmation: the time-critical window,
        or REGULAR_WINDOW before the prescribed time."""
        return self.window_opens or self.scheduled_at - REGULAR_WINDOW

    @property
    def record_closes(self) -> datetime:
        return self.window_closes or self.scheduled_at + REGULAR_WINDOW

    def timing(self, at: datetime) -> DoseTiming:
        """Whether an outcome recorded at `at` is in its window (both ends included)."""
        at = utc(at, "time of the dose")
        if at < self.record_opens:
            return DoseTiming.EARLY
        if at > self.record_closes:
            return DoseTiming.LATE
        return DoseTiming.IN_WINDOW

    def flag_for(self, at: datetime) -> str | None:
        """The flag a record at `at` carries: None in the window."""
        timing = self.timing(at)
        if timing is DoseTiming.IN_WINDOW:
            return None
        if self.time_critical:
            return FLAG_TOO_EARLY if timing is DoseTiming.EARLY else FLAG_TOO_LATE
        return FLAG_EARLY if timing is DoseTiming.EARLY else FLAG_LATE


class DoseTiming(StrEnum):
    IN_WINDOW = "in_window"
    EARLY = "early"
    LATE = "late"


class VisitTimes(Protocol):
    """What `doses_due` reads of a visit (`fieldapp.domain.visit_rules.Visit` has it): named
    here, so visit_rules can build on this module without this module importing it back."""

    @property
    def service_user_id(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


def doses_due(medicines: Iterable[Medicine], visit: VisitTimes, tz: tzinfo) -> list[DueDose]:
    """Scheduled doses of the visited person's active medicines that belong to this visit.

    Each (medicine, local date, time) yields one dose. A time that does not exist on the spring
    clock change (01:30) falls at the same offset as before the change (02:30 BST); a time that
    happens twice in autumn is the first one (BST). Sorted by time, then medicine name.
    """
    start, end = utc(visit.start, "visit start"), utc(visit.end, "visit end")
    due: list[DueDose] = []
    for medicine in medicines:
        if medicine.service_user_id != visit.service_user_id or not medicine.is_scheduled:
            continue
        margin = DUE_MARGIN
        if medicine.time_critical:
            margin = max(margin, timedelta(minutes=medicine.window_minutes))
        # The frequency decides the days (weekly, every N days, every 72 h, a course's end).
        due += [DueDose(medicine, at)
                for at in medicine.due_at(start - margin, end + margin, tz)]
    return sorted(due, key=lambda d: (d.scheduled_at, d.medicine.name, d.medicine.id))


def _opt_number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RuleViolation("A dose record's amount is not a number.") from None


def window_state(due: DueDose, now: datetime) -> WindowState:
    """Where `now` sits in a time-critical dose's window; a dose that is not time-critical is
    always OPEN. The window includes both ends; the last CLOSING_SOON of it is CLOSING_SOON."""
    opens, closes = due.window_opens, due.window_closes
    if opens is None or closes is None:
        return WindowState.OPEN
    now = utc(now, "current time")
    if now < opens:
        return WindowState.UPCOMING
    if now > closes:
        return WindowState.MISSED
    if now >= closes - CLOSING_SOON:
        return WindowState.CLOSING_SOON
    return WindowState.OPEN


@dataclass(frozen=True)
class DoseCheck:
    """A dose that passed every rule: the record to save and any flags to show and keep."""

    record: DoseRecord
    flags: list[str] = field(default_factory=list)
    prn: PrnDecision | None = None


def validate_dose(
    due_or_medicine: DueDose | Medicine,
    outcome: Outcome | str,
    reason: str | None,
    actual_at: datetime,
    witness: str | None,
    now: datetime,
    history: Sequence[DoseRecord],
    *,
    worker_id: str,
    worker_name: str = "",
    tz: tzinfo | None = None,
    amount: float | None = None,
    patch_site: str | None = None,
    old_patch_removed: bool | None = None,
    medicines: Sequence[Medicine] = (),
) -> DoseCheck:
    """Check one dose outcome before it is recorded; raise RuleViolation if it breaks a rule.

    Pass the `DueDose` for a scheduled dose, the `Medicine` for a PRN dose. `history` holds every
    outcome already recorded for the person (any worker). `tz` is the agency zone for PRN stop
    dates and per-date doses (default Europe/London). `amount` is what was given in the dose's
    unit (needed for a range; a fixed or per-date dose fills it in); a patch needs `patch_site`
    and, after the first, `old_patch_removed`. `medicines` is the person's list, for the lines
    sharing an active ingredient (fieldapp/domain/spacing.py); every dose counting as given is
    checked against its spacing and amounts.
    """
    if isinstance(due_or_medicine, DueDose):
        due, medicine = due_or_medicine, due_or_medicine.medicine
    else:
        due, medicine = None, due_or_medicine
    code = outcome if isinstance(outcome, Outcome) else parse_outcome(outcome)
    now, actual_at = utc(now, "current time"), utc(actual_at, "time of the dose")
    reason, witness = (reason or "").strip(), (witness or "").strip()

    if medicine.is_prn == (due is not None):
        raise RuleViolation(
            "Record a scheduled medicine against its due dose, and an as-needed (PRN) medicine "
            "against the medicine."
        )
    if due and any(r.medicine_id == medicine.id and r.scheduled_at == due.scheduled_at
                   for r in history):
        raise RuleViolation("This dose is already recorded; add a correction instead.")
    if actual_at > now + FUTURE_TOLERANCE:
        raise RuleViolation("A dose cannot be recorded before it happens.")
    if code.prn_only and not medicine.is_prn:
        raise RuleViolation(f"'{code.label}' is only for as-needed (PRN) medicines.")
    if code.needs_reason and not reason:
        raise RuleViolation(f"Say why when the outcome is '{code.label}'.")
    if medicine.is_prn and code.counts_as_dose and not reason:
        raise RuleViolation("Say why this as-needed (PRN) dose is being given.")
    if code is Outcome.GIVEN and medicine.support_level is not SupportLevel.ADMINISTER:
        raise RuleViolation(
            "'Given' is for medicines the care worker administers; this one is prompted or "
            "assisted, so use 'Taken'."
        )
    if code is Outcome.TAKEN and medicine.support_level is SupportLevel.ADMINISTER:
        raise RuleViolation(
            "'Taken' is for prompted or assisted medicines; this one is administered, so use "
            "'Given'."
        )
    if medicine.controlled and code.counts_as_dose:
        same_person = {worker_id.strip().casefold(), worker_name.strip().casefold()} - {""}
        if not witness:
            raise RuleViolation("A controlled drug needs a named second person as witness.")
        if witness.casefold() in same_person:
            raise RuleViolation("The witness for a controlled drug must be someone else.")

    zone = tz or ZoneInfo(AGENCY_TZ_NAME)
    day = (due.scheduled_at if due else actual_at).astimezone(zone).date()
    given = medicine.amount.amount_given(code.counts_as_dose, code is Outcome.PARTIAL, amount,
                                         day)
    mg = medicine.ingredient.mg(given, medicine.amount.unit) if medicine.ingredient else None
    site = None
    if medicine.patch_sites is not None and code.counts_as_dose:
        site = check_application(medicine.patch_sites, history, medicine.id, patch_site,
                                 old_patch_removed).value

    decision = None
    if medicine.is_prn and code.counts_as_dose:
        decision = prn_check(medicine, actual_at, history, tz=tz)
        if not decision.allowed:
            raise RuleViolation(decision.reason)
    if code.counts_as_dose:
        spaced = spacing_check(medicine, actual_at, mg, given, medicines, history)
        if not spaced.allowed:
            raise RuleViolation(spaced.reason)

    flags: list[str] = []
    flag = due.flag_for(actual_at) if due else None
    if flag:
        flags.append(flag)
    record = DoseRecord(
        medicine_id=medicine.id,
        scheduled_at=due.scheduled_at if due else None,
        outcome=code,
        actual_at=actual_at,
        worker_id=worker_id,
        reason=reason,
        witness=witness or None,
        amount=given,
        mg=mg,
        patch_site=site,
    )
    return DoseCheck(record=record, flags=flags, prn=decision)


def dose_needs_confirmation(due: DueDose, at: datetime) -> DoseTiming | None:
    """EARLY or LATE when an outcome recorded at `at` is outside the dose's window, so the
    worker must confirm it with a reason before it is saved; None inside the window."""
    timing = due.timing(at)
    return None if timing is DoseTiming.IN_WINDOW else timing


def unanswered_doses(due_doses: Iterable[DueDose], history: Iterable[DoseRecord]) -> list[DueDose]:
    """Due doses with no outcome yet, from any worker."""
    answered = {(r.medicine_id, r.scheduled_at) for r in history if r.scheduled_at is not None}
    return [d for d in due_doses if d.key not in answered]
