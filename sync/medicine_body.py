"""The medicine body's contract: frequency, dose, active ingredient, patch and PRN protocol fields.

A medicine travels (office database, feed, phone replica) as one JSON body. Besides the fields it
always had (id, service_user_id, name, form, strength, dose (display text), route, times,
support_level, time_critical, window_minutes, prn, controlled, instructions, start_date,
stop_date), these optional fields say how often it is due, how much, and what limits it shares.
A body without them is a daily medicine at its `times` with a fixed dose, as before.

    "frequency": {"kind": "daily"}
               | {"kind": "weekdays", "days": ["mon", "thu"]}
               | {"kind": "every_n_days", "every_days": 2, "from_date": "YYYY-MM-DD"}
               | {"kind": "weekly", "days": ["mon"]}          # exactly one day
               | {"kind": "every_hours", "every_hours": 72, "first_at": "<ISO time w/ offset>"}
      `times` give the local clock times for every kind but every_hours, which has none: its
      doses fall every N elapsed hours from `first_at` (a patch runs on real hours, so across a
      clock change the local time moves by an hour). `from_date` defaults to start_date.
    "course": {"doses": M}          # dose N of M, counted from the first dose on start_date
    "review_date": "YYYY-MM-DD"     # shown on the MAR; the medicine is still due after it
    "amount": {"kind": "fixed", "value": 1, "unit": "tablet"}
            | {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}
            | {"kind": "per_date", "unit": "mg", "by_date": {"YYYY-MM-DD": 3}}
      per_date: the office enters each date's dose; a date with none has no dose to give.
    "ingredient": {"name": "paracetamol", "mg_per_unit": 500, "max_mg_24h": 4000}
      Lines with the same ingredient name (case-insensitive) share the PRN minimum interval and a
      24 h maximum counted in mg (`max_mg_24h`, default DEFAULT_MAX_MG_24H for the name).
    "min_gap_hours": 4              # regular doses of this medicine: least time between two
    "patch": {"sites": ["left_upper_arm", ...]}   # a skin patch; sites to rotate (default all)
    "prn": {"reason_hint" | "indication": "...", "min_interval_hours": 4, "max_doses_24h": 4,
            "max_amount_24h": 8}    # max_amount_24h: units of `amount` in 24 h (optional)

`body_errors(body)` names what is wrong with these fields (never echoing values), for the console
to refuse a bad edit before it reaches a phone; the phone's rules read them in
fieldapp/domain/frequency.py, doses.py and spacing.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sync.codes import DoseKind, Frequency, PatchSite, Weekday

# Adult 24 h maxima by active ingredient, in mg, when a line does not set its own (BNF).
DEFAULT_MAX_MG_24H: Mapping[str, float] = {"paracetamol": 4000.0, "ibuprofen": 1200.0}
# A regular medicine's least gap between two doses when none is set (DOMAIN.md "Spacing").
DEFAULT_MIN_GAP_HOURS = 4.0
MAX_EVERY_DAYS = 366
MAX_EVERY_HOURS = 24 * 28
MAX_COURSE_DOSES = 10_000


def min_gap_hours(explicit: float | None, clock_minutes: Sequence[int],
                  every_hours: int | None, critical_window: int | None = None) -> float:
    """A regular medicine's least gap between two doses, in hours: its own `min_gap_hours`,
    else DEFAULT_MIN_GAP_HOURS, never more than the shortest gap between its daily times
    (minutes after midnight; wrapping to the next day) or its every-N-hours period. A
    time-critical medicine (`critical_window` minutes either side) keeps the shortest gap less
    both windows, so two doses each on time are never too close."""
    if explicit is not None:
        return float(explicit)
    gap = DEFAULT_MIN_GAP_HOURS
    if every_hours:
        return min(gap, float(every_hours))
    minutes = sorted(clock_minutes)
    if len(minutes) > 1:
        steps = [b - a for a, b in zip(minutes, minutes[1:], strict=False)]
        steps.append(minutes[0] + 24 * 60 - minutes[-1])
        shortest = min(steps) - 2 * (critical_window or 0)
        gap = max(0.0, min(gap, shortest / 60))
    return gap


def body_min_gap_hours(body: Mapping[str, Any]) -> float:
    """`min_gap_hours` for a medicine body (the office's checks)."""
    freq = body.get("frequency") or {}
    every = freq.get("every_hours") if freq.get("kind") == Frequency.EVERY_HOURS else None
    clock = [int(t[:2]) * 60 + int(t[3:5]) for t in body.get("times") or []]
    gap = body.get("min_gap_hours")
    window = int(body.get("window_minutes") or 30) if body.get("time_critical") else None
    return min_gap_hours(None if gap is None else float(gap), clock, every, window)


def ingredient_key(body: Mapping[str, Any]) -> str | None:
    """The active ingredient two lines share, normalised; None when the line names none."""
    found = body.get("ingredient")
    name = found.get("name") if isinstance(found, Mapping) else None
    return name.strip().casefold() or None if isinstance(name, str) else None


def body_errors(body: Mapping[str, Any]) -> list[str]:
    """What is wrong with a medicine body's frequency, course, amount, ingredient, patch and PRN
    amount fields (empty: fine). Messages name fields only."""
    errors: list[str] = []
    errors += _frequency_errors(body.get("frequency"), bool(body.get("times")))
    course = body.get("course")
    if course is not None and not (isinstance(course, Mapping) and _count(
            course.get("doses"), 1, MAX_COURSE_DOSES)):
        errors.append(f"course.doses must be a whole number from 1 to {MAX_COURSE_DOSES}")
    if body.get("review_date") is not None and not _is_date(body["review_date"]):
        errors.append("review_date must be a YYYY-MM-DD date")
    errors += _amount_errors(body.get("amount"))
    errors += _ingredient_errors(body.get("ingredient"))
    gap = body.get("min_gap_hours")
    if gap is not None and not _number(gap, 0, 24 * 7):
        errors.append("min_gap_hours must be a number of hours from 0 to 168")
    patch = body.get("patch")
    if patch is not None:
        sites = patch.get("sites") if isinstance(patch, Mapping) else None
        if sites is not None and not (isinstance(sites, list) and sites and all(
                s in PatchSite.__members__.values() for s in sites)):
            errors.append("patch.sites must list patch site codes")
    prn = body.get("prn")
    if isinstance(prn, Mapping) and prn.get("max_amount_24h") is not None \
            and not _number(prn["max_amount_24h"], 0, 1_000_000, low_open=True):
        errors.append("prn.max_amount_24h must be a number above 0")
    return errors


def _frequency_errors(freq: Any, has_times: bool) -> list[str]:
    if freq is None:
        return []
    if not isinstance(freq, Mapping) or freq.get("kind") not in Frequency.__members__.values():
        return ["frequency.kind must be one of " + ", ".join(Frequency)]
    kind = Frequency(freq["kind"])
    errors = []
    if kind is Frequency.EVERY_HOURS:
        if has_times:
            errors.append("times must be empty for an every_hours medicine")
        if not _count(freq.get("every_hours"), 1, MAX_EVERY_HOURS):
            errors.append(f"frequency.every_hours must be a whole number from 1 to "
                          f"{MAX_EVERY_HOURS}")
        if not _is_instant(freq.get("first_at")):
            errors.append("frequency.first_at must be an ISO 8601 time with its offset")
        return errors
    if not has_times:
        errors.append(f"times must list the clock times of a {kind.value} medicine")
    days = freq.get("days")
    if kind in (Frequency.WEEKDAYS, Frequency.WEEKLY):
        if not (isinstance(days, list) and days and len(set(days)) == len(days)
                and all(d in Weekday.__members__.values() for d in days)):
            errors.append("frequency.days must list weekday codes (mon ... sun)")
        elif kind is Frequency.WEEKLY and len(days) != 1:
            errors.append("frequency.days must hold exactly one day for a weekly medicine")
    if kind is Frequency.EVERY_N_DAYS:
        if not _count(freq.get("every_days"), 1, MAX_EVERY_DAYS):
            errors.append(f"frequency.every_days must be a whole number from 1 to "
                          f"{MAX_EVERY_DAYS}")
        if freq.get("from_date") is not None and not _is_date(freq["from_date"]):
            errors.append("frequency.from_date must be a YYYY-MM-DD date")
    return errors


def _amount_errors(amount: Any) -> list[str]:
    if amount is None:
        return []
    if not isinstance(amount, Mapping) or amount.get("kind") not in DoseKind.__members__.values():
        return ["amount.kind must be one of " + ", ".join(DoseKind)]
    kind = DoseKind(amount["kind"])
    errors = []
    if not isinstance(amount.get("unit"), str) or not amount["unit"].strip():
        errors.append("amount.unit must name the unit (tablet, ml, mg, units)")
    if kind is DoseKind.FIXED and not _number(amount.get("value"), 0, 1_000_000, low_open=True):
        errors.append("amount.value must be a number above 0")
    if kind is DoseKind.RANGE:
        low: Any = amount.get("min")
        high: Any = amount.get("max")
        if not (_number(low, 0, 1_000_000, low_open=True) and _number(high, 0, 1_000_000)
                and low <= high):
            errors.append("amount.min and amount.max must be numbers above 0, min <= max")
    if kind is DoseKind.PER_DATE:
        by_date = amount.get("by_date", {})
        if not isinstance(by_date, Mapping) or not all(
                _is_date(d) and _number(v, 0, 1_000_000) for d, v in by_date.items()):
            errors.append("amount.by_date must map YYYY-MM-DD dates to amounts")
    return errors


def _ingredient_errors(ingredient: Any) -> list[str]:
    if ingredient is None:
        return []
    if not isinstance(ingredient, Mapping) or not isinstance(ingredient.get("name"), str) \
            or not ingredient["name"].strip():
        return ["ingredient.name must name the active ingredient"]
    errors = []
    for name in ("mg_per_unit", "max_mg_24h"):
        if ingredient.get(name) is not None and not _number(ingredient[name], 0, 1_000_000,
                                                            low_open=True):
            errors.append(f"ingredient.{name} must be a number above 0")
    return errors


def _number(value: Any, low: float, high: float, *, low_open: bool = False) -> bool:
    if type(value) not in (int, float) or not math.isfinite(value):
        return False
    number = float(value)
    return (low < number if low_open else low <= number) and number <= high


def _count(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and len(value) == 10


def _is_instant(value: Any) -> bool:
    try:
        return isinstance(value, str) and datetime.fromisoformat(value).utcoffset() is not None
    except ValueError:
        return False
