"""The SBARD summary read out on the call, and the soft-signs checklist it draws on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from fieldapp.domain.sbard import DECISION_PROMPT, HEADINGS, build_sbard, severity_advised
from fieldapp.domain.soft_signs import SOFT_SIGNS, known_soft_signs
from sync.codes import EscalationType, News2Band, Severity


@dataclass(frozen=True)
class Scored:
    total: int
    band: News2Band
    parts: Mapping[str, int] = field(default_factory=dict)


def test_the_checklist_is_restore2mini_in_order_and_refuses_unknown_signs() -> None:
    assert len(SOFT_SIGNS) == 8
    assert known_soft_signs(["family", "breathless"]) == ["breathless", "family"]
    with pytest.raises(ValueError, match="unknown soft sign: dizzy, hot"):
        known_soft_signs(["hot", "family", "dizzy"])


def test_a_fall_with_soft_signs_reads_as_five_sections() -> None:
    s = build_sbard(type=EscalationType.FALL, severity=Severity.URGENT, person="Peggy",
                    visit="morning visit at 07:40", soft_signs=["unsteady", "family"],
                    resus_status="ReSPECT: not for CPR", details=" Found on the floor ")
    assert [h for h, _ in s.sections()] == list(HEADINGS)
    assert s.situation == "Fall for Peggy, morning visit at 07:40. Found on the floor"
    assert s.background == "Resuscitation / treatment plan: ReSPECT: not for CPR."
    assert s.assessment == ("Soft signs: more unsteady or 'off legs'; family concerned.")
    assert s.recommendation == "Urgent: the office to act within the hour."
    assert s.decision == DECISION_PROMPT
    assert s.as_text().splitlines()[0].startswith("Situation: Fall for Peggy")


def test_news2_scores_and_advice_join_the_assessment_and_recommendation() -> None:
    scored = Scored(7, News2Band.EMERGENCY, {"respiration_rate": 3, "spo2": 0, "pulse": 2,
                                             "consciousness": 0, "temperature": 2})
    s = build_sbard(type=EscalationType.HEALTH_DETERIORATION, severity=Severity.EMERGENCY,
                    person="", visit="", news2=scored, decision="999 called, ambulance 20 min")
    assert s.situation == "Health getting worse for the person."
    assert s.background.endswith("not recorded on the phone.")
    assert s.assessment == "NEWS2 7 (respiration rate 3, pulse 2, temperature 2)."
    assert s.recommendation == "Emergency: call 999 now. NEWS2 advice: Call 999."
    assert s.decision == "999 called, ambulance 20 min"


def test_nothing_ticked_and_no_observations_says_so() -> None:
    s = build_sbard(type=EscalationType.NO_ACCESS, severity=Severity.ROUTINE, person="Arthur",
                    visit="lunch visit at 12:00")
    assert s.assessment == "No soft signs ticked; no observations taken."
    assert s.recommendation == "Routine: the office to review today."


def test_a_band_above_the_chosen_severity_is_suggested_never_a_lower_one() -> None:
    assert severity_advised(News2Band.EMERGENCY, Severity.URGENT) is Severity.EMERGENCY
    assert severity_advised(News2Band.SENIOR, Severity.ROUTINE) is Severity.URGENT
    assert severity_advised(News2Band.URGENT, Severity.URGENT) is None
    assert severity_advised(News2Band.MONITOR, Severity.EMERGENCY) is None
