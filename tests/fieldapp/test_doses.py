"""Doses (fieldapp/domain/doses.py) and patches (patches.py) through validate_dose: fixed, range,
per-date (warfarin by INR), the active ingredient in mg, patch site rotation and removal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from fieldapp.domain.doses import NO_DOSE_SET
from fieldapp.domain.mar import DoseRecord, DueDose, Medicine, Outcome, validate_dose
from fieldapp.domain.patches import next_site
from fieldapp.errors import RuleViolation
from sync.codes import PatchSite
from tests.fieldapp.meds import at, medicine

NOW = at("2026-03-30T08:05:00")


def give(med: Medicine, outcome: str = "taken", *, when: datetime = NOW,
         history: list[DoseRecord] | None = None, **extra: Any) -> DoseRecord:
    due = DueDose(med, when.replace(minute=0))
    return validate_dose(due, outcome, "reason" if outcome not in ("given", "taken") else None,
                         when, None, when, history or [], worker_id="w1", **extra).record


RANGE = {"kind": "range", "min": 1, "max": 2, "unit": "tablet"}
PARACETAMOL = {"name": "Paracetamol", "mg_per_unit": 500}


def test_a_range_dose_records_the_amount_and_its_mg() -> None:
    med = medicine(amount=RANGE, ingredient=PARACETAMOL)
    record = give(med, amount=2)
    assert (record.amount, record.mg) == (2.0, 1000.0)
    assert give(med, amount=1).mg == 500.0
    assert med.amount.describe() == "1 to 2 tablet"
    assert med.ingredient is not None and med.ingredient.max_mg_24h == 4000.0


@pytest.mark.parametrize(("outcome", "amount", "words"), [
    ("taken", None, "Record how much"),
    ("taken", 3, "within the prescribed dose"),
    ("taken", 0.5, "within the prescribed dose"),
    ("partial", 0, "within the prescribed dose"),
    ("partial", 2.5, "within the prescribed dose"),
])
def test_a_range_dose_outside_the_range_is_refused(outcome: str, amount: float | None,
                                                   words: str) -> None:
    with pytest.raises(RuleViolation, match=words):
        give(medicine(amount=RANGE), outcome, amount=amount)


def test_a_partial_range_dose_may_be_below_the_range_and_refusals_carry_no_amount() -> None:
    assert give(medicine(amount=RANGE), "partial", amount=0.5).amount == 0.5
    assert give(medicine(amount=RANGE), "refused").amount is None


def test_a_fixed_dose_fills_in_its_amount() -> None:
    med = medicine(amount={"kind": "fixed", "value": 2, "unit": "tablet"},
                   ingredient={"name": "paracetamol", "mg_per_unit": 500})
    assert (give(med).amount, give(med).mg) == (2.0, 1000.0)
    with pytest.raises(RuleViolation, match="record that amount"):
        give(med, amount=3)


WARFARIN: dict[str, Any] = {"kind": "per_date", "unit": "mg",
                            "by_date": {"2026-03-30": 3, "2026-03-31": 2.5}}


def test_a_per_date_dose_gives_that_dates_amount() -> None:
    med = medicine(name="Warfarin", times=["18:00"], amount=WARFARIN)
    evening = at("2026-03-30T17:05:00")  # 18:00 BST
    record = give(med, when=evening)
    assert record.amount == 3.0 and record.mg is None
    assert med.amount.describe(evening.date()) == "3 mg (set for the day)"
    with pytest.raises(RuleViolation, match="The dose for this day is 3 mg"):
        give(med, when=evening, amount=2.5)


def test_a_per_date_dose_with_none_entered_has_nothing_to_give() -> None:
    med = medicine(name="Warfarin", times=["18:00"], amount=WARFARIN)
    april = at("2026-04-01T17:05:00")
    assert med.amount.missing_on(april.date())
    assert med.amount.describe(april.date()) == NO_DOSE_SET
    for outcome in ("taken", "partial"):
        with pytest.raises(RuleViolation, match="No dose set for today"):
            give(med, outcome, when=april)
    assert give(med, "withheld", when=april).amount is None  # still answerable


def test_the_date_is_the_local_date_of_the_scheduled_dose() -> None:
    # 23:30 BST on 30 March is 22:30 UTC: the 30th's dose, not the 31st's.
    med = medicine(name="Insulin", times=["23:30"], amount={
        "kind": "per_date", "unit": "units", "by_date": {"2026-03-30": 12}})
    due = DueDose(med, at("2026-03-30T22:30:00"))
    record = validate_dose(due, "taken", None, at("2026-03-30T22:35:00"), None,
                           at("2026-03-30T22:35:00"), [], worker_id="w1")
    assert record.record.amount == 12.0


def patch(**extra: Any) -> Medicine:
    return medicine(name="Buprenorphine", times=[], start_date="2026-03-27", frequency={
        "kind": "every_hours", "every_hours": 72, "first_at": "2026-03-27T09:00:00+00:00"},
        patch={"sites": ["left_upper_arm", "right_upper_arm", "left_chest"]}, **extra)


def applied(site: str, when: datetime) -> DoseRecord:
    return DoseRecord("med-1", when, Outcome.TAKEN, when, "w2", patch_site=site)


def test_a_patch_records_its_site_and_the_old_one_removed() -> None:
    first = give(patch(), patch_site="left_upper_arm")
    assert first.patch_site == "left_upper_arm"
    history = [applied("left_upper_arm", NOW - timedelta(hours=72))]
    with pytest.raises(RuleViolation, match="Take the old patch off"):
        give(patch(), history=history, patch_site="right_upper_arm")
    with pytest.raises(RuleViolation, match="different site.*Right upper arm"):
        give(patch(), history=history, patch_site="left_upper_arm", old_patch_removed=True)
    with pytest.raises(RuleViolation, match="Say where"):
        give(patch(), history=history, old_patch_removed=True)
    with pytest.raises(RuleViolation, match="not one of"):
        give(patch(), history=history, patch_site="left_thigh", old_patch_removed=True)
    assert give(patch(), history=history, patch_site="left_chest",
                old_patch_removed=True).patch_site == "left_chest"


def test_sites_rotate_to_the_one_used_longest_ago() -> None:
    sites = [PatchSite.LEFT_UPPER_ARM, PatchSite.RIGHT_UPPER_ARM, PatchSite.LEFT_CHEST]
    history = [applied("right_upper_arm", NOW - timedelta(hours=144)),
               applied("left_upper_arm", NOW - timedelta(hours=72))]
    assert next_site(sites, history, "med-1") is PatchSite.LEFT_CHEST
    history.append(applied("left_chest", NOW))
    assert next_site(sites, history, "med-1") is PatchSite.RIGHT_UPPER_ARM
