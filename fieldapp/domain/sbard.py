"""The SBARD summary a worker reads out on the call: Situation, Background, Assessment,
Recommendation, Decision (DOMAIN.md), built from what the escalation flow collected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from fieldapp.domain.soft_signs import soft_sign_label
from sync.codes import EscalationType, News2Band, Severity

HEADINGS = ("Situation", "Background", "Assessment", "Recommendation", "Decision")
DECISION_PROMPT = "Agree on the call who does what, and by when."


class News2Score(Protocol):
    """What SBARD needs of a NEWS2 result (fieldapp.domain.news2.score returns one)."""

    @property
    def total(self) -> int: ...

    @property
    def band(self) -> News2Band: ...

    @property
    def parts(self) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class Sbard:
    situation: str
    background: str
    assessment: str
    recommendation: str
    decision: str

    def sections(self) -> list[tuple[str, str]]:
        return list(zip(HEADINGS, (self.situation, self.background, self.assessment,
                                   self.recommendation, self.decision), strict=True))

    def as_text(self) -> str:
        return "\n".join(f"{h}: {t}" for h, t in self.sections())


# The least severity each NEWS2 band calls for: the flow suggests it when the worker chose less.
BAND_SEVERITY = {News2Band.MONITOR: Severity.ROUTINE, News2Band.SENIOR: Severity.URGENT,
                 News2Band.URGENT: Severity.URGENT, News2Band.EMERGENCY: Severity.EMERGENCY}
_RANK = [Severity.ROUTINE, Severity.URGENT, Severity.EMERGENCY]


def severity_advised(band: News2Band, chosen: Severity) -> Severity | None:
    """The severity the NEWS2 band calls for, if it is higher than the one chosen."""
    wanted = BAND_SEVERITY[band]
    return wanted if _RANK.index(wanted) > _RANK.index(chosen) else None


def build_sbard(*, type: EscalationType, severity: Severity, person: str, visit: str,
                soft_signs: Sequence[str] = (), news2: News2Score | None = None,
                resus_status: str = "", details: str = "", decision: str = "") -> Sbard:
    """SBARD from the flow's answers. `visit` says where and when ("Morning visit 08:00")."""
    who = person or "the person"
    situation = f"{type.label} for {who}" + (f", {visit}" if visit else "") + "."
    if details.strip():
        situation += f" {details.strip()}"
    background = (f"Resuscitation / treatment plan: {resus_status.strip()}."
                  if resus_status.strip() else
                  "Resuscitation / treatment plan: not recorded on the phone.")
    return Sbard(situation, background, _assessment(soft_signs, news2),
                 _recommendation(severity, news2), decision.strip() or DECISION_PROMPT)


def _assessment(soft_signs: Sequence[str], news2: News2Score | None) -> str:
    parts: list[str] = []
    if soft_signs:
        parts.append("Soft signs: " + "; ".join(soft_sign_label(c).lower()
                                                for c in soft_signs) + ".")
    if news2 is not None:
        scored = ", ".join(f"{name.replace('_', ' ')} {points}"
                           for name, points in news2.parts.items() if points)
        parts.append(f"NEWS2 {news2.total}" + (f" ({scored})" if scored else "") + ".")
    return " ".join(parts) or "No soft signs ticked; no observations taken."


def _recommendation(severity: Severity, news2: News2Score | None) -> str:
    words = {Severity.EMERGENCY: "Emergency: call 999 now.",
             Severity.URGENT: "Urgent: the office to act within the hour.",
             Severity.ROUTINE: "Routine: the office to review today."}[severity]
    if news2 is not None:
        words += f" NEWS2 advice: {news2.band.label}."
    return words
