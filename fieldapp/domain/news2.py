"""NEWS2 (DOMAIN.md "NEWS2"): score a set of observations per parameter, total and response band.

`score(observations)` is pure. It takes a mapping with `respiration_rate`, `spo2`, `scale` (1, or
2 only where a clinician set a target of 88–92 %), `oxygen` (True when on supplemental oxygen),
`systolic_bp`, `pulse`, `consciousness` ("A" alert, or new "C"onfusion, "V"oice, "P"ain,
"U"nresponsive) and `temperature` (°C), and returns each part's score, the total and the band.

A missing value, a value of the wrong type, or one no living person could have (outside
PLAUSIBLE) is refused with ObservationRefused naming the parameter: a guess is never scored.
Counts and pressures are whole numbers (the table's edges are whole, so 11.5 breaths is not a
reading). Temperature is rounded half up to one decimal first, the way thermometers show it and
the table's edges are written: 36.05 reads 36.1 and scores 0; 36.04 reads 36.0 and scores 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fieldapp.errors import RuleViolation
from sync.codes import News2Band

PARTS = ("respiration_rate", "spo2", "air_or_oxygen", "systolic_bp", "pulse", "consciousness",
         "temperature")
CONSCIOUSNESS = ("A", "C", "V", "P", "U")

# What a living adult can show, and a home-visit instrument can read: outside is a typing slip.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "respiration_rate": (1, 80),
    "spo2": (40, 100),
    "systolic_bp": (30, 300),
    "pulse": (20, 300),
    "temperature": (25.0, 45.0),
}
_UNITS = {"respiration_rate": "breaths a minute", "spo2": "%", "systolic_bp": "mmHg",
          "pulse": "beats a minute", "temperature": "°C"}


class ObservationRefused(RuleViolation):
    """An observation is missing or impossible; `parameter` names it. Nothing was scored."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class News2Score:
    parts: dict[str, int]  # keyed by PARTS
    total: int
    band: News2Band

    @property
    def any_part_three(self) -> bool:
        return any(v == 3 for v in self.parts.values())


def score(observations: Mapping[str, object]) -> News2Score:
    """Score `observations` (see the module docstring); ObservationRefused if any is unusable."""
    rr = _whole(observations, "respiration_rate")
    spo2 = _whole(observations, "spo2")
    scale = _scale(observations)
    oxygen = _oxygen(observations)
    sbp = _whole(observations, "systolic_bp")
    pulse = _whole(observations, "pulse")
    avpu = _consciousness(observations)
    temp = _temperature(observations)
    parts = {
        "respiration_rate": _respiration(rr),
        "spo2": _spo2_scale_2(spo2, oxygen) if scale == 2 else _spo2_scale_1(spo2),
        "air_or_oxygen": 2 if oxygen else 0,
        "systolic_bp": _systolic(sbp),
        "pulse": _pulse(pulse),
        "consciousness": 0 if avpu == "A" else 3,
        "temperature": _temp(temp),
    }
    total = sum(parts.values())
    return News2Score(parts, total, band(total, any_part_three=3 in parts.values()))


def band(total: int, *, any_part_three: bool = False) -> News2Band:
    """The community response: 0–2 monitor; 3–4, or 3 in any one parameter, senior; 5–6
    urgent; 7 or more emergency."""
    if total >= 7:
        return News2Band.EMERGENCY
    if total >= 5:
        return News2Band.URGENT
    if total >= 3 or any_part_three:
        return News2Band.SENIOR
    return News2Band.MONITOR


# --- the table -----------------------------------------------------------------------------

def _respiration(rr: int) -> int:
    if rr <= 8:
        return 3
    if rr <= 11:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def _spo2_scale_1(spo2: int) -> int:
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def _spo2_scale_2(spo2: int, oxygen: bool) -> int:
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not oxygen:
        return 0  # 88–92, or 93 and above on air
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def _systolic(sbp: int) -> int:
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def _pulse(pulse: int) -> int:
    if pulse <= 40:
        return 3
    if pulse <= 50:
        return 1
    if pulse <= 90:
        return 0
    if pulse <= 110:
        return 1
    if pulse <= 130:
        return 2
    return 3


def _temp(celsius: Decimal) -> int:
    if celsius <= Decimal("35.0"):
        return 3
    if celsius <= Decimal("36.0"):
        return 1
    if celsius <= Decimal("38.0"):
        return 0
    if celsius <= Decimal("39.0"):
        return 1
    return 2


# --- reading the observations ----------------------------------------------------------------

def _present(obs: Mapping[str, object], name: str) -> object:
    value = obs.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ObservationRefused(name, f"{_named(name)} is missing: take it again, or leave "
                                       "NEWS2 and describe what you see.")
    return value


def _number(obs: Mapping[str, object], name: str) -> Decimal:
    value = _present(obs, name)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ObservationRefused(name, f"{_named(name)} must be a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ObservationRefused(name, f"{_named(name)} must be a number.") from None
    if not number.is_finite():
        raise ObservationRefused(name, f"{_named(name)} must be a number.")
    return number


def _in_range(name: str, number: Decimal) -> None:
    low, high = PLAUSIBLE[name]
    if not Decimal(str(low)) <= number <= Decimal(str(high)):
        raise ObservationRefused(name, f"{_named(name)} is outside what is possible "
                                       f"({low}–{high} {_UNITS[name]}): check the reading.")


def _whole(obs: Mapping[str, object], name: str) -> int:
    number = _number(obs, name)
    if number != number.to_integral_value():
        raise ObservationRefused(name, f"{_named(name)} must be a whole number.")
    _in_range(name, number)
    return int(number)


def _temperature(obs: Mapping[str, object]) -> Decimal:
    number = _number(obs, "temperature")
    if abs(number) < 1000:  # quantize cannot hold a huge number; it is out of range anyway
        number = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    _in_range("temperature", number)
    return number


def _scale(obs: Mapping[str, object]) -> int:
    value = _present(obs, "scale")
    if isinstance(value, bool) or value not in (1, 2):
        raise ObservationRefused("scale", "The SpO2 scale must be 1, or 2 where a clinician "
                                          "has set a target of 88–92%.")
    return 2 if value == 2 else 1


def _oxygen(obs: Mapping[str, object]) -> bool:
    value = _present(obs, "oxygen")
    if not isinstance(value, bool):
        raise ObservationRefused("oxygen", "Say whether the person is on oxygen (yes or no).")
    return value


def _consciousness(obs: Mapping[str, object]) -> str:
    value = _present(obs, "consciousness")
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in CONSCIOUSNESS:
        raise ObservationRefused("consciousness", "Consciousness must be A (alert), C (new "
                                 "confusion), V (voice), P (pain) or U (unresponsive).")
    return code


def _named(name: str) -> str:
    return {"respiration_rate": "Respiration rate", "spo2": "SpO2", "systolic_bp":
            "Systolic blood pressure", "pulse": "Pulse", "temperature": "Temperature",
            "scale": "The SpO2 scale", "oxygen": "Oxygen", "consciousness":
            "Consciousness"}[name]
