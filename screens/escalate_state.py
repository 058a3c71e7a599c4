"""The escalation flow's view state: what the worker picked and typed in its three steps (what
and how bad → details → read out and send), and what each tap does. Drawing is escalate.py's."""

from __future__ import annotations

from typing import Any

from fieldapp.services import (
    Concern,
    EscalationContext,
    EscalationStatus,
    FieldAppError,
    News2Score,
    Sbard,
)
from screens import nav, widgets
from sync.codes import EscalationType, Severity

# Steps of the flow; "sent" is what the worker sees after the record is saved.
WHAT, DETAILS, SUMMARY, SENT = "what", "details", "summary", "sent"
SOFT_SIGN_TYPES = (EscalationType.HEALTH_DETERIORATION, EscalationType.FALL)
NEWS2_LABELS = {"respiration_rate": "Breaths per minute", "spo2": "Oxygen saturation SpO2 %",
                "systolic_bp": "Systolic blood pressure mmHg", "pulse": "Pulse per minute",
                "temperature": "Temperature °C"}


class EscalateState(nav.ScreenState):
    def __init__(self, app: nav.Shell, visit_id: str | None = None):
        self.app = app
        self.visit_id = visit_id
        self.step = WHAT
        self.type: EscalationType | None = None
        self.severity: Severity | None = None
        self.signs: set[str] = set()
        self.details = widgets.field("escalate-details", "What is happening? (optional)",
                                     multiline=True)
        self.decision = widgets.field("escalate-decision",
                                      "What was agreed on the call (optional)")
        self.obs = {name: widgets.field(f"news2-{name}", label, numeric=True)
                    for name, label in NEWS2_LABELS.items()}
        self.scale2 = False
        self.oxygen = False
        self.consciousness = "A"
        self.scored: News2Score | None = None
        self.error = widgets.error_text()
        self.record_id: str | None = None
        self.context = EscalationContext()

    def opened(self) -> None:
        self.context = self.app.services.escalations.context(self.visit_id)

    # --- what the worker picks -----------------------------------------------------------
    @property
    def asks_soft_signs(self) -> bool:
        return self.type in SOFT_SIGN_TYPES

    @property
    def asks_news2(self) -> bool:
        return (self.type is EscalationType.HEALTH_DETERIORATION
                and self.app.services.escalations.trained)

    def pick_type(self, t: EscalationType) -> None:
        self.type = t
        self.error.value = ""
        self.app.refresh()

    def pick_severity(self, s: Severity) -> None:
        self.severity = s
        self.error.value = ""
        self.app.refresh()

    def flip_sign(self, code: str, on: bool) -> None:
        (self.signs.add if on else self.signs.discard)(code)

    def set_flag(self, name: str, value: Any) -> None:
        setattr(self, name, value)
        self.scored = None

    def pick_consciousness(self, code: str) -> None:
        self.set_flag("consciousness", code)
        self.app.refresh()

    # --- moving through the steps --------------------------------------------------------
    def next_step(self, _e: Any = None) -> None:
        self.error.value = ""
        if self.step == WHAT:
            if self.type is None or self.severity is None:
                self.error.value = "Choose what is happening and how urgent it is."
            else:
                self.step = DETAILS
        elif self.step == DETAILS and self._summary_ok():
            self.step = SUMMARY
        self.app.refresh()

    def back_step(self, _e: Any = None) -> None:
        self.error.value = ""
        if self.step == WHAT:
            self.leave()
            return
        self.step = WHAT if self.step == DETAILS else DETAILS
        self.app.refresh()

    def leave(self, _e: Any = None) -> None:
        self.app.go(nav.visit_route(self.visit_id) if self.visit_id else nav.DAY)

    def observations(self) -> dict[str, Any] | None:
        """The NEWS2 inputs as typed, or None when no observation was typed at all."""
        if not self.asks_news2 or not any((f.value or "").strip() for f in self.obs.values()):
            return None
        out: dict[str, Any] = {"scale": 2 if self.scale2 else 1, "oxygen": self.oxygen,
                               "consciousness": self.consciousness}
        for name, f in self.obs.items():
            raw = (f.value or "").strip()
            try:
                out[name] = float(raw) if name == "temperature" else int(raw)
            except ValueError:
                out[name] = None  # named by the scorer as missing
        return out

    def calculate(self, _e: Any = None) -> None:
        self.error.value = ""
        self.scored = None
        obs = self.observations()
        try:
            if obs is None:
                self.error.value = "Type the observations first."
            else:
                self.scored = self.app.services.escalations.score(obs)
        except FieldAppError as exc:
            self.error.value = str(exc)
        self.app.refresh()

    def concern(self) -> Concern:
        assert self.type is not None and self.severity is not None
        return Concern(self.type, self.severity, self.visit_id,
                       soft_signs=tuple(sorted(self.signs)) if self.asks_soft_signs else (),
                       observations=self.observations(), details=self.details.value or "",
                       decision=self.decision.value or "")

    def summary(self) -> Sbard:
        return self.app.services.escalations.summary(self.concern())

    def _summary_ok(self) -> bool:
        try:
            self.summary()
        except FieldAppError as exc:
            self.error.value = str(exc)
            return False
        return True

    def send(self, _e: Any = None) -> None:
        self.error.value = ""
        try:
            self.record_id = self.app.services.escalations.raise_concern(self.concern())
        except FieldAppError as exc:
            self.error.value = str(exc)
        else:
            self.step = SENT
            self.app.request_sync()
        self.app.refresh()

    def status(self) -> EscalationStatus | None:
        return next((e for e in self.app.services.escalations.mine(self.visit_id)
                     if e.record_id == self.record_id), None)
