"""Lone working on the phone: the SOS hold, extending a visit, and the "due to end" reminder.

Pure rules; the server, not the phone, runs the welfare timers (server/welfare.py). The phone
only reminds the worker before their visit's expected end and says what they chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

HOLD_SECONDS = 3.0  # SOS needs a press held this long: no alarms from a pocket or a brush
EXTEND_CHOICES = (15, 30, 60)  # minutes the worker may add at a time
REMIND_BEFORE = timedelta(minutes=10)
# The office never moves a visit's expected end more than this past its booked end
# (server/welfare.py), however early the worker checked in.
EXTEND_LIMIT = timedelta(hours=4)
HOLD_HINT = "Hold the SOS button for 3 seconds to send an alert."


def expected_end(scheduled_end: datetime, extensions: Iterable[int]) -> datetime:
    """The visit's scheduled end plus every extension, capped as the office caps it (from
    the booked end, not from the check-in: an early check-in still gets its extension)."""
    end = scheduled_end + timedelta(minutes=sum(extensions))
    return min(end, scheduled_end + EXTEND_LIMIT)


def reminder_due(end: datetime, now: datetime) -> bool:
    """Time to remind the worker to check out or extend (from 10 minutes before the end)."""
    return now >= end - REMIND_BEFORE


@dataclass
class Hold:
    """A press on the SOS button, timed on a monotonic clock (seconds)."""

    started: float | None = None

    def press(self, at: float) -> None:
        self.started = at

    def release(self) -> None:
        self.started = None

    def held(self, at: float) -> float:
        return 0.0 if self.started is None else max(0.0, at - self.started)

    def progress(self, at: float) -> float:
        """0..1 of the hold done."""
        return min(1.0, self.held(at) / HOLD_SECONDS)

    def done(self, at: float) -> bool:
        return self.started is not None and self.held(at) >= HOLD_SECONDS

    def seconds_left(self, at: float) -> int:
        """Whole seconds still to hold, counted down 3, 2, 1."""
        return max(0, int(HOLD_SECONDS - self.held(at) + 0.999))
