"""When a scheduled medicine is due: daily, weekdays, every N days, weekly, every N hours, courses.

In the contract because phone and office must agree on it: the phone's round
(fieldapp/domain/frequency.py, mar.py) and the office's checks (server/missed_doses.py,
server/office_checks.py) both read a medicine body through it. Pure and stdlib only.

Public API:

- `Schedule` (frozen): a medicine's frequency and course, `Schedule.from_body(body, start)`;
  `.due_on(day)` for the day-based kinds, `.slots(times, start, stop, lo, hi, tz)` the scheduled
  UTC times in `[lo, hi]`, `.dose_number(times, start, at, tz)` (dose N of a course, else None),
  `.describe(times)` the words a MAR shows ("Once a week on Monday at 08:00").
- `DAILY`: the schedule of a body without a frequency.
- `ScheduleError` (a ValueError): a body whose frequency fields are not valid (fields named).
- `due_between(body, lo, hi, tz) -> list[datetime]`: a medicine body's scheduled doses (UTC) in
  `[lo, hi]` (none for a PRN medicine), for the office.

Rules (the body's fields are documented in sync/medicine_body.py):

- Day-based kinds (daily, weekdays, every_n_days, weekly) put a dose at each of the medicine's
  local `times` on each local date they are due. A date is due for every_n_days when it is on or
  after `from_date` (default: the start date) and a whole multiple of N days after it, counted in
  calendar dates, so a clock change never moves it. A weekly medicine is due on its one weekday
  only: a medicine is never shown as due on a day it is not due.
- every_hours doses fall every N elapsed hours from `first_at` (an instant), on the start date
  or later. Across a clock change the local time moves an hour (a 72 h patch is 72 real hours).
- A time that does not exist on the spring clock change (01:30) falls at the offset before the
  change (02:30 BST); one that happens twice in autumn is the first (BST).
- A course of M doses counts its doses from the start date in time order; dose M is the last one
  due. `review_date` is shown only: a medicine is still due after it until its stop date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sync.codes import Frequency, Weekday
from sync.medicine_body import MAX_EVERY_DAYS, MAX_EVERY_HOURS, body_errors

ALL_DAYS = frozenset(range(7))


class ScheduleError(ValueError):
    """A medicine's frequency fields are not valid; the message names fields, never values."""


@dataclass(frozen=True)
class Schedule:
    """How often a medicine is due; fields unused by its kind keep their defaults."""

    kind: Frequency = Frequency.DAILY
    days: frozenset[int] = ALL_DAYS  # weekday numbers, Monday 0 (weekdays, weekly)
    every_days: int = 1
    from_date: date | None = None  # every_n_days: counted from here (default: start date)
    every_hours: int = 0
    first_at: datetime | None = None  # every_hours: the first dose (UTC)
    course_doses: int | None = None  # a course of this many doses in all
    review_date: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.every_days <= MAX_EVERY_DAYS:
            raise ScheduleError("A medicine's every-N-days count is out of range.")
        if self.kind is Frequency.EVERY_HOURS and (
                self.first_at is None or not 1 <= self.every_hours <= MAX_EVERY_HOURS):
            raise ScheduleError("An every-N-hours medicine needs its hours and first time.")
        if self.course_doses is not None and self.course_doses < 1:
            raise ScheduleError("A course needs at least one dose.")

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Schedule:
        """The schedule in a medicine body (refused with the body's errors, fields only)."""
        errors = [e for e in body_errors(body) if e.startswith(("frequency", "course",
                                                                "review_date", "times"))]
        if errors:
            raise ScheduleError("A medicine's frequency is not valid: " + "; ".join(errors))
        freq = body.get("frequency") or {}
        course = body.get("course") or {}
        review = body.get("review_date")
        kind = Frequency(freq.get("kind", Frequency.DAILY))
        days = frozenset(Weekday(d).number for d in freq.get("days") or []) or ALL_DAYS
        start_from = freq.get("from_date")
        first = freq.get("first_at")
        return cls(
            kind=kind,
            days=days if kind in (Frequency.WEEKDAYS, Frequency.WEEKLY) else ALL_DAYS,
            every_days=int(freq.get("every_days") or 1),
            from_date=date.fromisoformat(start_from) if start_from else None,
            every_hours=int(freq.get("every_hours") or 0),
            first_at=datetime.fromisoformat(first).astimezone(UTC) if first else None,
            course_doses=course.get("doses"),
            review_date=date.fromisoformat(review) if review else None,
        )

    @property
    def needs_times(self) -> bool:
        return self.kind is not Frequency.EVERY_HOURS

    def due_on(self, day: date, start: date) -> bool:
        """Whether a day-based schedule has doses on local date `day` (every_hours: False)."""
        if self.kind is Frequency.EVERY_HOURS:
            return False
        if self.kind is Frequency.EVERY_N_DAYS:
            origin = self.from_date or start
            return day >= origin and (day - origin).days % self.every_days == 0
        return day.weekday() in self.days

    def _day_slots(self, times: Sequence[time], start: date, stop: date | None,
                   first_day: date, last_day: date, tz: tzinfo) -> list[datetime]:
        out: list[datetime] = []
        day = max(first_day, start)
        while day <= last_day and (stop is None or day <= stop):
            if self.due_on(day, start):
                out += [datetime.combine(day, t, tzinfo=tz).astimezone(UTC) for t in times]
            day += timedelta(days=1)
        return sorted(out)

    def _hour_slots(self, start: date, stop: date | None, lo: datetime, hi: datetime,
                    tz: tzinfo) -> list[datetime]:
        assert self.first_at is not None
        step = timedelta(hours=self.every_hours)
        k = max(0, -(-(lo - self.first_at) // step))  # the first slot at or after lo
        out = []
        at = self.first_at + k * step
        while at <= hi:
            local = at.astimezone(tz).date()
            if stop is not None and local > stop:
                break
            if local >= start:
                out.append(at)
            at += step
        return out

    def slots(self, times: Sequence[time], start: date, stop: date | None, lo: datetime,
              hi: datetime, tz: tzinfo) -> list[datetime]:
        """Every scheduled dose (UTC) in `[lo, hi]` between the start and stop dates, course
        doses past the last one left out."""
        lo, hi = lo.astimezone(UTC), hi.astimezone(UTC)
        if self.kind is Frequency.EVERY_HOURS:
            found = self._hour_slots(start, stop, lo, hi, tz)
        else:
            found = [s for s in self._day_slots(times, start, stop, lo.astimezone(tz).date(),
                                                hi.astimezone(tz).date(), tz) if lo <= s <= hi]
        if self.course_doses is None:
            return found
        return [s for s in found if (self.dose_number(times, start, s, tz) or 0)
                <= self.course_doses]

    def dose_number(self, times: Sequence[time], start: date, at: datetime,
                    tz: tzinfo) -> int | None:
        """Which dose of its course the dose at `at` is (1 for the first); None without a
        course or when `at` is not one of its doses."""
        if self.course_doses is None:
            return None
        at = at.astimezone(UTC)
        begin = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)
        if self.kind is Frequency.EVERY_HOURS:
            found = self._hour_slots(start, None, begin, at, tz)
        else:
            found = self._day_slots(times, start, None, start, at.astimezone(tz).date(), tz)
            found = [s for s in found if s <= at]
        return len(found) if found and found[-1] == at else None

    def describe(self, times: Sequence[time]) -> str:
        """How often, in the words a MAR shows."""
        at = ", ".join(t.strftime("%H:%M") for t in times)
        names = [d.label for d in Weekday if d.number in self.days]
        words = {
            Frequency.DAILY: f"Every day at {at}",
            Frequency.WEEKDAYS: f"{', '.join(n[:3] for n in names)} at {at}",
            Frequency.EVERY_N_DAYS: f"Every {self.every_days} days at {at}",
            Frequency.WEEKLY: f"Once a week on {names[0]} at {at}" if names else "",
            Frequency.EVERY_HOURS: f"Every {self.every_hours} hours",
        }[self.kind]
        if self.kind is Frequency.EVERY_N_DAYS and self.every_days == 1:
            words = f"Every day at {at}"
        if self.course_doses is not None:
            words += f"; course of {self.course_doses} doses"
        return words


DAILY = Schedule()


def due_between(body: Mapping[str, Any], lo: datetime, hi: datetime,
                tz: tzinfo) -> list[datetime]:
    """A medicine body's scheduled doses (UTC) in [lo, hi]; none for a PRN medicine."""
    if body.get("prn"):
        return []
    times = sorted(time.fromisoformat(t) for t in body.get("times") or [])
    start = date.fromisoformat(body["start_date"]) if body.get("start_date") else date.min
    stop = date.fromisoformat(body["stop_date"]) if body.get("stop_date") else None
    schedule = Schedule.from_body(body)
    if schedule.needs_times and not times:
        return []
    return schedule.slots(times, start, stop, lo, hi, tz)
