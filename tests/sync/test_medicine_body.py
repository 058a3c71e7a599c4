"""The medicine body's contract (sync/medicine_body.py): what the console may write."""

from __future__ import annotations

from typing import Any

import pytest

from sync.medicine_body import body_errors, ingredient_key

GOOD: list[dict[str, Any]] = [
    {"times": ["08:00"]},
    {"times": ["08:00"], "frequency": {"kind": "weekly", "days": ["mon"]},
     "amount": {"kind": "fixed", "value": 2.5, "unit": "mg"}},
    {"times": ["08:00", "20:00"], "frequency": {"kind": "every_n_days", "every_days": 2,
                                                "from_date": "2026-12-01"},
     "course": {"doses": 14}, "review_date": "2026-12-08"},
    {"times": [], "frequency": {"kind": "every_hours", "every_hours": 72,
                                "first_at": "2026-12-05T09:00:00+00:00"},
     "patch": {"sites": ["left_chest", "right_chest"]}},
    {"times": ["18:00"], "amount": {"kind": "per_date", "unit": "mg",
                                    "by_date": {"2026-12-05": 3}}},
    {"prn": {"min_interval_hours": 4, "max_doses_24h": 4, "max_amount_24h": 8},
     "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
     "ingredient": {"name": " Paracetamol ", "mg_per_unit": 500}, "min_gap_hours": 4},
]


@pytest.mark.parametrize("body", GOOD)
def test_bodies_the_console_writes_are_valid(body: dict[str, Any]) -> None:
    assert body_errors(body) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"times": ["08:00"], "frequency": {"kind": "weekly", "days": []}}, "frequency.days"),
    ({"times": ["08:00"], "frequency": {"kind": "every_n_days", "every_days": 2,
                                        "from_date": "1/12/2026"}}, "frequency.from_date"),
    ({"times": [], "frequency": {"kind": "every_hours", "every_hours": 0,
                                 "first_at": "2026-12-05T09:00:00Z"}}, "frequency.every_hours"),
    ({"amount": {"kind": "range", "min": 2, "max": 1, "unit": "tablet"}}, "amount.min"),
    ({"amount": {"kind": "fixed", "value": 0, "unit": "tablet"}}, "amount.value"),
    ({"amount": {"kind": "fixed", "value": 1}}, "amount.unit"),
    ({"amount": {"kind": "per_date", "unit": "mg", "by_date": {"today": 3}}},
     "amount.by_date"),
    ({"ingredient": {"name": ""}}, "ingredient.name"),
    ({"ingredient": {"name": "paracetamol", "max_mg_24h": -1}}, "ingredient.max_mg_24h"),
    ({"patch": {"sites": ["forehead"]}}, "patch.sites"),
    ({"min_gap_hours": "4"}, "min_gap_hours"),
    ({"review_date": "soon"}, "review_date"),
    ({"prn": {"max_amount_24h": 0}}, "prn.max_amount_24h"),
])
def test_each_bad_field_is_named_without_its_value(body: dict[str, Any], field: str) -> None:
    errors = body_errors(body)
    assert errors and all(e.startswith(field) for e in errors), errors
    assert not any("forehead" in e or "soon" in e for e in errors)


def test_two_lines_share_an_ingredient_whatever_its_case() -> None:
    assert ingredient_key({"ingredient": {"name": " Paracetamol "}}) == "paracetamol"
    assert ingredient_key({}) is None and ingredient_key({"ingredient": {"name": " "}}) is None


def test_the_office_counts_due_doses_by_the_same_schedule() -> None:
    # server/missed_doses.py reads bodies through due_between: a weekly time-critical
    # medicine is due on its day only, a PRN one never, a 72 h patch on real hours.
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sync.schedule import due_between

    london = ZoneInfo("Europe/London")
    lo = datetime(2026, 3, 23, tzinfo=UTC)
    hi = datetime(2026, 4, 1, tzinfo=UTC)
    weekly = {"times": ["08:00"], "start_date": "2026-01-01",
              "frequency": {"kind": "weekly", "days": ["mon"]}}
    assert due_between(weekly, lo, hi, london) == [datetime(2026, 3, 23, 8, tzinfo=UTC),
                                                   datetime(2026, 3, 30, 7, tzinfo=UTC)]
    assert due_between({**weekly, "prn": {"min_interval_hours": 4}}, lo, hi, london) == []
    patch = {"times": [], "start_date": "2026-03-27", "frequency": {
        "kind": "every_hours", "every_hours": 72, "first_at": "2026-03-27T09:00:00+00:00"}}
    assert due_between(patch, lo, hi, london) == [datetime(2026, 3, 27, 9, tzinfo=UTC),
                                                  datetime(2026, 3, 30, 9, tzinfo=UTC)]
