"""The console's escalation queue and page, in memory: order, acknowledge, resolve, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server import agency, escalations
from server import feed as feed_module
from server.schema import audit_log, medicines
from tests.factories import PASSWORD, small_agency
from tests.server.test_console import Office, from_home, on_top, sign_in
from tests.support.flet_memory import Harness


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> Office:
    return Office(sqlite_engine, small_agency(sqlite_engine, tmp_path))


def raise_one(office: Office, type_: str, severity: str, minutes_ago: int,
              record_id: str | None = None) -> escalations.Escalation:
    """Raised by the worker's phone `minutes_ago`, about the first visit."""
    a = office.agency
    return raised(office, dedupe_key=f"record:{record_id or type_ + severity}", type_=type_,
                  severity=severity,
                  raised_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
                  actor_kind="worker", actor_id=a.worker_id,
                  service_user_id=a.people[0]["id"], source_record_id=record_id)


def raised(office: Office, **fields: Any) -> escalations.Escalation:
    """An escalation about the worker's first visit, raised now unless `fields` say else."""
    a = office.agency
    with office.engine.begin() as conn:
        esc = escalations.raise_escalation(conn, a.tenant_id, **{
            "raised_at": datetime.now(UTC), "worker_id": a.worker_id,
            "visit_id": a.visits[0]["id"], **fields})
    assert esc is not None
    return esc


def queue_text(app: Harness) -> str:
    return on_top(app)


def choose(app: Harness, identifier: str, value: str) -> None:
    """Pick `value` in the dropdown inside `identifier`, as the browser reports a choice."""
    app.choose(identifier, value)


def test_the_queue_shows_emergencies_first_with_their_age_and_the_day_links_to_it(
        office: Office) -> None:
    fall = raise_one(office, "fall", "urgent", 40)
    emergency = raise_one(office, "health_deterioration", "emergency", 3)
    with office.open() as app:
        shown = from_home(app, "console-escalations", "Escalations (2 open)", "/escalations")
        assert shown.index(emergency.reference) < shown.index(fall.reference)
        assert "40 min ago" in shown and "Margaret Ellison" in shown
        assert "Waiting for acknowledgement" in shown


def test_acknowledging_and_resolving_from_the_console_tells_the_worker(office: Office) -> None:
    esc = raise_one(office, "fall", "urgent", 5, record_id="0193aaaa-0000-7000-8000-000000000001")
    with office.open(f"/escalations/{esc.id}") as app:
        sign_in(app)
        assert "Fall: urgent" in on_top(app)
        app.tap("console-escalation-ack")
        assert "Acknowledged by Sam Office" in on_top(app)
        app.tap("console-escalation-resolve")
        assert "Choose an outcome before resolving." in on_top(app)
        choose(app, "console-escalation-outcome", "clinician_contacted")
        app.type("console-escalation-notes", "GP visited, no fracture")
        app.tap("console-escalation-resolve")
        text = on_top(app)
        assert "GP, nurse or NHS 111 contacted" in text and "GP visited, no fracture" in text
        assert "Resolved" in text
    with office.engine.connect() as conn:
        told = [c for c in feed_module.pull(conn, office.agency.tenant_id,
                                            office.agency.worker_id, 0, 1000)
                if c["entity"] == "escalation"]
        notes_read = conn.execute(select(audit_log.c.action).where(
            audit_log.c.action == "open_escalation_notes")).all()
    assert [t["body"]["state"] for t in told] == ["acknowledged", "resolved"]
    assert notes_read  # opening the sealed notes is audited


def test_a_safeguarding_concern_is_hidden_from_a_coordinator_who_is_not_a_lead(
        office: Office) -> None:
    concern = raise_one(office, "safeguarding", "urgent", 1)
    with office.open() as app:
        sign_in(app)  # Sam Office is not a safeguarding lead
        app.tap("console-escalations")
        assert concern.reference not in on_top(app)
        # That one exists is said, never what it holds.
        assert "1 safeguarding concern is open: only a safeguarding lead can see it." \
            in on_top(app)
    with office.open(f"/escalations/{concern.id}") as app:
        sign_in(app)
        assert "only a safeguarding lead can open it" in on_top(app)
        assert "Safeguarding concern: urgent" not in on_top(app)
    agency.add_coordinator(office.engine, office.agency.tenant_id, "Lee Lead",
                           "lead@example.org", PASSWORD, is_safeguarding_lead=True)
    with office.open(f"/escalations/{concern.id}") as app:
        sign_in(app, "lead@example.org")
        assert "Safeguarding concern: urgent" in on_top(app)


def test_a_lone_worker_alert_shows_when_the_worker_last_synced_and_closes_as_safe(
        office: Office) -> None:
    alert = raised(office, dedupe_key="overdue:s1", type_="worker_safety", severity="urgent",
                   actor_kind="office", actor_id="monitor", cause="overdue", level="amber")
    with office.open("/escalations") as app:
        sign_in(app)
        shown = on_top(app)
        assert "AMBER" in shown and "Lone working: no check-out by the end of the visit" in shown
        assert "Worker last synced" in shown
        app.tap(f"console-escalation-{alert.reference}")
        choose(app, "console-escalation-outcome", "safe")
        app.type("console-escalation-notes", "Phoned her: battery had died, all well")
        app.tap("console-escalation-resolve")
        assert "Safe (false alarm)" in on_top(app)


def test_an_office_check_shows_what_it_found_who_recorded_it_and_the_dose(
        office: Office) -> None:
    person = office.agency.people[0]["id"]
    with office.engine.begin() as conn:
        medicine = conn.execute(select(medicines.c.id).where(
            medicines.c.service_user_id == person)).scalar_one()
    esc = raised(office, dedupe_key="double:m:t", type_="medication", severity="urgent",
                 actor_kind="office", actor_id="office_check", service_user_id=person,
                 office_check="double_outcome",
                 detail={"check": "double_outcome", "medicine_id": medicine,
                         "dose_at": "2026-06-01T07:00:00+00:00"})
    with office.open() as app:
        sign_in(app)
        app.tap("console-escalations")
        shown = queue_text(app)
        assert "Medication concern or error: Two outcomes recorded for one dose" in shown
        assert "by the office's checks after sync (record by Amira Khan)" in shown
    with office.open(f"/escalations/{esc.id}") as app:
        sign_in(app)
        assert "Dose: Amlodipine 5 mg, the dose of 08:00 on 01 Jun" in on_top(app)
