"""As-needed (PRN) medicine limits: minimum interval between doses and maximum doses in 24 hours.

Public API (re-exported by `fieldapp.domain.mar`):

- `PrnRules(reason_hint, min_interval_hours, max_doses_24h, max_amount_24h)`: the prescriber's
  protocol (the indication is `reason_hint`; a body may call it `indication`);
  `PrnRules.from_dict(data)`. `max_amount_24h` (units of the dose, optional) is enforced with
  the active ingredient's mg maximum in fieldapp/domain/spacing.py.
- `PrnDecision(allowed, reason, next_allowed_at, doses_last_24h)`: the answer to
  "may a dose be given at `now`?".
- `prn_check(medicine, now, history, *, tz=None) -> PrnDecision`.

Rules, with exact boundaries (doses are the history records of this medicine whose outcome
counts as a dose — given, taken or partial — from any worker):

- Interval: a dose exactly `min_interval_hours` after the last dose is allowed; one second sooner
  is refused.
- 24 hours: the window is rolling and half-open, `(now - 24 h, now]`. A dose given exactly 24 h
  before `now` no longer counts. With `max_doses_24h` doses already in the window, another one is
  refused.
- Doses recorded later than `now + CLOCK_SKEW` are ignored: the question is about `now`, and a
  record can never be made for the future. Doses up to `CLOCK_SKEW` ahead (another phone's clock
  running fast) still count, so a skewed clock cannot open the door to a double dose.
- A medicine that has stopped, or has not started, on the local date of `now` is refused; the
  local date is taken in `tz` (default Europe/London).

`fieldapp.domain.mar.validate_dose` calls `prn_check` at the dose's actual time and refuses the
record when it is not allowed: the app refuses rather than warns, offline too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fieldapp.errors import RuleViolation, reading

AGENCY_TZ_NAME = "Europe/London"
ROLLING_WINDOW = timedelta(hours=24)
# Phones' clocks drift; a record this far "ahead" is still treated as already given.
CLOCK_SKEW = timedelta(minutes=2)
MAX_INTERVAL_HOURS = 168.0


@dataclass(frozen=True)
class PrnRules:
    """A PRN prescription's limits, as written on the MAR."""

    reason_hint: str
    min_interval_hours: float
    max_doses_24h: int
    max_amount_24h: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_interval_hours <= MAX_INTERVAL_HOURS:
            raise RuleViolation(
                f"A PRN minimum interval must be between 0 and {MAX_INTERVAL_HOURS:g} hours."
            )
        if isinstance(self.max_doses_24h, bool) or self.max_doses_24h < 1:
            raise RuleViolation("A PRN medicine must allow at least 1 dose in 24 hours.")
        if self.max_amount_24h is not None and not self.max_amount_24h > 0:
            raise RuleViolation("A PRN medicine's 24-hour maximum amount must be above 0.")

    @property
    def min_interval(self) -> timedelta:
        return timedelta(hours=self.min_interval_hours)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrnRules:
        with reading("A PRN medicine", "A PRN medicine's limits are not numbers."):
            most = data.get("max_amount_24h")
            return cls(
                reason_hint=str(data.get("reason_hint") or data.get("indication") or ""),
                min_interval_hours=float(data["min_interval_hours"]),
                max_doses_24h=int(data["max_doses_24h"]),
                max_amount_24h=None if most is None else float(most),
            )


# What the PRN rules read of a medicine and of its dose records (`Medicine` and `DoseRecord`
# in fieldapp.domain.mar): named here, so mar can build on this module without a circle.


class PrnMedicine(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def prn(self) -> PrnRules | None: ...
    def is_active_on(self, day: date) -> bool: ...


class _DoseOutcome(Protocol):
    @property
    def counts_as_dose(self) -> bool: ...


class PrnDose(Protocol):
    @property
    def medicine_id(self) -> str: ...
    @property
    def outcome(self) -> _DoseOutcome: ...
    @property
    def actual_at(self) -> datetime: ...


@dataclass(frozen=True)
class PrnDecision:
    """Whether a PRN dose may be given now; `next_allowed_at` is None when allowed or never."""

    allowed: bool
    reason: str
    next_allowed_at: datetime | None
    doses_last_24h: int


def prn_check(
    medicine: PrnMedicine,
    now: datetime,
    history: Iterable[PrnDose],
    *,
    tz: tzinfo | None = None,
) -> PrnDecision:
    """Decide whether a dose of a PRN `medicine` may be given at `now` (see module rules)."""
    rules = medicine.prn
    if rules is None:
        raise RuleViolation("This medicine is not an as-needed (PRN) medicine.")
    if now.tzinfo is None:
        raise RuleViolation("The time to check must include a timezone.")
    if not medicine.is_active_on(now.astimezone(tz or ZoneInfo(AGENCY_TZ_NAME)).date()):
        return PrnDecision(False, "This medicine is not prescribed for today.", None, 0)

    doses = sorted(
        r.actual_at
        for r in history
        if r.medicine_id == medicine.id
        and r.outcome.counts_as_dose
        and r.actual_at <= now + CLOCK_SKEW
    )
    in_window = [t for t in doses if t > now - ROLLING_WINDOW]
    count = len(in_window)
    blocks: list[tuple[datetime, str]] = []
    if doses and now < doses[-1] + rules.min_interval:
        blocks.append((
            doses[-1] + rules.min_interval,
            f"Too soon: at least {_hours(rules.min_interval_hours)} must pass between doses.",
        ))
    if count >= rules.max_doses_24h:
        # The window drops doses oldest first; once enough have aged out, one more fits.
        frees_at = in_window[count - rules.max_doses_24h] + ROLLING_WINDOW
        blocks.append((
            frees_at,
            f"Limit reached: no more than {_doses(rules.max_doses_24h)} in 24 hours.",
        ))
    if blocks:
        return PrnDecision(
            allowed=False,
            reason=" ".join(message for _, message in blocks),
            next_allowed_at=max(at for at, _ in blocks),
            doses_last_24h=count,
        )
    return PrnDecision(
        allowed=True,
        reason=f"Allowed: {count} of {_doses(rules.max_doses_24h)} given in the last 24 hours.",
        next_allowed_at=None,
        doses_last_24h=count,
    )


def _hours(hours: float) -> str:
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def _doses(count: int) -> str:
    return f"{count} dose" + ("" if count == 1 else "s")
