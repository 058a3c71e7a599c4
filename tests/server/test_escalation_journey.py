"""An escalation raised on an offline phone reaches the office and the on-call person's inbox.

The real phone services and sync client, the real server in process, a real local SMTP server.
The only mock is the scripted network fault that makes the phone offline.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from sqlalchemy import select

from server import escalations, feed, oncall
from server.ladder import Rung
from server.notifier import Notifier, SmtpChannel
from server.schema import escalations as escalations_t
from server.services.escalation_board import acknowledge, queue
from server.services.sign_in import sign_in
from server.settings import ServerSettings
from sync.client import SyncClient
from tests.factories import PASSWORD, shared_person_agency
from tests.server.test_office_medication import NOW, PIN, T9, make_phone, meds_by_name
from tests.support.mail import Inbox


def offline(request: httpx.Request) -> httpx.Response:
    """Scripted network fault: no signal in the hallway."""
    raise httpx.ConnectError("no signal", request=request)


class Journey(NamedTuple):
    box: Inbox
    app: Any
    agency: Any
    phone: Any
    engine: Any
    morning: str  # the first visit's id


@pytest.fixture
def journey(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> Journey:
    """The real server in process with the local SMTP server as its relay and a one-tier
    ladder, a small agency, and the morning worker's enrolled and synced phone."""
    from server.app import create_app

    settings = ServerSettings(database_url=f"sqlite:///{tmp_path / 'server.sqlite'}",
                              escrow_key_file=tmp_path / "escrow.key", run_monitors=False)
    notifier = Notifier({"email": SmtpChannel("127.0.0.1", smtp_server[1])},
                        sleep=lambda s: None)
    app = create_app(settings, with_console=False, notifier=notifier)
    agency = shared_person_agency(app.state.engine, tmp_path, NOW)
    with app.state.engine.begin() as conn:
        oncall.set_ladder(conn, agency.tenant_id, [
            Rung(0, "On-call coordinator", (("email", "oncall@agency.example"),))])
    phone = make_phone(app, tmp_path, agency.worker_id)
    asyncio.run(phone.sync.sync_once())
    return Journey(smtp_server[0], app, agency, phone, app.state.engine, agency.visits[0]["id"])


def test_an_escalation_raised_offline_reaches_the_console_and_an_inbox_after_reconnecting(
        journey: Journey) -> None:
    box, app, agency, phone, engine, morning = journey
    ids = meds_by_name(phone, morning)

    # No signal: the worker records that a medicine has run out. The eMAR raises an urgent
    # medication escalation on the phone, queued with the dose.
    phone.sync = SyncClient(phone.store, phone.device,
                            httpx.AsyncClient(transport=httpx.MockTransport(offline),
                                              base_url="http://office"), phone.clock)
    phone.visits.check_in(morning)
    saved = phone.meds.record_dose(morning, ids["Lactulose"], T9, "not_available",
                                   "Bottle empty, none in the house")
    assert [d.severity for d in saved.escalations] == ["urgent"]
    assert asyncio.run(phone.sync.sync_once()).received == 0
    pump = app.state.notice_pump
    assert pump.run_once() == 0 and box.messages == []  # the office knows nothing yet

    # Signal again.
    phone.sync = SyncClient(phone.store, phone.device, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://office"), phone.clock)
    asyncio.run(phone.sync.sync_once())
    who = sign_in(engine, agency.coordinator_email, PASSWORD)
    (item,) = queue(engine, who)
    assert (item.escalation.type, item.escalation.severity) == ("medication", "urgent")
    assert item.escalation.worker_id == agency.worker_id
    assert pump.run_once() == 1
    ((to, message),) = box.messages
    assert to == ["oncall@agency.example"]
    assert item.escalation.reference in message["Subject"]
    raw = message.as_string()
    assert "Lactulose" not in raw and "Bottle" not in raw and "Margaret" not in raw

    # Pushed again (a retry after a lost answer) it is still one escalation.
    with engine.begin() as conn:
        assert len(conn.execute(select(escalations_t.c.id)).all()) == 1

    # The office acknowledges: the worker's feed says so, for the phone's next sync.
    acknowledge(engine, who, item.escalation.id, NOW)
    with engine.begin() as conn:
        told = [c for c in feed.pull(conn, agency.tenant_id, agency.worker_id, 0, 500)
                if c["entity"] == escalations.ESCALATION_ENTITY]
    assert len(told) == 1
    assert told[0]["entity_id"] == item.escalation.source_record_id
    assert told[0]["body"]["state"] == "acknowledged"
    assert pump.run_once() == 0  # acknowledged: nobody else is called


def test_a_duress_unlock_reaches_the_on_call_inbox_and_the_phone_hears_nothing_back(
        journey: Journey) -> None:
    box, app, agency, phone, engine, morning = journey
    phone.visits.check_in(morning)
    phone.device.set_duress_pin(PIN, "913572")
    phone.device.lock()
    phone.device.unlock("913572")
    asyncio.run(phone.sync.sync_once())

    who = sign_in(engine, agency.coordinator_email, PASSWORD)
    (item,) = queue(engine, who)
    assert (item.escalation.type, item.escalation.severity) == ("worker_safety", "emergency")
    assert item.escalation.visit_id == morning and item.worker_name == "Amira Khan"
    assert app.state.notice_pump.run_once() == 1
    assert "EMERGENCY" in box.messages[0][1]["Subject"]
    acknowledge(engine, who, item.escalation.id, NOW)
    with engine.begin() as conn:
        told = [c for c in feed.pull(conn, agency.tenant_id, agency.worker_id, 0, 500)
                if c["entity"] == escalations.ESCALATION_ENTITY]
    assert told == []  # whoever forced the unlock sees nothing come back
