"""The server's one source of wall-clock time, injected so tests can hold or move it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything whose `now()` is a timezone-aware UTC datetime (a fake one in tests)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock, read in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


# The default for callers outside the app factory (command line, seeding); the running server
# hands its own clock down from `create_app`.
SYSTEM_CLOCK: Clock = SystemClock()


def local_today(clock: Clock, tz: ZoneInfo) -> date:
    """Today's date where the agency is."""
    return clock.now().astimezone(tz).date()
