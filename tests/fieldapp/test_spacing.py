"""Spacing and amounts (fieldapp/domain/spacing.py): the regular gap, paracetamol on two lines
(shared PRN interval, 4 g in 24 h counted in mg), a PRN line's own amount limit, offline with
other workers' synced doses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from fieldapp.domain.mar import DoseRecord, DueDose, Medicine, Outcome, validate_dose
from fieldapp.domain.spacing import min_gap, spacing_check
from fieldapp.errors import RuleViolation
from tests.fieldapp.meds import at, medicine

PARA = {"name": "paracetamol", "mg_per_unit": 500}
REGULAR = medicine(id="para-reg", name="Paracetamol", times=["08:00", "12:00", "16:00", "20:00"],
                   amount={"kind": "fixed", "value": 2, "unit": "tablet"}, ingredient=PARA)
PRN = medicine(id="para-prn", name="Paracetamol", times=[],
               prn={"min_interval_hours": 4, "max_doses_24h": 4, "indication": "pain"},
               amount={"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
               ingredient={"name": "Paracetamol", "mg_per_unit": 500})
LINES = [REGULAR, PRN]


def dose(med: Medicine, when: datetime, mg: float | None = 1000.0, worker: str = "w2",
         outcome: Outcome = Outcome.GIVEN, amount: float | None = None) -> DoseRecord:
    scheduled = when if med.is_scheduled else None
    return DoseRecord(med.id, scheduled, outcome, when, worker, mg=mg, amount=amount)


def test_the_regular_gap_defaults_to_4_hours_or_the_shortest_gap_between_its_times() -> None:
    assert min_gap(REGULAR) == timedelta(hours=4)
    assert min_gap(medicine(times=["08:00", "11:00", "14:00"])) == timedelta(hours=3)
    assert min_gap(medicine(times=["08:00"])) == timedelta(hours=4)
    assert min_gap(medicine(times=["08:00"], min_gap_hours=20)) == timedelta(hours=20)


def test_regular_doses_keep_their_gap_across_visits_and_workers() -> None:
    # The morning dose was late (09:00, another worker); the noon dose at 12:30 is too soon.
    history = [dose(REGULAR, at("2026-06-01T08:00:00"))]  # 09:00 BST
    blocked = spacing_check(REGULAR, at("2026-06-01T11:30:00"), 1000, 2, LINES, history)
    assert not blocked.allowed and "at least 4 hours" in blocked.reason
    assert blocked.next_allowed_at == at("2026-06-01T12:00:00")
    assert spacing_check(REGULAR, at("2026-06-01T12:00:00"), 1000, 2, LINES, history).allowed
    # A refused dose does not count.
    refused = [dose(REGULAR, at("2026-06-01T08:00:00"), outcome=Outcome.REFUSED)]
    assert spacing_check(REGULAR, at("2026-06-01T09:00:00"), 1000, 2, LINES, refused).allowed


def test_prn_paracetamol_an_hour_after_the_regular_dose_is_refused() -> None:
    history = [dose(REGULAR, at("2026-06-01T07:00:00"))]
    blocked = spacing_check(PRN, at("2026-06-01T08:00:00"), 500, 1, LINES, history)
    assert not blocked.allowed and "also on another line" in blocked.reason
    assert blocked.next_allowed_at == at("2026-06-01T11:00:00")
    # ... and a regular dose an hour after a PRN one, the other way round.
    history = [dose(PRN, at("2026-06-01T10:00:00"), mg=500)]
    assert not spacing_check(REGULAR, at("2026-06-01T11:00:00"), 1000, 2, LINES,
                             history).allowed


def test_four_grams_in_24_hours_counted_by_amount_over_both_lines() -> None:
    base = at("2026-06-01T07:00:00")
    history = [dose(REGULAR, base + timedelta(hours=h)) for h in (0, 4, 8)]  # 3000 mg
    ok = spacing_check(PRN, base + timedelta(hours=12), 1000, 2, LINES, history)
    assert ok.allowed and ok.mg_last_24h == 4000
    history.append(dose(PRN, base + timedelta(hours=12), mg=1000))
    over = spacing_check(REGULAR, base + timedelta(hours=16), 1000, 2, LINES, history)
    assert not over.allowed and "4000 mg" in over.reason and over.mg_last_24h == 5000
    # 1000 mg must age out: the first dose, 24 h after it.
    assert over.next_allowed_at == base + timedelta(hours=24)
    # Exactly 24 h after the first dose it no longer counts (half-open window).
    assert spacing_check(REGULAR, base + timedelta(hours=24), 1000, 2, LINES, history).allowed


def test_a_synced_dose_without_mg_counts_its_lines_largest_dose() -> None:
    base = at("2026-06-01T07:00:00")
    history = [dose(PRN, base + timedelta(hours=h), mg=None) for h in (0, 4, 8, 12)]
    # 4 x up to 1000 mg: a fifth gram is refused (the PRN interval alone would allow it).
    check = spacing_check(PRN, base + timedelta(hours=16), 500, 1, [PRN], history)
    assert not check.allowed and "4000 mg" in check.reason


def test_a_prn_lines_own_maximum_by_amount() -> None:
    oramorph = medicine(id="oramorph", name="Oramorph", times=[],
                        prn={"min_interval_hours": 2, "max_doses_24h": 6, "max_amount_24h": 20},
                        amount={"kind": "range", "min": 2.5, "max": 5, "unit": "ml"})
    base = at("2026-06-01T07:00:00")
    history = [dose(oramorph, base + timedelta(hours=h), mg=None, amount=5) for h in (0, 2, 4)]
    assert spacing_check(oramorph, base + timedelta(hours=6), None, 5, [oramorph],
                         history).allowed
    history.append(dose(oramorph, base + timedelta(hours=6), mg=None, amount=5))
    blocked = spacing_check(oramorph, base + timedelta(hours=8), None, 2.5, [oramorph], history)
    assert not blocked.allowed and "20 ml in 24 hours" in blocked.reason
    assert blocked.next_allowed_at == base + timedelta(hours=24)


def give(med: Medicine, when: datetime, history: list[DoseRecord], **extra: Any) -> DoseRecord:
    target = DueDose(med, when) if med.is_scheduled else med
    return validate_dose(target, "given" if med.support_level == "administer" else "taken",
                         "pain" if med.is_prn else None, when, None, when, history,
                         worker_id="w1", medicines=LINES, **extra).record


def test_validate_dose_refuses_what_spacing_refuses_and_keeps_the_mg() -> None:
    history = [dose(REGULAR, at("2026-06-01T07:00:00"))]
    with pytest.raises(RuleViolation, match="also on another line"):
        give(PRN, at("2026-06-01T08:00:00"), history, amount=1)
    record = give(PRN, at("2026-06-01T11:00:00"), history, amount=1)
    assert (record.amount, record.mg) == (1.0, 500.0)


def test_a_time_critical_medicines_gap_leaves_room_for_both_windows() -> None:
    # Co-careldopa 09:00 and 13:00, +/- 30 min: 09:29 then 12:31 are both on time.
    careldopa = medicine(times=["09:00", "13:00"], time_critical=True, window_minutes=30)
    assert min_gap(careldopa) == timedelta(hours=3)
    history = [dose(careldopa, at("2026-06-01T08:29:00"))]
    assert spacing_check(careldopa, at("2026-06-01T11:31:00"), None, None, [careldopa],
                         history).allowed
