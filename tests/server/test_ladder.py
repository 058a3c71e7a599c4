"""The on-call ladder's timing at every boundary, with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.ladder import next_call_at, tiers_due

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
FIVE = timedelta(minutes=5)


@pytest.mark.parametrize(("after", "called"), [
    (-S, 0),                # not started yet
    (timedelta(0), 1),      # tier 0 at once
    (FIVE - S, 1),          # one second before tier 0's time runs out
    (FIVE, 2),              # tier 1 exactly when it runs out
    (2 * FIVE - S, 2),
    (2 * FIVE, 3),          # top of a three-tier ladder
    (timedelta(hours=5), 3),  # never past the top
])
def test_each_tier_is_due_exactly_when_the_one_below_has_had_its_time(
        after: timedelta, called: int) -> None:
    assert tiers_due(T0, T0 + after, [FIVE], tiers=3) == called


def test_each_tier_may_have_its_own_wait_and_the_last_wait_repeats() -> None:
    waits = [timedelta(minutes=2), timedelta(minutes=3)]
    assert tiers_due(T0, T0 + timedelta(minutes=2) - S, waits, tiers=4) == 1
    assert tiers_due(T0, T0 + timedelta(minutes=2), waits, tiers=4) == 2
    assert tiers_due(T0, T0 + timedelta(minutes=5) - S, waits, tiers=4) == 2
    assert tiers_due(T0, T0 + timedelta(minutes=5), waits, tiers=4) == 3
    assert tiers_due(T0, T0 + timedelta(minutes=8), waits, tiers=4) == 4


def test_an_empty_ladder_calls_nobody_and_a_ladder_without_waits_only_its_first_tier() -> None:
    assert tiers_due(T0, T0 + FIVE, [FIVE], tiers=0) == 0
    assert tiers_due(T0, T0 + timedelta(hours=1), [], tiers=3) == 1


def test_the_next_call_time_matches_when_the_tier_becomes_due() -> None:
    waits = [timedelta(minutes=2), timedelta(minutes=3)]
    for called in range(4):
        at = next_call_at(T0, waits, called, tiers=4)
        assert at is not None
        assert tiers_due(T0, at - S, waits, tiers=4) == called
        assert tiers_due(T0, at, waits, tiers=4) == called + 1
    assert next_call_at(T0, waits, 4, tiers=4) is None
