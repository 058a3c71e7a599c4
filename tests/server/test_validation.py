"""The office's field checks: its canonical-base64 patterns agree with the envelope format's
strict decoder, and time bounds hold at their edges."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server import validation
from sync import envelope


@given(st.binary(max_size=200))
def test_every_canonical_base64_is_accepted(data: bytes) -> None:
    text = base64.b64encode(data).decode()
    assert validation._B64.fullmatch(text)
    for pattern, size in ((validation._NONCE, 12), (validation._KEY, 32),
                          (validation._WRAPPED_KEY, 48)):
        assert (pattern.fullmatch(text) is not None) == (len(data) == size)


@given(st.text(alphabet="ABCQRgw048+/=a \n", max_size=14))
def test_the_patterns_refuse_what_the_strict_decoder_refuses(text: str) -> None:
    try:
        envelope.b64d(text)
        strict = True
    except envelope.EnvelopeDamaged:
        strict = False
    assert (validation._B64.fullmatch(text) is not None) == strict


def test_times_from_2000_to_a_day_ahead() -> None:
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    bounds = validation.TimeBounds.at(now)
    bounds.check((now + timedelta(hours=23)).isoformat(), "t")
    bounds.check("2000-01-01T00:00:00+00:00", "t")
    for bad in ((now + timedelta(days=1, seconds=1)).isoformat(), "1999-12-31T23:59:59+00:00",
                "2026-12-05T12:00:00", "2026-12-05 12:00:00+00:00", "2026-13-05T12:00:00Z",
                "0001-01-01T00:00:00+01:00"):
        with pytest.raises(validation.Refused, match="^t "):
            bounds.check(bad, "t")
