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
        "respiration_rate": _points(rr, RESPIRATION),
        "spo2": _points(spo2, SPO2_SCALE_1 if scale == 1 else
                        SPO2_SCALE_2_ON_OXYGEN if oxygen else SPO2_SCALE_2_ON_AIR),
        "air_or_oxygen": 2 if oxygen else 0,
        "systolic_bp": _points(sbp, SYSTOLIC),
        "pulse": _points(pulse, PULSE),
        "consciousness": 0 if avpu == "A" else 3,
        "temperature": _points(temp, TEMPERATURE),
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

# Each parameter's chart (RCP NEWS2, 2017) as bands of (highest value, points), lowest first,
# and the points above the last band.
Chart = tuple[tuple[tuple[Decimal | int, int], ...], int]
RESPIRATION: Chart = (((8, 3), (11, 1), (20, 0), (24, 2)), 3)
SPO2_SCALE_1: Chart = (((91, 3), (93, 2), (95, 1)), 0)
SPO2_SCALE_2_ON_AIR: Chart = (((83, 3), (85, 2), (87, 1)), 0)  # 88 and above on air: 0
SPO2_SCALE_2_ON_OXYGEN: Chart = (((83, 3), (85, 2), (87, 1), (92, 0), (94, 1), (96, 2)), 3)
SYSTOLIC: Chart = (((90, 3), (100, 2), (110, 1), (219, 0)), 3)
PULSE: Chart = (((40, 3), (50, 1), (90, 0), (110, 1), (130, 2)), 3)
TEMPERATURE: Chart = (((Decimal("35.0"), 3), (Decimal("36.0"), 1), (Decimal("38.0"), 0),
                       (Decimal("39.0"), 1)), 2)


def _points(value: Decimal | int, chart: Chart) -> int:
    bands, above = chart
    for highest, points in bands:
        if value <= highest:
            return points
    return above


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
