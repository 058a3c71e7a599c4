"""The console's one-line record words for doses with amounts and patch sites, and PRN effects."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from server.console.record_text import describe
from server.services.visit_record import OpenedRecord

LONDON = ZoneInfo("Europe/London")


def opened(kind: str, content: dict[str, Any]) -> OpenedRecord:
    return OpenedRecord("r1", kind, "2026-06-01T09:00:00+00:00", "2026-06-01T09:01:00+00:00",
                        None, False, content, {}, False)


def test_a_dose_says_the_amount_given_and_the_patch_site() -> None:
    text = describe(opened("dose_outcome", {
        "medicine": "Ibuprofen 200mg", "outcome": "taken", "amount": 2, "unit": "tablet",
        "actual_at": "2026-06-01T09:10:00+00:00"}), LONDON)
    assert text == "Ibuprofen 200mg: taken at 10:10 · amount given: 2 tablet"
    text = describe(opened("dose_outcome", {
        "medicine": "Fentanyl 12", "outcome": "given", "patch_site": "left_chest",
        "actual_at": "2026-06-01T09:10:00+00:00", "witness": "Carol Whitaker"}), LONDON)
    assert "patch site: Left chest · witness: Carol Whitaker" in text


def test_a_prn_effect_names_the_dose_and_what_was_seen() -> None:
    text = describe(opened("dose_effect", {
        "medicine": "Paracetamol 500mg", "dose_at": "2026-06-01T09:10:00+00:00",
        "effect": "partly_effective", "text": "Easier to sit"}), LONDON)
    assert text == "Paracetamol 500mg given at 10:10: effect — Partly worked · Easier to sit"
