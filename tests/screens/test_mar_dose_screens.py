"""The MAR screen's doses in memory against a real office: a per-date dose with none set for
today, a range PRN dose with its amount, and the PRN effect asked for afterwards."""

from __future__ import annotations

import uuid

from server import agency
from tests.screens.conftest import Office, Phone, check_in
from tests.screens.test_worker_screens import enrol


def add_medicines(office: Office) -> None:
    person = office.agency.people[0]["id"]
    base = {"service_user_id": person, "form": "tablet", "route": "oral", "window_minutes": 30,
            "controlled": False, "time_critical": False, "instructions": "",
            "start_date": "2026-01-01", "stop_date": None, "support_level": "prompt"}
    agency.add_people(office.app.state.engine, office.agency.tenant_id, [], [], [
        {**base, "id": str(uuid.uuid4()), "name": "Warfarin", "strength": "1mg",
         "dose": "As set by the clinic", "times": ["09:00"], "prn": None,
         "amount": {"kind": "per_date", "unit": "mg", "by_date": {"2026-03-09": 3}}},
        {**base, "id": str(uuid.uuid4()), "name": "Paracetamol", "strength": "500mg",
         "dose": "1 or 2 tablets", "times": [],
         "prn": {"reason_hint": "Pain", "min_interval_hours": 4, "max_doses_24h": 4},
         "amount": {"kind": "range", "min": 1, "max": 2, "unit": "tablet"},
         "ingredient": {"name": "paracetamol", "mg_per_unit": 500}},
    ])


def test_no_dose_set_range_amount_and_prn_effect(phone: Phone, office: Office) -> None:
    add_medicines(office)
    opened = phone.open()
    enrol(opened, office)
    ui = opened.ui
    check_in(ui, then="visit-mar")
    # Warfarin (dose-1, 09:00): no dose entered for today, so nothing to give.
    assert ui.text("dose-1-no-dose").startswith("No dose set for today")
    assert not ui.exists("dose-1-taken") and ui.exists("dose-1-refused")
    assert "Every day at 09:00" in ui.text("dose-1-frequency")
    # Paracetamol PRN: the amount must be within 1 to 2 tablets.
    ui.type("prn-0-reason", "Knee pain, 6 out of 10")
    ui.type("prn-0-amount", "3")
    ui.tap("prn-0-taken")
    assert "within the prescribed dose (1 to 2 tablet)" in ui.text("prn-0-message")
    ui.type("prn-0-amount", "2")
    ui.tap("prn-0-taken")
    assert "· 2 tablet" in ui.text("prn-0-given-0-answer")
    # Its effect is asked for: from 30 minutes after the dose.
    assert "did it work? (ask from 09:35)" in ui.text("effect-0-ask")
    phone.clock.advance(minutes=35)
    ui.tap("mar-done")
    ui.tap("visit-mar")
    assert "did it work? (ask now)" in ui.text("effect-0-ask")
    ui.type("effect-0-note", "Walking more easily")
    ui.tap("effect-0-effective")
    assert ui.text("effects-message") == "Effect saved: Worked."
    assert not ui.exists("effect-0-ask")
