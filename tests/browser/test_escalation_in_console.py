"""An escalation from a worker's phone reaches the office in Chromium and the on-call inbox.

The demo agency on the real server (a subprocess) with a real local SMTP server as its relay;
the worker's phone is the real phone code (services, vault, sync client) talking HTTP to it.
The coordinator, at a 1280x800 desk screen, sees the escalation appear in the queue without
reloading, opens it and acknowledges it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser

from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server import agency, oncall
from server.demo import DemoLogins
from server.ladder import Rung
from server.storage import make_engine
from sync.client import SyncClient, enrol
from tests.browser.conftest import SeededOffice, seeded_office
from tests.support.browser import console_sign_in, open_flet, screenshot, tap, wait_text
from tests.support.mail import Inbox
from tests.support.procs import free_port

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Office(SeededOffice):
    inbox: Inbox


def on_call_by_email(logins: DemoLogins) -> None:
    """One rung: the on-call coordinator, by email (the test's mail server)."""
    engine = make_engine(logins.database_url)
    tenant = agency.the_tenant(engine)
    with engine.begin() as conn:
        oncall.set_ladder(conn, tenant, [
            Rung(0, "On-call coordinator", (("email", "oncall@riverside.example"),))])
    engine.dispose()


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    inbox, smtp_port = Inbox(), free_port()
    mail = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    mail.start()
    try:
        with seeded_office(tmp_path_factory.mktemp("escalations"), on_call_by_email,
                           FIELDAPP_SMTP_HOST="127.0.0.1",
                           FIELDAPP_SMTP_PORT=str(smtp_port)) as seeded:
            yield Office(seeded.url, seeded.logins, seeded.tmp, inbox)
    finally:
        mail.stop()


def a_missing_medicine_from_the_phone(office: Office) -> None:
    """The demo worker enrols, checks in to a visit with a due medicine and records it as not
    available: the eMAR raises an urgent escalation, which the sync delivers."""
    async def go() -> None:
        async with httpx.AsyncClient(base_url=office.url, timeout=30) as http:
            data = await enrol(http, office.url, office.logins.enrolment_code)
            clock = FakeClock(datetime.now(UTC))
            store = DeviceStore(office.tmp / "phone.sqlite")
            device = Device(store, MemoryKeyStore(), clock, KDF_FLOOR)
            device.complete_enrolment(Enrolment.from_server(office.url, data), "258036")
            sync = SyncClient(store, device, http, clock)
            await sync.sync_once()
            visits = VisitService(store, device.sealer, device.author, clock)
            for v in visits.day():
                clock.set(v.start + timedelta(minutes=2))  # on time, as the worker would be
                due = visits.medication.round(v.id).unanswered
                if due and due[0].scheduled_at is not None:
                    visits.check_in(v.id)
                    clock.set(due[0].scheduled_at + timedelta(minutes=5))
                    visits.medication.record_dose(v.id, due[0].medicine.id, due[0].scheduled_at,
                                                  "not_available", "None left in the house")
                    break
            else:
                raise AssertionError("no visit today has a medicine due")
            await sync.sync_once()

    # Playwright's sync API owns this thread's event loop: the phone runs in a thread of its own.
    with ThreadPoolExecutor(1) as phone:
        phone.submit(asyncio.run, go()).result()


def test_a_coordinator_sees_an_escalation_arrive_and_acknowledges_it(
        office: Office, chromium: Browser, artifacts_dir: Path) -> None:
    page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_flet(page, f"{office.url}/console/escalations")
    console_sign_in(page, office.logins.coordinator_email, office.logins.password)
    wait_text(page, "Nothing is waiting for the office.")

    a_missing_medicine_from_the_phone(office)
    # No reload: the queue refreshes itself.
    wait_text(page, "Waiting for acknowledgement")
    wait_text(page, "Medication concern or error")
    screenshot(page, artifacts_dir / "console-escalation-queue.png")
    deadline = time.monotonic() + 30
    while not office.inbox.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    ((to, message),) = office.inbox.messages
    assert to == ["oncall@riverside.example"] and "[URGENT]" in message["Subject"]
    reference = message["X-Fieldapp-Reference"]

    tap(page, f"console-escalation-{reference}")
    wait_text(page, "Medication concern or error: urgent")
    tap(page, "console-escalation-ack")
    wait_text(page, "Acknowledged by")
    wait_text(page, "Notice delivered")
    screenshot(page, artifacts_dir / "console-escalation-acknowledged.png")
    page.context.close()
