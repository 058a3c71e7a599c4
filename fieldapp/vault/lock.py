"""When the app locks itself: inactivity, going to the background, wrong-PIN delays, offline lease.

Pure rules that take `now`; the screens and the device apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WRONG_PINS_BEFORE_DELAY = 5
WRONG_PINS_BEFORE_WIPE = 10
FIRST_DELAY_S = 30
# Flet's AppLifecycleState values in which the app is not on screen. INACTIVE is left out: it
# also fires for a pulled-down notification shade or an incoming-call banner.
BACKGROUND_STATES = frozenset({"hide", "pause", "detach"})


@dataclass(frozen=True)
class LockPolicy:
    """How long the app stays open untouched, and how long a phone may go without the office."""

    auto_lock_minutes: int = 5
    offline_lease_days: int = 7

    def __post_init__(self) -> None:
        if self.auto_lock_minutes < 1 or self.offline_lease_days < 1:
            raise ValueError("auto-lock and offline lease must be at least 1")

    def idle_expired(self, idle_seconds: float) -> bool:
        """Seconds since the last user event, from a monotonic clock (wall time can jump)."""
        return idle_seconds >= self.auto_lock_minutes * 60

    def lease_expired(self, last_contact: datetime | None, now: datetime) -> bool:
        """No proven contact counts as expired: the lease is earned by reaching the office."""
        if last_contact is None:
            return True
        return now - last_contact > timedelta(days=self.offline_lease_days)

    def lease_message(self, office_phone: str = "") -> str:
        call = f"call the office on {office_phone}" if office_phone else "call the office"
        return (
            f"This phone has not reached the office for more than {self.offline_lease_days} "
            "days, so it stays locked to keep records safe if it was lost. Connect to the "
            f"internet (Wi-Fi or mobile data) and tap Sync now, or {call}."
        )


def locks_on_lifecycle(state: str) -> bool:
    """True when the app has gone to the background (Flet AppLifecycleState value)."""
    return state.lower() in BACKGROUND_STATES


def wrong_pin_delay(failed: int) -> timedelta:
    """The wait before the next try after `failed` wrong PINs: 30 s, doubling from the fifth."""
    if failed < WRONG_PINS_BEFORE_DELAY:
        return timedelta(0)
    return timedelta(seconds=FIRST_DELAY_S * 2 ** (failed - WRONG_PINS_BEFORE_DELAY))


def tries_left(failed: int) -> int:
    return max(0, WRONG_PINS_BEFORE_WIPE - failed)


def wait_words(seconds: int) -> str:
    """'45 seconds', '2 minutes' or '1 hour 4 minutes': a wait a worker can read at a glance."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
