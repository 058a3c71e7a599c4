"""The on-call ladder's timing: who should have been called by now, as a pure function of time.

Tier 0 is called when something starts (an urgent escalation is raised, a lone-worker alert turns
red). If nobody acknowledges within that tier's time, the next tier is called, and so on up the
ladder; the last tier is never passed. Acknowledging stops the climb. The monitor compares this
with the calls already made (one row per tier, unique), so a restart or a change of leader calls
no tier twice and skips none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rung:
    """One tier of the agency's on-call ladder and how to reach the people on it."""

    tier: int
    label: str  # e.g. "On-call coordinator", "Registered manager"
    contacts: tuple[tuple[str, str], ...]  # (channel, target): ("email", "oncall@agency…")


def tiers_due(started_at: datetime, now: datetime, waits: Sequence[timedelta],
              tiers: int) -> int:
    """How many tiers should have been called by `now` (0 before `started_at`).

    `waits[i]` is how long tier i has to acknowledge before tier i + 1 is called; a ladder longer
    than `waits` repeats its last wait. Tier k is called at started_at + waits[0] + … + waits[k-1].
    """
    if tiers <= 0 or now < started_at:
        return 0
    if not waits:
        return 1
    called, at = 1, started_at
    while called < tiers:
        at += waits[min(called - 1, len(waits) - 1)]
        if now < at:
            break
        called += 1
    return called


def next_call_at(started_at: datetime, waits: Sequence[timedelta], called: int,
                 tiers: int) -> datetime | None:
    """When the next tier is due, given `called` tiers so far; None at the top of the ladder."""
    if called >= tiers or not waits:
        return None
    at = started_at
    for i in range(called):
        at += waits[min(i, len(waits) - 1)]
    return at
