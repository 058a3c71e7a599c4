"""Counts of failures (wrong passwords, enrolment codes, unknown tokens) kept in the database.

Each key (an account or an address, within a scope such as "sign_in_account") may fail a few
times freely; after that every further failure closes its door for twice as long as the last,
up to a cap, and at `lock_after` failures (if set) for `lock_for`. While a door is closed every
try is refused before any other work. The counts live in the `door_counts` table, so every
server process (`serve --workers N`, several servers on one PostgreSQL) shares them: N
processes are not N times the tries. A key is stored only as a hash, never as typed (an email
someone mistyped is nobody's business), and time is the server's clock, in milliseconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.clock import SYSTEM_CLOCK, Clock
from server.schema import door_counts
from server.storage import read_only

# Quiet keys are swept out every this many failures counted by one process (a flood of
# made-up emails must not grow the table without end).
SWEEP_EVERY = 200


@dataclass(frozen=True)
class DoorRules:
    free: int = 2  # failures with no wait at all
    first_delay: timedelta = timedelta(seconds=5)  # after the first failure past `free`
    max_delay: timedelta = timedelta(minutes=15)  # growing delays stop growing here
    lock_after: int | None = None  # this many failures lock the key for `lock_for`
    lock_for: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)  # a quiet key starts again from nothing

    def wait_after(self, failures: int) -> timedelta:
        if self.lock_after is not None and failures >= self.lock_after:
            return self.lock_for
        over = failures - self.free
        if over <= 0:
            return timedelta(0)
        delay: timedelta = self.first_delay * 2 ** min(over - 1, 32)
        return min(self.max_delay, delay)

    def worth_auditing(self, failures: int) -> bool:
        """True for the failure that locks the key (or, with no lock, first closes its door)."""
        return failures == (self.lock_after if self.lock_after is not None else self.free + 1)


class Doors:
    """Failures per key in one scope, under one set of rules, shared through the database."""

    def __init__(self, engine: Engine, scope: str, rules: DoorRules,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine, self.scope, self.rules, self.clock = engine, scope, rules, clock
        self._counted = 0
        # A key's `closed_until` (ms, or none), its hash bound as "door_key" (`key_param`).
        self._closed = select(door_counts.c.closed_until).where(
            door_counts.c.scope == scope, door_counts.c.key == bindparam("door_key"))

    def wait(self, key: str) -> timedelta:
        """How long `key` must still wait before its next try (zero: it may try now)."""
        with read_only(self.engine) as reading:  # SQLite: no writer's lock for a look
            return self.wait_for(reading.execute(self._closed, self.key_param(key)).scalar())

    def closed_until(self) -> Any:
        """The door as a scalar subquery for a caller's own statement (bind `key_param`;
        `wait_for` reads the value): the sync API looks at it in the statement that finds
        the phone."""
        return self._closed.scalar_subquery()

    def key_param(self, key: str) -> dict[str, str]:
        return {"door_key": self._hash(key)}

    def wait_for(self, closed: int | None) -> timedelta:
        """How long a key whose door is closed until `closed` (ms) must still wait."""
        now = _ms(self.clock.now())
        if not closed or closed <= now:
            return timedelta(0)
        return timedelta(milliseconds=closed - now)

    def failed(self, key: str) -> bool:
        """Count a failure; True when this one locked the key, or first closed its door."""
        now = _ms(self.clock.now())
        forget = now - int(self.rules.forget_after.total_seconds() * 1000)
        hashed = self._hash(key)
        c = door_counts.c
        with self.engine.begin() as conn:
            # One statement counts it, on both backends atomically: the row stays locked
            # (PostgreSQL) or the database's writer lock held (SQLite) until commit, so two
            # processes counting at once both land and the door below follows the count.
            stmt = self._insert().values(scope=self.scope, key=hashed, failures=1,
                                         closed_until=0, last_at=now)
            failures = conn.execute(stmt.on_conflict_do_update(
                index_elements=[c.scope, c.key],
                set_={"failures": case((_quiet(forget, now), 1), else_=c.failures + 1),
                      "last_at": now},
            ).returning(c.failures)).scalar_one()
            wait = self.rules.wait_after(failures)
            if wait:
                conn.execute(update(door_counts).where(
                    c.scope == self.scope, c.key == hashed).values(
                    closed_until=now + int(wait.total_seconds() * 1000)))
        self._counted += 1
        if self._counted % SWEEP_EVERY == 0:
            self.sweep()
        return self.rules.worth_auditing(failures)

    def succeeded(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(door_counts).where(
                door_counts.c.scope == self.scope, door_counts.c.key == self._hash(key)))

    def sweep(self) -> int:
        """Forget this scope's keys that have been quiet for `forget_after` with open doors."""
        now = _ms(self.clock.now())
        forget = now - int(self.rules.forget_after.total_seconds() * 1000)
        with self.engine.begin() as conn:
            gone = conn.execute(delete(door_counts).where(
                door_counts.c.scope == self.scope, _quiet(forget, now))).rowcount
        return int(gone or 0)

    def _insert(self) -> Any:
        return (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(
            door_counts)

    def _hash(self, key: str) -> str:
        return hashlib.sha256(f"{self.scope}\0{key}".encode()).hexdigest()


def _quiet(forget: int, now: int) -> Any:
    """A count not touched since `forget` whose door is open again: as good as none."""
    return (door_counts.c.last_at < forget) & (door_counts.c.closed_until <= now)


def _ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)
