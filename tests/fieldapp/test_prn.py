"""PRN limits: minimum interval and rolling 24-hour maximum, at their exact boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldapp.domain.mar import DoseRecord, Medicine, Outcome, validate_dose
from fieldapp.domain.prn import PrnRules, prn_check
from fieldapp.errors import RuleViolation
from tests.fieldapp.meds import at, medicine

SECOND = timedelta(seconds=1)


def prn_medicine(**overrides: Any) -> Medicine:
    paracetamol: dict[str, Any] = {
        "id": "med-para", "name": "Paracetamol", "strength": "500mg", "dose": "2 tablets",
        "times": [], "support_level": "administer",
        "prn": {"reason_hint": "pain", "min_interval_hours": 4, "max_doses_24h": 4},
    }
    return medicine(**(paracetamol | overrides))


def given(when: str, outcome: Outcome = Outcome.GIVEN, medicine_id: str = "med-para",
          worker_id: str = "w-other") -> DoseRecord:
    return DoseRecord(medicine_id, None, outcome, at(when), worker_id, "pain")


def test_first_dose_is_allowed() -> None:
    decision = prn_check(prn_medicine(), at("2026-05-01 08:00"), [])
    assert decision.allowed
    assert decision.next_allowed_at is None
    assert decision.doses_last_24h == 0


def test_dose_one_second_before_the_minimum_interval_is_refused() -> None:
    history = [given("2026-05-01 08:00")]
    decision = prn_check(prn_medicine(), at("2026-05-01 12:00") - SECOND, history)
    assert not decision.allowed
    assert decision.next_allowed_at == at("2026-05-01 12:00")
    assert "4 hours" in decision.reason


def test_dose_exactly_at_the_minimum_interval_is_allowed() -> None:
    history = [given("2026-05-01 08:00")]
    decision = prn_check(prn_medicine(), at("2026-05-01 12:00"), history)
    assert (decision.allowed, decision.doses_last_24h) == (True, 1)


def test_fractional_interval_hours_are_exact() -> None:
    medicine = prn_medicine(prn={"reason_hint": "", "min_interval_hours": 1.5,
                                 "max_doses_24h": 8})
    history = [given("2026-05-01 08:00")]
    assert not prn_check(medicine, at("2026-05-01 09:30") - SECOND, history).allowed
    assert prn_check(medicine, at("2026-05-01 09:30"), history).allowed


def test_the_extra_dose_past_the_24_hour_maximum_is_refused() -> None:
    history = [given(f"2026-05-01 {h:02d}:00") for h in (0, 4, 8, 12)]
    decision = prn_check(prn_medicine(), at("2026-05-01 16:00"), history)
    assert not decision.allowed
    assert decision.doses_last_24h == 4
    assert "no more than 4 doses in 24 hours" in decision.reason
    # The oldest of the four ages out of the rolling window first.
    assert decision.next_allowed_at == at("2026-05-02 00:00")


def test_a_dose_exactly_24_hours_old_no_longer_counts() -> None:
    history = [given(f"2026-05-01 {h:02d}:00") for h in (0, 4, 8, 12)]
    assert not prn_check(prn_medicine(), at("2026-05-02 00:00") - SECOND, history).allowed
    decision = prn_check(prn_medicine(), at("2026-05-02 00:00"), history)
    assert (decision.allowed, decision.doses_last_24h) == (True, 3)


def test_when_both_limits_block_the_later_time_wins() -> None:
    medicine = prn_medicine(prn={"reason_hint": "", "min_interval_hours": 4,
                                 "max_doses_24h": 2})
    history = [given("2026-05-01 00:00"), given("2026-05-01 22:00")]
    decision = prn_check(medicine, at("2026-05-01 23:00"), history)
    assert not decision.allowed
    assert "Too soon" in decision.reason and "Limit reached" in decision.reason
    assert decision.next_allowed_at == at("2026-05-02 02:00")


def test_partial_doses_count_and_refusals_do_not() -> None:
    history = [
        given("2026-05-01 08:00", Outcome.REFUSED),
        given("2026-05-01 08:10", Outcome.NOT_REQUIRED),
        given("2026-05-01 06:00", Outcome.PARTIAL),
    ]
    decision = prn_check(prn_medicine(), at("2026-05-01 09:00"), history)
    assert not decision.allowed
    assert decision.next_allowed_at == at("2026-05-01 10:00")
    assert decision.doses_last_24h == 1


def test_other_medicines_do_not_count() -> None:
    history = [given("2026-05-01 08:00", medicine_id="med-other")]
    assert prn_check(prn_medicine(), at("2026-05-01 09:00"), history).allowed


def test_a_dose_from_a_phone_with_a_fast_clock_still_counts() -> None:
    history = [given("2026-05-01 09:02")]
    assert not prn_check(prn_medicine(), at("2026-05-01 09:00"), history).allowed


def test_records_later_than_the_clock_skew_are_ignored() -> None:
    history = [given("2026-05-01 09:02:01")]
    assert prn_check(prn_medicine(), at("2026-05-01 09:00"), history).allowed


def test_a_stopped_prn_medicine_is_refused_by_local_date() -> None:
    medicine = prn_medicine(stop_date="2026-06-01")
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (BST).
    now = at("2026-06-01 23:30")
    assert not prn_check(medicine, now, []).allowed
    assert prn_check(medicine, now, [], tz=ZoneInfo("UTC")).allowed


def test_a_medicine_with_set_times_is_not_prn() -> None:
    medicine = prn_medicine(prn=None, times=["08:00"])
    with pytest.raises(RuleViolation, match="not an as-needed"):
        prn_check(medicine, at("2026-05-01 09:00"), [])


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(RuleViolation, match="timezone"):
        prn_check(prn_medicine(), datetime(2026, 5, 1, 9), [])  # noqa: DTZ001


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"min_interval_hours": 4, "max_doses_24h": 0}, "at least 1 dose"),
        ({"min_interval_hours": -1, "max_doses_24h": 4}, "minimum interval"),
        ({"min_interval_hours": "often", "max_doses_24h": 4}, "not numbers"),
        ({"max_doses_24h": 4}, "missing"),
    ],
)
def test_bad_prn_limits_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        PrnRules.from_dict(data)


def record_prn(when: str, history: list[DoseRecord], reason: str = "headache") -> None:
    check = validate_dose(prn_medicine(), Outcome.GIVEN, reason, at(when), None, at(when),
                          history, worker_id="w-1")
    history.append(check.record)


def test_recording_a_prn_dose_needs_a_reason_for_giving_it() -> None:
    with pytest.raises(RuleViolation, match="Say why this as-needed"):
        record_prn("2026-05-01 08:00", [], reason="  ")


def test_recording_refuses_a_dose_inside_the_interval_and_allows_one_at_it() -> None:
    history: list[DoseRecord] = []
    record_prn("2026-05-01 08:00", history)
    with pytest.raises(RuleViolation, match="Too soon"):
        record_prn("2026-05-01 11:59:59", history)
    record_prn("2026-05-01 12:00", history)
    assert [r.actual_at for r in history] == [at("2026-05-01 08:00"), at("2026-05-01 12:00")]
    assert all(r.scheduled_at is None for r in history)


def test_recording_refuses_the_fifth_dose_in_24_hours() -> None:
    history: list[DoseRecord] = []
    for when in ("2026-05-01 00:00", "2026-05-01 04:00", "2026-05-01 08:00", "2026-05-01 12:00"):
        record_prn(when, history)
    with pytest.raises(RuleViolation, match="Limit reached"):
        record_prn("2026-05-01 23:59:59", history)
    record_prn("2026-05-02 00:00", history)


def test_not_required_prn_needs_a_reason_but_no_limit_check() -> None:
    history = [given("2026-05-01 08:00")]
    with pytest.raises(RuleViolation, match="Say why"):
        validate_dose(prn_medicine(), "not_required", "", at("2026-05-01 08:30"), None,
                      at("2026-05-01 08:30"), history, worker_id="w-1")
    check = validate_dose(prn_medicine(), "not_required", "no pain today",
                          at("2026-05-01 08:30"), None, at("2026-05-01 08:30"), history,
                          worker_id="w-1")
    assert check.prn is None
    assert check.record.outcome is Outcome.NOT_REQUIRED
