"""Growing delays after repeated failures (wrong enrolment codes, unknown device tokens).

Each caller (an address, or an account where there is one) may fail a few times freely; after
that every further failure closes its door for twice as long as the last, up to a cap. While
the door is closed the caller is answered 429 with `Retry-After` before any work is done. A
success clears the count. State lives in this process (each `serve --workers` process counts
on its own, so the limit is at most N times looser); the moment a door first closes is
written to the audit log by the caller.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    closed_until: float = 0.0
    last: float = 0.0


class Limiter:
    """Counts failures per key; `wait(key)` is the seconds the key must still wait (0: go)."""

    def __init__(self, free: int = 5, first_delay: float = 1.0, max_delay: float = 300.0,
                 forget_after: float = 3600.0, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.first_delay, self.max_delay = free, first_delay, max_delay
        self.forget_after, self.max_keys, self.clock = forget_after, max_keys, clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str) -> int:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return 0
            return max(0, math.ceil(entry.closed_until - self.clock()))

    def failed(self, key: str) -> bool:
        """Count a failure; True when this one first closed the key's door (worth auditing)."""
        now = self.clock()
        with self._lock:
            entry = self._live(key) or _Entry()
            entry.failures += 1
            entry.last = now
            over = entry.failures - self.free
            if over > 0:
                delay = min(self.max_delay, self.first_delay * 2 ** min(over - 1, 32))
                entry.closed_until = now + delay
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
            return over == 1

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _live(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry.last > self.forget_after:
            del self._entries[key]
            return None
        return entry
