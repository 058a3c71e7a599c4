"""How much of a medicine to give: fixed, a range the worker records, or set per date.

Public API:

- `DoseAmount` (frozen): `kind` (sync.codes.DoseKind), `unit`, `value` (fixed), `low`/`high`
  (range), `by_date` (per date); `DoseAmount.from_body(body)`; `.for_date(day)` the amount
  to give that day (None: a range, the worker says, or no dose set); `.describe(day)` the words
  a MAR shows; `.amount_given(outcome_counts, amount, day)` checks and returns what was given.
- `Ingredient(name, mg_per_unit, max_mg_24h)` with `Ingredient.from_body(body)` and
  `.mg(amount, unit)`: the active ingredient in an amount, for the 24 h maximum by amount.
- `NO_DOSE_SET`: what the phone shows for a per-date dose with nothing entered for the day.

Rules: a fixed dose records its value (or less, for a partial dose). A range dose needs the
amount given and refuses one outside [low, high] (a partial dose: above 0, up to high). A per-date
dose gives that date's amount (the local date of the scheduled time); with none entered nothing
counts as given (refused: "no dose set for today") while other outcomes (withheld, other...) stay
recordable. A body without `amount` is a fixed dose with no number (the old "dose" text only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.errors import RuleViolation
from sync.codes import DoseKind
from sync.medicine_body import DEFAULT_MAX_MG_24H, body_errors, ingredient_key

NO_DOSE_SET = "No dose set for today — the office has been told."


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class DoseAmount:
    """A medicine's dose: how its amount is set, in what unit."""

    kind: DoseKind = DoseKind.FIXED
    unit: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None
    by_date: Mapping[date, float] = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> DoseAmount:
        errors = [e for e in body_errors(body) if e.startswith("amount")]
        if errors:
            raise RuleViolation("A medicine's dose is not valid: " + "; ".join(errors))
        data = body.get("amount")
        if not data:
            return cls()
        return cls(
            kind=DoseKind(data["kind"]), unit=str(data["unit"]).strip(),
            value=_opt(data.get("value")), low=_opt(data.get("min")),
            high=_opt(data.get("max")),
            by_date={date.fromisoformat(d): float(v)
                     for d, v in (data.get("by_date") or {}).items()},
        )

    @property
    def is_range(self) -> bool:
        return self.kind is DoseKind.RANGE

    @property
    def per_date(self) -> bool:
        return self.kind is DoseKind.PER_DATE

    def for_date(self, day: date) -> float | None:
        if self.kind is DoseKind.PER_DATE:
            return self.by_date.get(day)
        return self.value if self.kind is DoseKind.FIXED else None

    def missing_on(self, day: date) -> bool:
        """True when the dose is set per date and none is entered for `day`."""
        return self.kind is DoseKind.PER_DATE and day not in self.by_date

    def describe(self, day: date | None = None) -> str:
        """"2 tablet", "1 to 2 tablet", "3 mg (set for today)" or NO_DOSE_SET; "" when the body
        has no amount (its "dose" text stands)."""
        if self.kind is DoseKind.RANGE and self.low is not None and self.high is not None:
            return f"{_num(self.low)} to {_num(self.high)} {self.unit}"
        if self.kind is DoseKind.PER_DATE:
            today = self.by_date.get(day) if day else None
            return NO_DOSE_SET if today is None else f"{_num(today)} {self.unit} (set for the day)"
        return "" if self.value is None else f"{_num(self.value)} {self.unit}"

    def amount_given(self, counts_as_dose: bool, partial: bool, amount: float | None,
                     day: date) -> float | None:
        """The amount this outcome records (None: nothing given or no number known); raise
        RuleViolation for an amount the dose does not allow."""
        if amount is not None and (isinstance(amount, bool) or not 0 <= amount <= 1_000_000):
            raise RuleViolation("The amount given must be a number from 0.")
        if not counts_as_dose:
            return None
        if self.kind is DoseKind.PER_DATE and self.missing_on(day):
            raise RuleViolation(NO_DOSE_SET)
        if self.kind is DoseKind.RANGE:
            assert self.low is not None and self.high is not None
            if amount is None:
                raise RuleViolation(f"Record how much was given ({self.describe()}).")
            fits = 0 < amount <= self.high if partial else self.low <= amount <= self.high
            if not fits:
                raise RuleViolation(f"The amount given must be within the prescribed dose "
                                    f"({self.describe()}).")
            return float(amount)
        set_amount = self.for_date(day)
        if set_amount is None:
            return None if amount is None else float(amount)
        if amount is None:
            return set_amount
        if partial and 0 < amount <= set_amount or not partial and amount == set_amount:
            return float(amount)
        raise RuleViolation(f"The dose for this day is {_num(set_amount)} {self.unit}; "
                            "record that amount (or 'partly taken' for less).")


@dataclass(frozen=True)
class Ingredient:
    """A line's active ingredient, for limits shared by every line that holds it."""

    name: str  # normalised: what two lines compare
    mg_per_unit: float | None = None
    max_mg_24h: float | None = None  # None: no maximum by amount known

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Ingredient | None:
        key = ingredient_key(body)
        if key is None:
            return None
        data = body["ingredient"]
        most = data.get("max_mg_24h")
        return cls(key, _opt(data.get("mg_per_unit")),
                   float(most) if most is not None else DEFAULT_MAX_MG_24H.get(key))

    def mg(self, amount: float | None, unit: str) -> float | None:
        """The mg of the ingredient in `amount` of `unit`; None when it cannot be known."""
        if amount is None:
            return None
        if self.mg_per_unit is not None:
            return amount * self.mg_per_unit
        return amount if unit.casefold() == "mg" else None


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)
