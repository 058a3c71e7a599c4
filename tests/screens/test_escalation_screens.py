"""Escalating from the phone, in memory against the real office: the button on the day and
visit screens, the guided flow (soft signs, NEWS2 for trained staff, SBARD), emergencies and
no signal (tel: links), and the office's acknowledgement coming back by sync."""

from __future__ import annotations

import json
from datetime import timedelta

import flet as ft

from server import feed, worker_profile
from server.schema import records as office_records
from tests.screens.conftest import NOW, Office, OpenApp, Phone
from tests.screens.test_worker_screens import start_offline
from tests.support.flet_memory import Harness


def tick(ui: Harness, identifier: str, value: bool = True) -> None:
    ui.tick(identifier, value)


def raise_fall(ui: Harness) -> None:
    ui.tap("visit-0")
    ui.tap("escalate")
    ui.tap("type-fall")
    ui.tap("severity-urgent")
    ui.tap("escalate-next")
    tick(ui, "sign-unsteady")
    tick(ui, "sign-family")
    ui.type("escalate-details", "Found on the kitchen floor")
    ui.tap("escalate-next")


def office_escalations(office: Office) -> list[dict]:
    with office.app.state.engine.connect() as conn:
        rows = conn.execute(office_records.select().where(
            office_records.c.kind == "escalation")).mappings().all()
    return [dict(r) for r in rows]


def test_a_fall_with_soft_signs_reaches_the_office_and_its_acknowledgement_comes_back(
        phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    assert ui.exists("escalate")  # on the day view too
    raise_fall(ui)
    assert "Margaret" in ui.text("escalate-who")
    assert ui.text("sbard-situation").startswith("Situation | Fall for Margaret")
    assert "more unsteady or 'off legs'; family concerned" in ui.text("sbard-assessment")
    assert "DNACPR in place" in ui.text("sbard-background")
    ui.tap("escalate-send")
    assert ui.text("escalate-state") == "Received by the office"
    [row] = office_escalations(office)
    facts = row["facts"] if isinstance(row["facts"], dict) else json.loads(row["facts"])
    assert facts == {"type": "fall", "severity": "urgent"}

    ui.tap("escalate-done")
    assert "received by the office" in ui.text("escalation-0")
    # The office acknowledges: its feed tells the raising worker's phone.
    at = (NOW + timedelta(minutes=4)).isoformat()
    with office.app.state.engine.begin() as conn:
        feed.publish(conn, office.agency.tenant_id, [{
            "worker_id": office.agency.worker_id, "entity": "escalation",
            "entity_id": row["id"], "op": "upsert", "version": 2,
            "body": {"record_id": row["id"], "reference": "E-1", "state": "acknowledged",
                     "acknowledged_at": at, "resolved_at": None, "outcome": None}}])
    ui.tap("sync-now")
    assert ui.text("escalation-0").endswith("acknowledged by the office at 09:09")
    ui.tap("back")
    assert ui.text("escalation-0").endswith("acknowledged by the office at 09:09")


def test_with_no_signal_an_emergency_is_queued_and_the_app_offers_999_and_the_office(
        phone: Phone, office: Office) -> None:
    opened: OpenApp = start_offline(phone, office)
    ui = opened.ui
    ui.tap("escalate")  # from the day view: not about one visit
    ui.tap("type-worker_safety")
    ui.tap("severity-emergency")
    ui.tap("call-999")  # offered at once, before anything else is asked
    assert ui.client.launched_urls[-1] == "tel:999"
    ui.tap("escalate-next")
    assert not ui.exists("sign-unsteady")  # soft signs are for a person's health
    ui.tap("escalate-next")
    ui.tap("escalate-send")
    assert ui.text("escalate-state") == "Saved on phone, not sent yet"
    assert ui.exists("escalate-queued")
    ui.tap("escalate-call-office")
    number = opened.app.services.identity().office_phone.replace(" ", "")
    assert ui.client.launched_urls[-1] == f"tel:{number}"
    assert office_escalations(office) == []
    ui.tap("escalate-done")
    assert "saved on phone, not sent yet" in ui.text("escalation-0")


def test_a_choice_is_needed_before_the_next_step(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.tap("escalate")
    ui.tap("type-fall")
    ui.tap("escalate-next")
    assert "Choose what is happening and how urgent it is." in ui.texts()
    ui.tap("severity-routine")
    ui.tap("escalate-next")
    ui.tap("escalate-back")  # back a step keeps the answers
    assert ui.find("type-fall") is not None and ui.exists("severity-routine")
    ui.tap("escalate-back")
    assert ui.exists("visit-0")


def test_news2_is_offered_only_to_trained_staff_and_shows_the_plan_before_the_advice(
        phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.tap("visit-0")
    ui.tap("escalate")
    ui.tap("type-health_deterioration")
    ui.tap("severity-urgent")
    ui.tap("escalate-next")
    assert ui.exists("sign-breathless") and not ui.exists("news2-pulse")
    ui.tap("escalate-back")
    ui.tap("escalate-back")
    ui.tap("back")
    ui.tap("pin-settings")
    assert "ask your office" in ui.text("settings-news2")
    assert not isinstance(ui.find("settings-news2"), ft.Switch)  # display only
    ui.tap("back")
    # The office sets it for this worker; it reaches the phone with the next sync.
    with office.app.state.engine.begin() as conn:
        worker_profile.set_news2_trained(conn, office.agency.tenant_id,
                                         office.agency.worker_id, True)
    ui.tap("sync-now")
    ui.tap("pin-settings")
    assert "trained to take observations" in ui.text("settings-news2")
    ui.tap("back")
    ui.tap("visit-0")
    ui.tap("escalate")
    ui.tap("type-health_deterioration")
    ui.tap("severity-urgent")
    ui.tap("escalate-next")
    for name, value in (("respiration_rate", "25"), ("spo2", "97"), ("systolic_bp", "130"),
                        ("pulse", "70"), ("temperature", "36.8")):
        ui.type(f"news2-{name}", value)
    ui.tap("news2-calculate")
    assert ui.text("news2-total") == "NEWS2 total: 3"
    assert "Respiration rate: 3" in ui.text("news2-parts")
    order = ui.identifiers()
    assert order.index("news2-resus") < order.index("news2-band")
    assert "DNACPR in place" in ui.text("news2-resus")
    assert not ui.exists("news2-raise-severity")  # 3 in one parameter: senior, and urgent chosen
    ui.type("news2-pulse", "135")  # +3 more: total 6, urgent band
    ui.type("news2-temperature", "39.5")  # +2 more: total 8, call 999
    ui.tap("news2-calculate")
    assert ui.text("news2-total") == "NEWS2 total: 8"
    ui.tap("news2-raise-severity")
    assert ui.exists("call-999")
    ui.tap("escalate-next")
    assert "NEWS2 8" in ui.text("sbard-assessment")
    ui.tap("escalate-send")
    assert ui.text("escalate-state") == "Received by the office"
