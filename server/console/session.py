"""How long a console sign-in lasts: an idle timeout and an absolute lifetime.

Every event the browser sends (a click, typing, a route change) is an action. The first
action after the session has been idle for `idle` (or has lasted `lifetime` since sign-in) is
not carried out: the coordinator is signed out and lands on the sign-in page with a plain
message. Between actions a watcher signs out an expired session too, so a screen left open on
a desk does not keep showing records.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.clock import Clock

IDLE_DEFAULT = timedelta(minutes=15)
LIFETIME_DEFAULT = timedelta(hours=12)
# What the browser sends without anyone doing anything: not an action.
PASSIVE_EVENTS = frozenset({"resize", "resized", "media_change", "app_lifecycle_state_change",
                            "platform_brightness_change", "connect", "disconnect", "close",
                            "multi_view_add", "multi_view_remove", "error"})
WATCH_EVERY_S = 5.0


def duration_words(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60} hours"
    if minutes >= 1:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    seconds = int(d.total_seconds())
    return f"{seconds} second{'s' if seconds != 1 else ''}"


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta = IDLE_DEFAULT
    lifetime: timedelta = LIFETIME_DEFAULT

    def idle_message(self) -> str:
        return (f"You were signed out after {duration_words(self.idle)} without activity. "
                "Sign in again to carry on.")

    def lifetime_message(self) -> str:
        return (f"You were signed out because a sign-in lasts at most "
                f"{duration_words(self.lifetime)}. Sign in again to carry on.")


@dataclass
class SessionTimes:
    """When this page's coordinator signed in and last did something."""

    signed_in_at: datetime
    last_action_at: datetime

    def expired(self, rules: SessionRules, now: datetime) -> str | None:
        """Why the session is over at `now` (the message to show), or None while it lasts."""
        if now - self.signed_in_at >= rules.lifetime:
            return rules.lifetime_message()
        if now - self.last_action_at >= rules.idle:
            return rules.idle_message()
        return None


Dispatch = Callable[[int, str, Any], Awaitable[None]]


def guard_events(session: Any, clock: Clock, times: Callable[[], SessionTimes | None],
                 rules: SessionRules, end: Callable[[str], None], *,
                 lets_through: Callable[[str], bool]) -> None:
    """Check the session before the page's `session` carries out any event the browser sends.

    `times()` is the signed-in session's times (None: nobody is signed in); `end(message)` signs
    out and shows the sign-in page. An event that `lets_through` (a route change) still runs
    after the sign-out, so the address bar and the page agree."""
    inner: Dispatch = session.dispatch_event

    async def dispatch(control_id: int, event_name: str, event_data: Any) -> None:
        current = times()
        if current is not None and event_name not in PASSIVE_EVENTS:
            now = clock.now()
            why = current.expired(rules, now)
            if why is not None:
                end(why)
                if not lets_through(event_name):
                    return
            else:
                current.last_action_at = now
        await inner(control_id, event_name, event_data)

    session.dispatch_event = dispatch


async def watch(clock: Clock, times: Callable[[], SessionTimes | None], rules: SessionRules,
                end: Callable[[str], None], alive: Callable[[], bool]) -> None:
    """Sign out an expired session between actions (checks every few seconds)."""
    every = min(WATCH_EVERY_S, max(0.5, rules.idle.total_seconds() / 4))
    while alive():
        await asyncio.sleep(every)
        current = times()
        if current is None:
            continue
        why = current.expired(rules, clock.now())
        if why is not None:
            end(why)
