"""Office-side spacing, amount and per-date checks (server/dose_limits.py), on SQLite and
PostgreSQL, with two workers' phones pushing through the real sync service (the Office of
tests/server/test_office_checks.py: a morning visit at 09:00 yesterday and lunch at 12:30)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server import agency, missed_doses
from server.schema import escalations as escalations_t
from tests.server.test_office_checks import MIN, Office

PARA = {"name": "Paracetamol", "mg_per_unit": 500}


def add_medicines(office: Office, *bodies: dict[str, Any]) -> list[str]:
    base = {"service_user_id": office.person, "form": "tablet", "route": "oral",
            "window_minutes": 30, "prn": None, "controlled": False, "time_critical": False,
            "instructions": "", "start_date": "2020-01-01", "stop_date": None, "times": [],
            "support_level": "assist", "strength": "500mg", "dose": ""}
    rows = [{**base, "id": str(uuid.uuid4()), **b} for b in bodies]
    agency.add_people(office.engine, office.agency.tenant_id, [], [], rows)
    return [r["id"] for r in rows]


def paracetamol_regular_and_prn(office: Office, min_interval_hours: int,
                                 max_doses_24h: int) -> list[str]:
    """Two lines of one ingredient: 2 tablets at 09:00 and 13:00, and 1-2 as needed for pain."""
    return add_medicines(
        office,
        {"name": "Paracetamol", "times": ["09:00", "13:00"], "ingredient": PARA,
         "amount": {"kind": "fixed", "value": 2, "unit": "tablet"}},
        {"name": "Paracetamol PRN", "ingredient": PARA,
         "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
         "prn": {"indication": "Pain", "min_interval_hours": min_interval_hours,
                 "max_doses_24h": max_doses_24h}})


def keys(office: Office) -> list[str]:
    with office.engine.begin() as conn:
        return list(conn.execute(select(escalations_t.c.dedupe_key)).scalars())


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Office:
    return Office(engine, tmp_path)


def test_prn_paracetamol_after_a_colleagues_regular_dose_is_escalated(office: Office) -> None:
    regular, prn = paracetamol_regular_and_prn(office, min_interval_hours=4, max_doses_24h=4)
    office.push(office.dose(regular, office.t9, scheduled=office.t9))
    assert office.checks() == []
    # Worker B at lunch gives PRN paracetamol 3.5 h later, offline from A's dose.
    late = office.dose(prn, office.t9 + 210 * MIN, prn=True, by=office.lunch)
    office.push(late)
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity) == ("ingredient_limit", "urgent")
    assert keys(office) == [f"ingredient:{late.id}"]


def test_four_grams_in_24_hours_counted_in_mg_across_lines(office: Office) -> None:
    _regular, prn = paracetamol_regular_and_prn(office, min_interval_hours=1, max_doses_24h=8)

    def mg_dose(med: str, hours: float, mg: float, scheduled: bool = False) -> Any:
        at = office.t9 + timedelta(hours=hours)
        rec = office.dose(med, at, scheduled=at if scheduled else None, prn=not scheduled,
                          by=office.lunch)
        rec.facts["mg"] = mg
        return rec

    office.push(mg_dose(prn, 4, 1000), mg_dose(prn, 5, 1000), mg_dose(prn, 6, 1000))
    assert office.checks() == []
    office.push(mg_dose(prn, 7, 1000))  # exactly 4000 mg: allowed
    assert office.checks() == []
    over = mg_dose(prn, 8, 500)
    office.push(over)
    assert office.checks() == [("ingredient_limit", "urgent")]


def test_a_regular_dose_too_soon_after_the_last_is_escalated(office: Office) -> None:
    (med,) = add_medicines(office, {"name": "Ibuprofen", "times": ["09:00", "13:00"]})
    office.push(office.dose(med, office.t9 + 60 * MIN, scheduled=office.t9))
    lunch = office.t9 + timedelta(hours=4)
    early = office.dose(med, lunch - 60 * MIN, scheduled=lunch, by=office.lunch)
    office.push(early)  # 2 h after the morning's: its 4 h gap is broken
    checks = office.checks()
    assert ("min_gap", "urgent") in checks
    assert f"gap:{early.id}" in keys(office)


def test_warfarin_with_no_dose_for_the_day_tells_the_office_once(office: Office) -> None:
    day = office.t9.date().isoformat()
    (warfarin,) = add_medicines(office, {
        "name": "Warfarin", "times": ["09:00"], "strength": "1mg",
        "amount": {"kind": "per_date", "unit": "mg", "by_date": {"2020-01-01": 3}}})
    with_dose, = add_medicines(office, {
        "name": "Insulin", "times": ["09:00"], "strength": "100u/ml",
        "amount": {"kind": "per_date", "unit": "units", "by_date": {day: 12}}})
    now = office.t9 - timedelta(hours=1)
    assert missed_doses.tick(office.engine, now) == 1
    (esc,) = office.raised()
    assert (esc.office_check, esc.severity) == ("no_dose_set", "routine")
    (key,) = keys(office)
    assert warfarin in key and with_dose not in key
    assert missed_doses.tick(office.engine, now + MIN) == 0
