"""Visit rules: status, check-in timing, task outcomes and fluids, check-out, corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fieldapp.domain.mar import DoseRecord, DueDose, Medicine, Outcome
from fieldapp.domain.visit_rules import (
    Task,
    TaskOutcome,
    Timing,
    Visit,
    VisitStatus,
    check_in_timing,
    check_out_blockers,
    tasks_for_visit,
    validate_correction,
    validate_task_outcome,
    visit_status,
)
from fieldapp.errors import RuleViolation

START, END = datetime(2026, 1, 15, 9, 0, tzinfo=UTC), datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def task(**overrides: Any) -> Task:
    data: dict[str, Any] = {"id": "t-1", "visit_type": "morning", "category": "personal care",
                            "title": "Help to wash", "instructions": "", "fluid": False}
    data.update(overrides)
    return Task.from_dict(data)


# --- visit and task shapes -----------------------------------------------------------------------

def test_visit_from_dict_reads_iso_times_as_utc() -> None:
    visit = Visit.from_dict({"id": "v", "worker_id": "w", "service_user_id": "s",
                             "visit_type": "morning", "start": "2026-06-01T09:00:00+01:00",
                             "end": "2026-06-01T08:30:00+00:00"})
    assert visit.start == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert visit.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-06-01T09:00:00+00:00", "2026-06-01T09:00:00+00:00", "end after it starts"),
        ("2026-06-01T09:00:00", "2026-06-01T09:30:00+00:00", "timezone"),
        ("nine", "2026-06-01T09:30:00+00:00", "ISO 8601"),
    ],
)
def test_bad_visit_times_are_refused(start: str, end: str, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        Visit.from_dict({"id": "v", "worker_id": "w", "service_user_id": "s",
                         "visit_type": "morning", "start": start, "end": end})


def test_tasks_for_visit_keeps_the_visits_type_and_accepts_dicts() -> None:
    tasks = [{"id": "a", "visit_type": "morning", "category": "meals", "title": "Breakfast"},
             {"id": "b", "visit_type": "tea", "category": "meals", "title": "Tea"}]
    assert [t.id for t in tasks_for_visit(tasks, "morning")] == ["a"]


# --- visit status --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("now", "status"),
    [
        (START - minutes(30), VisitStatus.DUE),
        (START + minutes(15), VisitStatus.DUE),
        (START + minutes(15) + SECOND, VisitStatus.LATE),
        (END + minutes(60), VisitStatus.LATE),
        (END + minutes(60) + SECOND, VisitStatus.MISSED),
    ],
)
def test_status_thresholds_without_a_check_in(now: datetime, status: VisitStatus) -> None:
    assert visit_status(START, END, None, None, now) is status


def test_checked_in_is_in_progress_and_checked_out_is_done() -> None:
    later = END + minutes(600)
    assert visit_status(START, END, START, None, later) is VisitStatus.IN_PROGRESS
    assert visit_status(START, END, START, END, later) is VisitStatus.DONE
    assert visit_status(START, END, None, END, later) is VisitStatus.DONE


def test_status_needs_an_aware_now() -> None:
    with pytest.raises(RuleViolation, match="timezone"):
        visit_status(START, END, None, None, datetime(2026, 1, 15, 9))  # noqa: DTZ001


# --- check-in timing -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("offset", "kind", "mins", "reason"),
    [
        (timedelta(0), Timing.ON_TIME, 0, False),
        (minutes(5), Timing.ON_TIME, 5, False),
        (-minutes(5), Timing.ON_TIME, 5, False),
        (minutes(5) + SECOND, Timing.LATE, 6, False),
        (minutes(15), Timing.LATE, 15, False),
        (minutes(15) + SECOND, Timing.LATE, 16, True),
        (-minutes(15), Timing.EARLY, 15, False),
        (-minutes(15) - SECOND, Timing.EARLY, 16, True),
        (minutes(90), Timing.LATE, 90, True),
    ],
)
def test_check_in_timing(offset: timedelta, kind: Timing, mins: int, reason: bool) -> None:
    timing = check_in_timing(START, START + offset)
    assert (timing.kind, timing.minutes, timing.requires_reason) == (kind, mins, reason)


# --- task outcomes -------------------------------------------------------------------------------

def test_task_outcome_codes_and_reasons() -> None:
    assert [o.value for o in TaskOutcome] == [
        "done", "partly_done", "refused", "not_required", "not_done"]
    assert {o for o in TaskOutcome if o.needs_reason} == {
        TaskOutcome.PARTLY_DONE, TaskOutcome.REFUSED, TaskOutcome.NOT_DONE}
    assert TaskOutcome.PARTLY_DONE.label == "Partly done"


@pytest.mark.parametrize("outcome", ["partly_done", "refused", "not_done"])
def test_outcomes_that_need_a_reason(outcome: str) -> None:
    with pytest.raises(RuleViolation, match="Say why"):
        validate_task_outcome(task(), outcome, "  ")
    assert validate_task_outcome(task(), outcome, " ran out of time ").reason == "ran out of time"


@pytest.mark.parametrize("outcome", ["done", "not_required"])
def test_outcomes_that_need_no_reason(outcome: str) -> None:
    assert validate_task_outcome(task(), outcome).reason is None


def test_unknown_task_outcome_is_refused() -> None:
    with pytest.raises(RuleViolation, match="not a task outcome"):
        validate_task_outcome(task(), "skipped")


@pytest.mark.parametrize("outcome", ["done", "partly_done", "refused"])
def test_fluid_task_needs_amounts_when_something_was_offered(outcome: str) -> None:
    with pytest.raises(RuleViolation, match="records fluids"):
        validate_task_outcome(task(fluid=True), outcome, "reason")
    result = validate_task_outcome(task(fluid=True), outcome, "reason", 250, 0)
    assert (result.fluid_offered_ml, result.fluid_taken_ml) == (250, 0)


@pytest.mark.parametrize("outcome", ["not_required", "not_done"])
def test_fluid_amounts_are_optional_when_nothing_was_offered(outcome: str) -> None:
    assert validate_task_outcome(task(fluid=True), outcome, "in hospital").fluid_taken_ml is None


@pytest.mark.parametrize(
    ("offered", "taken", "message"),
    [
        (5001, 0, "0 to 5000"),
        (-1, 0, "0 to 5000"),
        (200, -1, "0 to 5000"),
        (True, 0, "whole number"),
        (200.0, 100, "whole number"),
        (200, 201, "more than fluid offered"),
        (200, None, "both"),
        (None, 100, "both"),
    ],
)
def test_bad_fluid_amounts_are_refused(offered: Any, taken: Any, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        validate_task_outcome(task(fluid=True), "done", None, offered, taken)


def test_fluid_boundaries_are_allowed() -> None:
    assert validate_task_outcome(task(fluid=True), "done", None, 5000, 5000).fluid_taken_ml == 5000
    assert validate_task_outcome(task(fluid=True), "done", None, 0, 0).fluid_offered_ml == 0


def test_task_outcome_payload_is_json_ready() -> None:
    payload = validate_task_outcome({"id": "t-9", "title": "Drink", "fluid": True},
                                    "partly_done", "felt sick", 300, 150).to_payload()
    assert payload == {"task_id": "t-9", "outcome": "partly_done", "reason": "felt sick",
                       "fluid_offered_ml": 300, "fluid_taken_ml": 150}
    assert type(payload["outcome"]) is str


# --- check-out -----------------------------------------------------------------------------------

def medicine() -> Medicine:
    return Medicine.from_dict({
        "id": "med-1", "service_user_id": "su-1", "name": "Metformin", "strength": "500mg",
        "times": ["08:00"], "support_level": "prompt", "start_date": "2026-01-01",
    })


def test_check_out_lists_every_unanswered_task_and_dose() -> None:
    tasks = [task(), task(id="t-2", title="Breakfast")]
    # 08:00 London on 1 June (BST) is 07:00 UTC; the blocker shows the local time.
    due = [DueDose(medicine(), datetime(2026, 6, 1, 7, 0, tzinfo=UTC))]
    blockers = check_out_blockers(tasks, {"t-1": {"outcome": "done"}}, due, [])
    assert blockers == ["answer the task 'Breakfast'",
                        "record the 08:00 dose of Metformin 500mg"]


def test_check_out_is_clear_when_everything_is_answered_by_anyone() -> None:
    due = [DueDose(medicine(), datetime(2026, 6, 1, 7, 0, tzinfo=UTC))]
    answered = [DoseRecord("med-1", datetime(2026, 6, 1, 7, 0, tzinfo=UTC), Outcome.TAKEN,
                           datetime(2026, 6, 1, 7, 5, tzinfo=UTC), "w-other")]
    assert check_out_blockers([task()], {"t-1": TaskOutcome.DONE}, due, answered) == []
    assert check_out_blockers([], {}) == []


# --- corrections ---------------------------------------------------------------------------------

def test_a_correction_needs_a_reason_of_five_characters() -> None:
    with pytest.raises(RuleViolation, match="at least 5"):
        validate_correction("rec-1", " typo ")
    with pytest.raises(RuleViolation, match="at least 5"):
        validate_correction("rec-1", None)
    addendum = validate_correction("rec-1", " typo. ")
    assert (addendum.original_record_id, addendum.reason) == ("rec-1", "typo.")


def test_a_correction_must_point_at_a_record() -> None:
    with pytest.raises(RuleViolation, match="point at"):
        validate_correction("  ", "wrong person's chart")
