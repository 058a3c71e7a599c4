"""Visit rules: status, check-in timing, task outcomes and fluids, check-out blockers, corrections.

Public API (datetimes timezone-aware):

- `Visit` and `Task` (with `from_dict`); `tasks_for_visit(tasks, visit_type)`.
- `VisitStatus` and `visit_status(start, end, checked_in_at, checked_out_at, now)`.
- `Timing`, `CheckInTiming(kind, minutes, requires_reason)` and `check_in_timing(start, at)`.
- `TaskOutcome` (`.label`, `.needs_reason`), `TaskResult` (`.to_payload()`),
  `validate_task_outcome(task, outcome, reason, offered_ml, taken_ml) -> TaskResult` and
  its `to_payload()`, the same as a JSON-ready dict.
- `check_out_blockers(tasks, task_outcomes, due_doses=(), dose_outcomes=(), *, tz=None)`.
- `is_medicines_task(task)`, `medicines_task_ready(due_doses, dose_outcomes)` and
  `refuse_medicines_task_before_mar(task, due_doses, dose_outcomes)`: the medicines task
  (category `MEDICINES_CATEGORY`) is answerable only once every due dose has an outcome.
- `visit_timing(start, end, checked_in_at, now) -> CheckInTiming`: what a check-in (before
  it) or a check-out (after it) at `now` would be, so the app asks for a reason before the tap.
- `Addendum` and `validate_correction(original_record_id, reason) -> Addendum`.

Thresholds:
- late: not checked in and `now` is more than `LATE_AFTER` (15 min) after the start;
  missed: not checked in and more than `MISSED_AFTER_END` (60 min) after the booked end, because a
  visit an hour past its end will not happen without the office stepping in. Checked in is
  in_progress; checked out is done.
- check-in: within `ON_TIME_TOLERANCE` (5 min) either side of the start is on_time, beyond that
  early or late; more than `REASON_AFTER` (15 min) early or late needs a reason. `minutes` is the
  difference rounded up, so "16 minutes late" always needs a reason and "15" never does.
- fluids: whole ml from 0 to `MAX_FLUID_ML` (5000), taken no more than offered; required for a
  fluid task whose outcome is done, partly_done or refused (something was offered), optional
  when it was not required or not done.
- a correction's reason needs at least `MIN_CORRECTION_REASON` (5) characters.

Blocker messages are for the worker's screen (they name tasks and medicines): never log them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from fieldapp.domain.mar import DoseRecord, DueDose, unanswered_doses, utc
from fieldapp.errors import RuleViolation, reading
from sync import codes

# The contract's code sets, under the names the visit rules have always used.
TaskOutcome = codes.TaskOutcome
Timing = codes.Timing

LATE_AFTER = timedelta(minutes=15)
MISSED_AFTER_END = timedelta(minutes=60)
ON_TIME_TOLERANCE = timedelta(minutes=5)
REASON_AFTER = timedelta(minutes=15)
MAX_FLUID_ML = 5000
MIN_CORRECTION_REASON = 5
AGENCY_TZ_NAME = "Europe/London"


@dataclass(frozen=True)
class Visit:
    id: str
    worker_id: str
    service_user_id: str
    visit_type: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start, "visit start"))
        object.__setattr__(self, "end", utc(self.end, "visit end"))
        if self.end <= self.start:
            raise RuleViolation("A visit must end after it starts.")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Visit:
        with reading("A visit", "A visit's start or end is not an ISO 8601 time."):
            return cls(
                id=str(data["id"]), worker_id=str(data["worker_id"]),
                service_user_id=str(data["service_user_id"]),
                visit_type=str(data["visit_type"]),
                start=datetime.fromisoformat(data["start"]),
                end=datetime.fromisoformat(data["end"]),
            )


@dataclass(frozen=True)
class Task:
    """One checklist item from the care plan version in force."""

    id: str
    visit_type: str
    category: str
    title: str
    instructions: str = ""
    fluid: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        try:
            return cls(
                id=str(data["id"]), visit_type=str(data.get("visit_type") or ""),
                category=str(data.get("category") or ""), title=str(data["title"]),
                instructions=str(data.get("instructions") or ""),
                fluid=bool(data.get("fluid", False)),
            )
        except KeyError as missing:
            raise RuleViolation(f"A care plan task is missing {missing}.") from None


def _task(task: Task | Mapping[str, Any]) -> Task:
    return task if isinstance(task, Task) else Task.from_dict(task)


def tasks_for_visit(tasks: Iterable[Task | Mapping[str, Any]], visit_type: str) -> list[Task]:
    return [t for t in map(_task, tasks) if t.visit_type == visit_type]


class VisitStatus(StrEnum):
    DUE = "due"
    LATE = "late"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    MISSED = "missed"


def visit_status(
    start: datetime,
    end: datetime,
    checked_in_at: datetime | None,
    checked_out_at: datetime | None,
    now: datetime,
) -> VisitStatus:
    """A visit's status at `now`; thresholds are exclusive (exactly 15 min after start is due)."""
    now = utc(now, "current time")
    if checked_out_at is not None:
        # A check-out synced before its check-in still means the visit happened.
        return VisitStatus.DONE
    if checked_in_at is not None:
        return VisitStatus.IN_PROGRESS
    if now > utc(end, "visit end") + MISSED_AFTER_END:
        return VisitStatus.MISSED
    if now > utc(start, "visit start") + LATE_AFTER:
        return VisitStatus.LATE
    return VisitStatus.DUE


@dataclass(frozen=True)
class CheckInTiming:
    kind: Timing
    minutes: int  # whole minutes from the booked start, rounded up; 0 only when exactly on time
    requires_reason: bool


def check_in_timing(start: datetime, at: datetime) -> CheckInTiming:
    """How a check-in at `at` compares with the booked `start` (see module thresholds)."""
    difference = utc(at, "check-in time") - utc(start, "visit start")
    gap = abs(difference)
    minutes = ceil(gap.total_seconds() / 60)
    if gap <= ON_TIME_TOLERANCE:
        kind = Timing.ON_TIME
    else:
        kind = Timing.LATE if difference > timedelta(0) else Timing.EARLY
    return CheckInTiming(kind, minutes, requires_reason=gap > REASON_AFTER)


def visit_timing(start: datetime, end: datetime, checked_in_at: datetime | None,
                 now: datetime) -> CheckInTiming:
    """Before check-in: a check-in at `now` against the start; after it, a check-out against
    the end. `requires_reason` says, before the tap, that a reason will be asked for."""
    return check_in_timing(start if checked_in_at is None else end, now)


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    outcome: TaskOutcome
    reason: str | None
    fluid_offered_ml: int | None
    fluid_taken_ml: int | None

    def to_payload(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id, "outcome": self.outcome.value, "reason": self.reason,
            "fluid_offered_ml": self.fluid_offered_ml, "fluid_taken_ml": self.fluid_taken_ml,
        }


def _ml(value: object, what: str) -> int | None:
    if value is None:
        return None
    # bool is an int in Python; True ml is a form bug, not a measurement.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FLUID_ML:
        raise RuleViolation(f"Fluid {what} must be a whole number of ml from 0 to {MAX_FLUID_ML}.")
    return value


def validate_task_outcome(
    task: Task | Mapping[str, Any],
    outcome: TaskOutcome | str,
    reason: str | None = None,
    offered_ml: int | None = None,
    taken_ml: int | None = None,
) -> TaskResult:
    """Check a task's outcome before it is recorded; raise RuleViolation if it breaks a rule."""
    task = _task(task)
    try:
        code = TaskOutcome(outcome)
    except ValueError:
        raise RuleViolation(f"'{outcome}' is not a task outcome.") from None
    reason = (reason or "").strip() or None
    if code.needs_reason and reason is None:
        raise RuleViolation(f"Say why when a task is '{code.label.lower()}'.")
    offered, taken = _ml(offered_ml, "offered"), _ml(taken_ml, "taken")
    if (offered is None) != (taken is None):
        raise RuleViolation("Record both the fluid offered and the fluid taken.")
    if task.fluid and code.something_offered and offered is None:
        raise RuleViolation("This task records fluids: enter the ml offered and taken.")
    if offered is not None and taken is not None and taken > offered:
        raise RuleViolation("Fluid taken cannot be more than fluid offered.")
    return TaskResult(task.id, code, reason, offered, taken)


MEDICINES_CATEGORY = "medication"  # the care-plan category of "Medicines due (see MAR)"


def is_medicines_task(task: Task | Mapping[str, Any]) -> bool:
    return _task(task).category == MEDICINES_CATEGORY


def medicines_task_ready(due_doses: Sequence[DueDose],
                         dose_outcomes: Iterable[DoseRecord]) -> bool:
    """The medicines task follows the MAR: it can be answered once every dose due at the visit
    has an outcome (from anyone), never before."""
    return not unanswered_doses(due_doses, dose_outcomes)


def refuse_medicines_task_before_mar(task: Task | Mapping[str, Any],
                                     due_doses: Sequence[DueDose],
                                     dose_outcomes: Iterable[DoseRecord]) -> None:
    if is_medicines_task(task) and not medicines_task_ready(due_doses, dose_outcomes):
        raise RuleViolation("Record each dose in the MAR first; this task follows the MAR.")


def check_out_blockers(
    tasks: Iterable[Task | Mapping[str, Any]],
    task_outcomes: Mapping[str, object],
    due_doses: Sequence[DueDose] = (),
    dose_outcomes: Iterable[DoseRecord] = (),
    *,
    tz: tzinfo | None = None,
) -> list[str]:
    """What still needs an answer before check-out, in plain English; empty means go ahead.

    `task_outcomes` is keyed by task id (any value); `dose_outcomes` is every dose outcome
    recorded for the person, so a dose another worker answered does not block.
    """
    zone = tz or ZoneInfo(AGENCY_TZ_NAME)
    blockers = [f"answer the task '{t.title}'" for t in map(_task, tasks)
                if t.id not in task_outcomes]
    for dose in unanswered_doses(due_doses, dose_outcomes):
        local = dose.scheduled_at.astimezone(zone).strftime("%H:%M")
        blockers.append(f"record the {local} dose of {dose.medicine.display_name}")
    return blockers


@dataclass(frozen=True)
class Addendum:
    """A correction: a new record pointing at the original, which stays readable."""

    original_record_id: str
    reason: str


def validate_correction(original_record_id: str, reason: str | None) -> Addendum:
    original = (original_record_id or "").strip()
    if not original:
        raise RuleViolation("A correction must point at the record it corrects.")
    why = (reason or "").strip()
    if len(why) < MIN_CORRECTION_REASON:
        raise RuleViolation(
            f"Say why the record is being corrected (at least {MIN_CORRECTION_REASON} characters)."
        )
    return Addendum(original, why)
