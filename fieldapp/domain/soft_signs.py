"""The RESTORE2mini soft signs of deterioration (DOMAIN.md), asked of every worker.

Codes are kept in the sealed escalation record and read aloud in the SBARD summary; a sign is
judged against the person's own normal, so the question says so.
"""

from __future__ import annotations

from collections.abc import Iterable

QUESTION = "Compared with their usual self, is the person…"

SOFT_SIGNS: tuple[tuple[str, str], ...] = (
    ("breathless", "New or worse breathlessness"),
    ("confused", "New confusion or drowsiness"),
    ("unsteady", "More unsteady or 'off legs'"),
    ("eating_less", "Eating or drinking less"),
    ("distressed", "More distressed, withdrawn or agitated"),
    ("skin", "Pale or mottled skin"),
    ("no_urine", "Not passing urine"),
    ("family", "Family concerned"),
)

_LABELS = dict(SOFT_SIGNS)


def soft_sign_label(code: str) -> str:
    return _LABELS[code]


def known_soft_signs(codes: Iterable[str]) -> list[str]:
    """The given sign codes in checklist order; an unknown code is refused by name."""
    chosen = set(codes)
    unknown = sorted(chosen - _LABELS.keys())
    if unknown:
        raise ValueError(f"unknown soft sign: {', '.join(unknown)}")
    return [code for code, _ in SOFT_SIGNS if code in chosen]
