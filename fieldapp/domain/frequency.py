"""When a scheduled medicine is due, for the phone: the contract's schedule, refusals as rules.

The frequency rules themselves (daily, weekdays, every N days, weekly, every N hours, courses,
and every boundary: month and year ends, both clock changes) live in the contract,
sync/schedule.py, because the office's checks must count due doses exactly as the phone does.

Public API: `Schedule`, `DAILY` (from sync.schedule) and `schedule_of(body) -> Schedule`, which
refuses a body whose frequency fields are not valid with a RuleViolation naming the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldapp.errors import RuleViolation
from sync.schedule import DAILY, Schedule, ScheduleError

__all__ = ["DAILY", "Schedule", "schedule_of"]


def schedule_of(body: Mapping[str, Any]) -> Schedule:
    """The schedule in a medicine body; a RuleViolation (fields named) when it is not valid."""
    try:
        return Schedule.from_body(body)
    except ScheduleError as problem:
        raise RuleViolation(str(problem)) from None
