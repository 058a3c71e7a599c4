"""Spacing and amounts: a regular medicine's minimum gap, limits shared by one active ingredient.

Public API:

- `min_gap(medicine) -> timedelta`: a regular medicine's least time between two doses.
- `SpacingDecision(allowed, reason, next_allowed_at, mg_last_24h)`.
- `spacing_check(medicine, at, mg, amount, medicines, history) -> SpacingDecision`.

Rules (doses are history records that count as a dose — given, taken, partial — from any worker,
up to `CLOCK_SKEW` after `at`, as in fieldapp/domain/prn.py):

- Regular gap: a scheduled medicine's dose less than `min_gap` after its previous dose is
  refused; exactly on it is allowed. `min_gap` is the line's `min_gap_hours`, else
  DEFAULT_MIN_GAP_HOURS (4 h), never more than the shortest gap between its own times (a
  Parkinson's medicine every 3 h keeps a 3 h gap) or its every-N-hours period.
- Same active ingredient (lines whose `ingredient.name` match, e.g. regular and PRN
  paracetamol): a dose of any of them less than the longest PRN minimum interval among them
  after the last dose of any of them is refused (without a PRN line, the lines' own gaps hold).
- 24 h maximum by amount: the mg of the ingredient in `(at - 24 h, at]`, this dose included, may
  not pass the smallest `max_mg_24h` of the lines (paracetamol: 4000 mg). A dose recorded without
  mg counts its line's largest possible dose (a range's max, a fixed value), so an unknown never
  opens the door to an overdose.
- A PRN line's `max_amount_24h` (units of its dose) is counted the same way on that line alone.

Messages never name the medicine; `next_allowed_at` is when the earliest block lifts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from fieldapp.domain.doses import DoseAmount, Ingredient
from fieldapp.domain.frequency import Schedule
from fieldapp.domain.prn import CLOCK_SKEW, ROLLING_WINDOW, PrnDose, PrnRules
from sync.codes import Frequency
from sync.medicine_body import min_gap_hours


# What the spacing rules read of a medicine and of its dose records (`Medicine` and
# `DoseRecord` in fieldapp.domain.mar): named here, so mar can build on this module.
class Medicine(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def times(self) -> tuple[time, ...]: ...
    @property
    def time_critical(self) -> bool: ...
    @property
    def window_minutes(self) -> int: ...
    @property
    def prn(self) -> PrnRules | None: ...
    @property
    def schedule(self) -> Schedule: ...
    @property
    def amount(self) -> DoseAmount: ...
    @property
    def ingredient(self) -> Ingredient | None: ...
    @property
    def min_gap_hours(self) -> float | None: ...
    @property
    def is_scheduled(self) -> bool: ...


class DoseRecord(PrnDose, Protocol):
    @property
    def amount(self) -> float | None: ...
    @property
    def mg(self) -> float | None: ...



def min_gap(medicine: Medicine) -> timedelta:
    """A regular medicine's least time between two doses (sync.medicine_body.min_gap_hours)."""
    every = medicine.schedule.every_hours \
        if medicine.schedule.kind is Frequency.EVERY_HOURS else None
    window = medicine.window_minutes if medicine.time_critical else None
    return timedelta(hours=min_gap_hours(
        medicine.min_gap_hours, [t.hour * 60 + t.minute for t in medicine.times], every,
        window))


@dataclass(frozen=True)
class SpacingDecision:
    """Whether a dose at a time keeps its spacing and amounts; `mg_last_24h` counts this one."""

    allowed: bool
    reason: str
    next_allowed_at: datetime | None
    mg_last_24h: float | None = None


def _largest_mg(line: Medicine) -> float | None:
    amount = line.amount
    units = amount.high if amount.is_range else amount.value
    if amount.per_date and amount.by_date:
        units = max(amount.by_date.values())
    return line.ingredient.mg(units, amount.unit) if line.ingredient else None


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def spacing_check(medicine: Medicine, at: datetime, mg: float | None, amount: float | None,
                  medicines: Sequence[Medicine], history: Iterable[DoseRecord]) -> SpacingDecision:
    """Decide whether a dose of `medicine` at `at` (of `mg` ingredient / `amount` units, if
    known) keeps every spacing and amount rule (see module)."""
    # Only this line's doses and those of lines sharing its ingredient matter: a year of the
    # person's history is filtered before it is sorted.
    name = medicine.ingredient.name if medicine.ingredient else None
    wanted = {medicine.id} | {m.id for m in medicines
                              if name and m.ingredient and m.ingredient.name == name}
    doses = sorted((r for r in history if r.medicine_id in wanted and r.outcome.counts_as_dose
                    and r.actual_at <= at + CLOCK_SKEW), key=lambda r: r.actual_at)
    blocks: list[tuple[datetime | None, str]] = []
    if medicine.is_scheduled:
        gap = min_gap(medicine)
        own = [r.actual_at for r in doses if r.medicine_id == medicine.id]
        if own and at < own[-1] + gap:
            blocks.append((own[-1] + gap, f"Too soon: at least {_hours(gap)} must pass between "
                                          "doses of this medicine."))
    total: float | None = None
    if medicine.ingredient is not None:
        name = medicine.ingredient.name
        lines = {m.id: m for m in medicines if m.ingredient and m.ingredient.name == name}
        lines[medicine.id] = medicine
        shared = [r for r in doses if r.medicine_id in lines]
        intervals = [m.prn.min_interval for m in lines.values() if m.prn is not None]
        if intervals and shared and len(lines) > 1:
            interval = max(intervals)
            last = shared[-1].actual_at
            if at < last + interval:
                blocks.append((last + interval, f"Too soon: this medicine is also on another "
                               f"line; at least {_hours(interval)} must pass between doses."))
        limits = [m.ingredient.max_mg_24h for m in lines.values()
                  if m.ingredient and m.ingredient.max_mg_24h is not None]
        if limits:
            most = min(limits)
            window = [(r.actual_at, r.mg if r.mg is not None else _largest_mg(lines[r.medicine_id])
                       or 0.0) for r in shared if r.actual_at > at - ROLLING_WINDOW]
            this = mg if mg is not None else (_smallest_mg(medicine) or 0.0)
            total = sum(x for _, x in window) + this
            if total > most:
                blocks.append((_frees_at(window, total - most), f"Limit reached: no more than "
                               f"{most:g} mg of this active ingredient in 24 hours, counting "
                               "every line it is on."))
    rules = medicine.prn
    if rules is not None and rules.max_amount_24h is not None:
        mine = [(r.actual_at, r.amount if r.amount is not None else (
                medicine.amount.high or medicine.amount.value or 1.0))
                for r in doses if r.medicine_id == medicine.id
                and r.actual_at > at - ROLLING_WINDOW]
        units = sum(x for _, x in mine) + (amount or medicine.amount.low
                                           or medicine.amount.value or 1.0)
        if units > rules.max_amount_24h:
            blocks.append((_frees_at(mine, units - rules.max_amount_24h), f"Limit reached: no "
                           f"more than {rules.max_amount_24h:g} {medicine.amount.unit or 'doses'}"
                           " in 24 hours."))
    if blocks:
        times = [t for t, _ in blocks]
        lifts = None if None in times else max(t for t in times if t is not None)
        return SpacingDecision(False, " ".join(m for _, m in blocks), lifts, total)
    return SpacingDecision(True, "", None, total)


def _smallest_mg(line: Medicine) -> float | None:
    amount = line.amount
    units = amount.low if amount.is_range else amount.value
    return line.ingredient.mg(units, amount.unit) if line.ingredient else None


def _frees_at(window: list[tuple[datetime, float]], excess: float) -> datetime | None:
    """When enough of the window has aged out (oldest first) to take off `excess`; None when
    this dose alone is over the limit."""
    freed = 0.0
    for when, value in sorted(window):
        freed += value
        if freed >= excess:
            return when + ROLLING_WINDOW
    return None
