"""A worker's end-of-shift handover reaches the office in Chromium; the coordinator acknowledges
and replies, and the worker's phone hears both.

The demo agency on the real server (a subprocess); the worker's phone is the real phone code
(vault, store, sync client) talking HTTP to it, writing its handover record offline and
delivering it when the signal is back. The coordinator works at a 1280x800 desk screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import write_record
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server.demo import DemoLogins
from sync import handover
from sync.client import SyncClient, enrol
from tests.browser.conftest import SeededOffice, seeded_office
from tests.support.browser import console_sign_in, fill, open_flet, screenshot, tap, wait_text

pytestmark = pytest.mark.browser
PIN = "258036"
NOTE = "Refused her evening tablets: try again with supper"
REPLY = "Thank you, I will ring her daughter tonight."


Office = SeededOffice


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    with seeded_office(tmp_path_factory.mktemp("handovers")) as office:
        yield office


def no_signal(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no signal", request=request)


class Phone:
    """The demo worker's phone, driven from a thread of its own (Playwright's sync API owns
    this thread's event loop)."""

    def __init__(self, office: Office):
        self.office = office
        self.heard: list[dict[str, Any]] = []
        self.store = DeviceStore(office.tmp / "phone.sqlite")
        self.clock = FakeClock(datetime.now(UTC))
        self.device = Device(self.store, MemoryKeyStore(), self.clock, KDF_FLOOR)
        self.threads = ThreadPoolExecutor(1)
        self.enrolled = False

    def run(self, work: Callable[[SyncClient], Any]) -> Any:
        async def go() -> Any:
            async def hear(response: httpx.Response) -> None:
                await response.aread()
                if response.request.method == "POST" and response.status_code == 200:
                    self.heard += response.json().get("changes", [])

            async with httpx.AsyncClient(base_url=self.office.url, timeout=30,
                                         event_hooks={"response": [hear]}) as http:
                if not self.enrolled:
                    data = await enrol(http, self.office.url, self.office.logins.enrolment_code)
                    self.device.complete_enrolment(Enrolment.from_server(self.office.url, data),
                                                   PIN)
                    self.enrolled = True
                result = work(SyncClient(self.store, self.device, http, self.clock))
                return await result if asyncio.iscoroutine(result) else result
        return self.threads.submit(asyncio.run, go()).result()

    def hand_over(self) -> str:
        """A visit done, then the handover written with no signal and delivered later."""
        async def shift(sync: SyncClient) -> str:
            await sync.sync_once()
            visits = VisitService(self.store, self.device.sealer, self.device.author, self.clock)
            first = visits.day()[0]
            self.clock.set(first.start + timedelta(minutes=2))
            visits.check_in(first.id)
            self.clock.set(first.start + timedelta(minutes=20))
            (person,) = self.store.rows("SELECT service_user_id FROM visits WHERE id = ?",
                                        [first.id])
            item: handover.Item = {
                "id": "0193b000-0000-7000-8000-00000000a001", "category": "dose_refused",
                "text": NOTE, "source_ids": [], "person_id": person["service_user_id"],
                "visit_id": first.id, "for_next_worker": True}
            body = handover.empty_payload()
            body["text"] = "A calm morning."
            body["sections"]["recommendation"]["items"].append(item)
            with self.store.transaction() as db:
                rid = write_record(
                    db, self.device.sealer(), self.device.author(), kind="handover",
                    recorded_at=self.clock.now().isoformat(), payload=dict(body),
                    facts=handover.facts_for(body, first.start.isoformat(),
                                             self.clock.now().isoformat()))
            # No signal at first: it stays queued on the phone; then the signal is back.
            offline = SyncClient(self.store, self.device, httpx.AsyncClient(
                transport=httpx.MockTransport(no_signal), base_url=self.office.url), self.clock)
            await offline.sync_once()
            assert {"record_id": rid} in self.store.rows("SELECT record_id FROM outbox")
            await sync.sync_once()
            return rid
        return str(self.run(shift))

    def sync(self) -> None:
        self.run(lambda sync: sync.sync_once())


def to_the_handover_inbox(page: Page, url: str, logins: DemoLogins) -> None:
    """Sign in to the console at `url`, whose day board has one handover waiting; open the
    handover inbox."""
    open_flet(page, f"{url}/console/")
    console_sign_in(page, logins.coordinator_email, logins.password)
    wait_text(page, "Handovers (1 unacknowledged)")
    tap(page, "console-handovers")


def answer_handover(page: Page, handover_id: str, shows: Sequence[str], reply: str) -> None:
    """From the inbox: open the handover (it `shows` these texts), acknowledge it and reply."""
    tap(page, f"console-handover-{handover_id}")
    for text in shows:
        wait_text(page, text)
    tap(page, "console-handover-ack")
    wait_text(page, "Acknowledged by")
    fill(page, "console-handover-reply-text", reply)
    tap(page, "console-handover-reply-send")
    wait_text(page, reply)


def test_a_coordinator_acknowledges_and_answers_a_handover_and_the_phone_hears_it(
        office: Office, chromium: Browser, artifacts_dir: Path) -> None:
    phone = Phone(office)
    rid = phone.hand_over()
    page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    to_the_handover_inbox(page, office.url, office.logins)
    wait_text(page, "Waiting for acknowledgement")
    screenshot(page, artifacts_dir / "console-handover-inbox.png")
    answer_handover(page, rid, (NOTE, "Recommendation"), REPLY)
    screenshot(page, artifacts_dir / "console-handover-replied.png")
    page.context.close()

    phone.sync()
    acks = [c for c in phone.heard if c["entity"] == handover.ACK_ENTITY]
    assert [c["body"]["state"] for c in acks] == ["acknowledged", "replied"]
    assert acks[-1]["body"]["reply"] == REPLY
