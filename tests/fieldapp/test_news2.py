"""NEWS2 scoring at every band edge of every parameter, both SpO2 scales and the total's bands."""

from __future__ import annotations

from typing import Any

import pytest

from fieldapp.domain.news2 import ObservationRefused, band, score
from sync.codes import News2Band

NORMAL: dict[str, Any] = {"respiration_rate": 16, "spo2": 97, "scale": 1, "oxygen": False,
                          "systolic_bp": 120, "pulse": 70, "consciousness": "A",
                          "temperature": 37.0}


def part(name: str, **changes: Any) -> int:
    return score({**NORMAL, **changes}).parts[name]


def test_a_well_person_scores_zero_and_is_monitored() -> None:
    result = score(NORMAL)
    assert result.parts == {"respiration_rate": 0, "spo2": 0, "air_or_oxygen": 0,
                            "systolic_bp": 0, "pulse": 0, "consciousness": 0, "temperature": 0}
    assert (result.total, result.band) == (0, News2Band.MONITOR)


@pytest.mark.parametrize(("value", "points"), [
    (1, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (80, 3)])
def test_respiration_rate_edges(value: int, points: int) -> None:
    assert part("respiration_rate", respiration_rate=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (40, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)])
@pytest.mark.parametrize("oxygen", [False, True])
def test_spo2_scale_1_edges_on_air_and_oxygen(value: int, points: int, oxygen: bool) -> None:
    assert part("spo2", spo2=value, oxygen=oxygen) == points


@pytest.mark.parametrize(("value", "oxygen", "points"), [
    (83, False, 3), (84, False, 2), (85, False, 2), (86, False, 1), (87, False, 1),
    (88, False, 0), (92, False, 0), (93, False, 0), (97, False, 0), (100, False, 0),
    (83, True, 3), (84, True, 2), (86, True, 1), (88, True, 0), (92, True, 0),
    (93, True, 1), (94, True, 1), (95, True, 2), (96, True, 2), (97, True, 3), (100, True, 3)])
def test_spo2_scale_2_edges(value: int, oxygen: bool, points: int) -> None:
    assert part("spo2", spo2=value, scale=2, oxygen=oxygen) == points


@pytest.mark.parametrize("scale", [1, 2])
def test_oxygen_scores_two_on_either_scale(scale: int) -> None:
    assert part("air_or_oxygen", oxygen=True, scale=scale) == 2
    assert part("air_or_oxygen", oxygen=False, scale=scale) == 0


@pytest.mark.parametrize(("value", "points"), [
    (30, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3),
    (300, 3)])
def test_systolic_bp_edges(value: int, points: int) -> None:
    assert part("systolic_bp", systolic_bp=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (20, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2),
    (130, 2), (131, 3), (300, 3)])
def test_pulse_edges(value: int, points: int) -> None:
    assert part("pulse", pulse=value) == points


@pytest.mark.parametrize(("value", "points"), [
    ("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), ("a", 0), (" u ", 3)])
def test_consciousness(value: str, points: int) -> None:
    assert part("consciousness", consciousness=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (25.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1),
    (39.1, 2), (45.0, 2), (37, 0), ("36.1", 0)])
def test_temperature_edges(value: Any, points: int) -> None:
    assert part("temperature", temperature=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (35.04, 3), (35.05, 1), (36.04, 1), (36.05, 0), (38.04, 0), (38.05, 1), (39.04, 1),
    (39.05, 2)])
def test_temperature_is_rounded_half_up_to_one_decimal_first(value: float, points: int) -> None:
    assert part("temperature", temperature=value) == points


@pytest.mark.parametrize(("changes", "total", "expected"), [
    ({}, 0, News2Band.MONITOR),
    ({"pulse": 95, "temperature": 38.5}, 2, News2Band.MONITOR),  # 1 + 1
    ({"pulse": 95, "temperature": 38.5, "respiration_rate": 10}, 3, News2Band.SENIOR),
    ({"respiration_rate": 22, "pulse": 115}, 4, News2Band.SENIOR),  # 2 + 2
    ({"respiration_rate": 22, "pulse": 115, "spo2": 95}, 5, News2Band.URGENT),
    ({"respiration_rate": 22, "pulse": 115, "spo2": 93}, 6, News2Band.URGENT),
    ({"respiration_rate": 22, "pulse": 115, "spo2": 91}, 7, News2Band.EMERGENCY),
    ({"respiration_rate": 25, "pulse": 131, "consciousness": "V", "oxygen": True,
      "spo2": 91, "systolic_bp": 90, "temperature": 35.0}, 20, News2Band.EMERGENCY),
])
def test_total_and_its_bands(changes: dict[str, Any], total: int, expected: News2Band) -> None:
    result = score({**NORMAL, **changes})
    assert (result.total, result.band) == (total, expected)
    assert result.total == sum(result.parts.values())


@pytest.mark.parametrize("changes", [
    {"consciousness": "C"}, {"respiration_rate": 8}, {"spo2": 91}, {"systolic_bp": 90},
    {"pulse": 131}, {"temperature": 35.0}])
def test_three_in_any_one_parameter_is_senior_even_with_a_low_total(
        changes: dict[str, Any]) -> None:
    result = score({**NORMAL, **changes})
    assert result.total == 3 and result.band is News2Band.SENIOR and result.any_part_three


def test_two_in_one_parameter_alone_stays_monitor() -> None:
    result = score({**NORMAL, "oxygen": True})
    assert (result.total, result.band) == (2, News2Band.MONITOR)


def test_band_function_edges() -> None:
    assert [band(t) for t in range(9)] == [News2Band.MONITOR] * 3 + [News2Band.SENIOR] * 2 + \
        [News2Band.URGENT] * 2 + [News2Band.EMERGENCY] * 2
    assert band(2, any_part_three=True) is News2Band.SENIOR
    assert band(5, any_part_three=True) is News2Band.URGENT


@pytest.mark.parametrize("name", [
    "respiration_rate", "spo2", "scale", "oxygen", "systolic_bp", "pulse", "consciousness",
    "temperature"])
@pytest.mark.parametrize("how", ["absent", "none", "blank"])
def test_a_missing_value_is_refused_by_name(name: str, how: str) -> None:
    obs = dict(NORMAL)
    if how == "absent":
        del obs[name]
    else:
        obs[name] = None if how == "none" else " "
    with pytest.raises(ObservationRefused) as caught:
        score(obs)
    assert caught.value.parameter == name


@pytest.mark.parametrize(("name", "value"), [
    ("respiration_rate", 0), ("respiration_rate", 81), ("respiration_rate", -3),
    ("respiration_rate", 12.5), ("spo2", 101), ("spo2", 39), ("spo2", 0), ("spo2", 95.5),
    ("systolic_bp", 29), ("systolic_bp", 301), ("systolic_bp", 0),
    ("pulse", 19), ("pulse", 301), ("pulse", 0),
    ("temperature", 24.9), ("temperature", 45.1), ("temperature", 98.6), ("temperature", -1),
    ("temperature", float("nan")), ("temperature", 1e30), ("pulse", 1e30),
    ("temperature", float("inf")), ("pulse", "fast"),
    ("pulse", True), ("spo2", [97]), ("scale", 3), ("scale", 0), ("scale", "1"),
    ("scale", True), ("oxygen", "yes"), ("oxygen", 1), ("consciousness", "X"),
    ("consciousness", "alert"), ("consciousness", 0)])
def test_an_impossible_or_malformed_value_is_refused_by_name(name: str, value: Any) -> None:
    with pytest.raises(ObservationRefused) as caught:
        score({**NORMAL, name: value})
    assert caught.value.parameter == name


def test_the_first_unusable_value_is_named_and_nothing_is_scored() -> None:
    with pytest.raises(ObservationRefused, match="Pulse"):
        score({**NORMAL, "pulse": 400, "temperature": 99})
