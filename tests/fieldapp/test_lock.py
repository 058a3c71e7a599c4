"""Lock rules: inactivity, background states, wrong-PIN delays, the offline lease, wait words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.vault.lock import (
    LockPolicy,
    locks_on_lifecycle,
    tries_left,
    wait_words,
    wrong_pin_delay,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_defaults_are_five_minutes_and_seven_days() -> None:
    policy = LockPolicy()
    assert (policy.auto_lock_minutes, policy.offline_lease_days) == (5, 7)


def test_idle_expires_at_the_auto_lock_time() -> None:
    policy = LockPolicy(auto_lock_minutes=5)
    assert not policy.idle_expired(299.9)
    assert policy.idle_expired(300)


def test_lease_counts_from_the_last_proven_contact() -> None:
    policy = LockPolicy(offline_lease_days=7)
    assert not policy.lease_expired(NOW, NOW + timedelta(days=7))
    assert policy.lease_expired(NOW, NOW + timedelta(days=7, seconds=1))
    assert policy.lease_expired(None, NOW)  # never reached the office: no lease


def test_lease_message_says_why_and_what_to_do() -> None:
    message = LockPolicy(offline_lease_days=3).lease_message("0113 496 0000")
    assert "more than 3 days" in message
    assert "Connect to the internet" in message and "0113 496 0000" in message
    assert "call the office." in LockPolicy().lease_message("")


@pytest.mark.parametrize("bad", [{"auto_lock_minutes": 0}, {"offline_lease_days": 0}])
def test_nonsense_settings_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        LockPolicy(**bad)


@pytest.mark.parametrize(("state", "locks"), [
    ("hide", True), ("pause", True), ("detach", True), ("HIDE", True),
    ("inactive", False), ("resume", False), ("show", False),
])
def test_background_states_lock(state: str, locks: bool) -> None:
    assert locks_on_lifecycle(state) is locks


def test_delays_start_at_the_fifth_wrong_pin_and_double() -> None:
    assert [wrong_pin_delay(n).total_seconds() for n in range(1, 10)] == [
        0, 0, 0, 0, 30, 60, 120, 240, 480]
    assert [tries_left(n) for n in (0, 9, 10, 12)] == [10, 1, 0, 0]


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "1 second"), (30, "30 seconds"), (60, "1 minute"), (61, "2 minutes"),
    (480, "8 minutes"), (3600, "1 hour"), (3840, "1 hour 4 minutes"),
])
def test_waits_are_said_plainly(seconds: int, words: str) -> None:
    assert wait_words(seconds) == words
