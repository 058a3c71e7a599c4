"""Slowing and locking console sign-in after wrong passwords, per account and per address.

Each key (an email as typed, normalised, whether or not it is an account, so the answer says
nothing about which emails exist; and the browser's address) may fail a couple of times
freely; then each further failure makes it wait longer, and at `lock_after` failures it is
locked for `lock_for`. While a key waits, every try is refused before the password is checked,
so the right password does not open a locked account until the lock ends. A success clears
the account's count (not the address's: one good password must not reset a guessing run
across many accounts). The moment a key is locked is written to the audit log, without the
password and without the email (an address or the account's id only).

State lives in this server process and is told time by the server's clock (tests move it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class DoorRules:
    free: int = 2  # failures with no wait at all
    first_delay: timedelta = timedelta(seconds=5)  # after the first failure past `free`
    lock_after: int = 5  # this many failures lock the key...
    lock_for: timedelta = timedelta(minutes=15)  # ...for this long
    forget_after: timedelta = timedelta(hours=24)  # a quiet key starts again from nothing

    def wait_after(self, failures: int) -> timedelta:
        if failures >= self.lock_after:
            return self.lock_for
        over = failures - self.free
        if over <= 0:
            return timedelta(0)
        delay: timedelta = self.first_delay * 2 ** (over - 1)
        return min(self.lock_for, delay)


ACCOUNT_RULES = DoorRules()
# An office shares one address: more room before the whole office is locked out, but a
# guessing run across many accounts is still stopped.
ADDRESS_RULES = DoorRules(free=5, lock_after=20)


@dataclass
class _Count:
    failures: int = 0
    closed_until: datetime | None = None
    last: datetime | None = None


class Doors:
    """Failures per key under one set of rules."""

    def __init__(self, rules: DoorRules, clock: Clock) -> None:
        self.rules, self.clock = rules, clock
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> timedelta:
        """How long `key` must still wait before its next try (zero: it may try now)."""
        now = self.clock.now()
        with self._lock:
            count = self._live(key, now)
            if count is None or count.closed_until is None or count.closed_until <= now:
                return timedelta(0)
            return count.closed_until - now

    def failed(self, key: str) -> bool:
        """Count a failure; True when this one locked the key (worth auditing)."""
        now = self.clock.now()
        with self._lock:
            count = self._live(key, now) or _Count()
            count.failures += 1
            count.last = now
            wait = self.rules.wait_after(count.failures)
            count.closed_until = now + wait if wait else None
            self._counts[key] = count
            if len(self._counts) > 100_000:  # a flood of made-up emails: forget the oldest
                oldest = min(self._counts, key=lambda k: self._counts[k].last or now)
                del self._counts[oldest]
            return count.failures == self.rules.lock_after

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _live(self, key: str, now: datetime) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and count.last is not None and (
                now - count.last > self.rules.forget_after
                and (count.closed_until is None or count.closed_until <= now)):
            del self._counts[key]
            return None
        return count


class SignInDoors:
    """The console's two doors: one per account (email), one per address."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, accounts: DoorRules = ACCOUNT_RULES,
                 addresses: DoorRules = ADDRESS_RULES) -> None:
        self.clock = clock
        self.accounts = Doors(accounts, clock)
        self.addresses = Doors(addresses, clock)


def wait_words(wait: timedelta) -> str:
    """'12 seconds' or '15 minutes', rounded up: how long a locked door stays shut."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"
