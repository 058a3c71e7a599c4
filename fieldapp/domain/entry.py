"""Parsing what a worker types: plain-English errors, nothing personal in them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from fieldapp.errors import RuleViolation

TIME_HINT = "Type the time as HH:MM, for example 08:10."


def clock_time_today(raw: str, now: datetime, tz: tzinfo) -> datetime | None:
    """"08:10" (or "8.10") as that time today in the agency's zone; blank means None (now)."""
    text = raw.strip()
    if not text:
        return None
    try:
        hh, mm = (int(x) for x in text.replace(".", ":").split(":"))
        return now.astimezone(tz).replace(hour=hh, minute=mm, second=0, microsecond=0)
    except ValueError:
        raise RuleViolation(TIME_HINT) from None
