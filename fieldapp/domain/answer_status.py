"""How an answer looks to the worker: one display status per task or dose outcome.

Screens map each status to a colour and an icon; "done" is kept for what was fully done in
time, so a refusal, a part, or a dose outside its window never wears the green tick.
"""

from __future__ import annotations

from enum import StrEnum

from fieldapp.domain.mar import Outcome
from fieldapp.domain.visit_rules import TaskOutcome


class AnswerStatus(StrEnum):
    PENDING = "pending"  # no answer yet
    DONE = "done"  # done / given / taken, in time: green tick
    FLAGGED = "flagged"  # given or taken outside its window: amber, flagged
    PARTLY_DONE = "partly_done"  # part of the task or dose: amber
    NOT_DONE = "not_done"  # not done, refused, not given for a reason: red
    NOT_REQUIRED = "not_required"  # not needed this time: neutral


_TASK = {
    TaskOutcome.DONE: AnswerStatus.DONE,
    TaskOutcome.PARTLY_DONE: AnswerStatus.PARTLY_DONE,
    TaskOutcome.REFUSED: AnswerStatus.NOT_DONE,
    TaskOutcome.NOT_DONE: AnswerStatus.NOT_DONE,
    TaskOutcome.NOT_REQUIRED: AnswerStatus.NOT_REQUIRED,
}


def task_status(outcome: str | None) -> AnswerStatus:
    """The display status of a task's outcome code (None: not answered yet)."""
    if outcome is None:
        return AnswerStatus.PENDING
    return _TASK[TaskOutcome(outcome)]


def dose_status(outcome: str | None, flagged: bool = False) -> AnswerStatus:
    """The display status of a dose outcome code; `flagged` when recorded outside its window."""
    if outcome is None:
        return AnswerStatus.PENDING
    code = Outcome(outcome)
    if code is Outcome.PARTIAL:
        return AnswerStatus.FLAGGED if flagged else AnswerStatus.PARTLY_DONE
    if code.counts_as_dose:
        return AnswerStatus.FLAGGED if flagged else AnswerStatus.DONE
    if code is Outcome.NOT_REQUIRED:
        return AnswerStatus.NOT_REQUIRED
    return AnswerStatus.NOT_DONE
