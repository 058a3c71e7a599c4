"""The eMAR's controlled-drug witness in memory against a real office: picked from the staff list
the office sends (never the worker), stored with the dose, and printed on the office's MAR."""

from __future__ import annotations

import io
import uuid
from datetime import date

import flet as ft
from pypdf import PdfReader
from sqlalchemy import select

from fieldapp.domain.clock import FakeClock
from fieldapp.services.witnesses import PICK_ONE
from server import agency, escrow
from server.pdf import mar_chart_pdf
from server.schema import records
from server.services.mar_chart import build_mar_chart
from server.services.sign_in import sign_in
from tests.factories import PASSWORD
from tests.screens.conftest import NOW, Office, Phone, check_in
from tests.screens.test_worker_screens import enrol


def add_oramorph(office: Office) -> None:
    person = office.agency.people[0]["id"]
    agency.add_people(office.app.state.engine, office.agency.tenant_id, [], [], [{
        "id": str(uuid.uuid4()), "service_user_id": person, "name": "Oramorph",
        "strength": "10mg/5ml", "form": "oral solution", "route": "oral", "dose": "2.5ml",
        "times": [], "support_level": "administer", "controlled": True, "time_critical": False,
        "window_minutes": 30, "instructions": "", "start_date": "2026-01-01", "stop_date": None,
        "prn": {"reason_hint": "Breakthrough pain", "min_interval_hours": 2,
                "max_doses_24h": 6}}])


def test_the_witness_is_picked_from_the_staff_list_and_shown_on_the_mar_pdf(
        phone: Phone, office: Office) -> None:
    add_oramorph(office)
    opened = phone.open()
    enrol(opened, office)
    ui = opened.ui
    check_in(ui, then="visit-mar")
    # The office's staff list, by name: a coordinator and the other care worker, not Amira.
    assert ui.text("prn-0-witness-0") == "Sam Office (coordinator)"
    assert ui.text("prn-0-witness-1") == "Tom Baxter (care worker)"
    assert not ui.exists("prn-0-witness-2")
    assert not any("Amira" in t for t in ui.texts(ui.semantics("prn-0-witness-find")))
    assert ui.text("prn-0-witness-picked") == "Witness: tap the colleague who watched"
    ui.type("prn-0-reason", "Breakthrough pain")
    ui.tap("prn-0-given")
    assert ui.text("prn-0-message") == PICK_ONE
    # Typing part of a name finds the colleague; each choice is labelled and thumb-sized.
    ui.type("prn-0-witness-find", "tom")
    assert ui.text("prn-0-witness-0") == "Tom Baxter (care worker)"
    assert not ui.exists("prn-0-witness-1")
    assert ui.semantics("prn-0-witness-0").label == "Witness: Tom Baxter (care worker)"
    chip = ui.find("prn-0-witness-0")
    assert isinstance(chip, ft.Chip) and (chip.height or 0) >= 48
    ui.type("prn-0-witness-find", "nobody here")
    assert ui.text("prn-0-witness-more") == "Nobody on the staff list has that name."
    ui.type("prn-0-witness-find", "baxter")
    ui.tap("prn-0-witness-0")
    assert ui.text("prn-0-witness-picked") == "Witness: Tom Baxter"
    ui.tap("prn-0-given")
    assert "witness Tom Baxter" in ui.text("prn-0-given-0-answer")

    ui.tap("mar-done")
    ui.tap("back")
    ui.tap("sync-now")
    assert ui.text("sync-status") == "All records received by the office"
    engine = office.app.state.engine
    with engine.begin() as conn:
        facts = conn.execute(select(records.c.facts).where(
            records.c.kind == "dose_outcome")).scalar_one()
    assert facts["witness_id"] == office.agency.other_worker_id
    who = sign_in(engine, office.agency.coordinator_email, PASSWORD)
    key = escrow.load_private_key(str(office.agency.key_file))
    chart = build_mar_chart(engine, key, who, office.agency.people[0]["id"], date(2026, 3, 10),
                            1, clock=FakeClock(NOW))
    assert any("witness: Tom Baxter" in n for n in chart.notes), chart.notes
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(mar_chart_pdf(chart))).pages)
    assert "witness: Tom Baxter" in text
