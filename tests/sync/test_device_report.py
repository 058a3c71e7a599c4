"""What a phone tells the office about itself at sync: its app version and how many records it
still holds for the office (this push included), which the office keeps as what is left once
the push is acknowledged. An older phone that does not say is still served."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from fieldapp.domain.clock import SystemClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server.schema import devices
from sync.client import SyncClient, enrol
from sync.protocol import SYNC_PATH
from tests.factories import code_for, office_app, small_agency


class Recording(httpx.AsyncBaseTransport):
    """The real office in process, noting each sync request body the phone sends."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.sent: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == SYNC_PATH:
            body = await request.aread()
            self.sent.append(json.loads(gzip.decompress(body)))
        return await self.inner.handle_async_request(request)


def test_the_office_sees_what_the_phone_still_holds(tmp_path: Path) -> None:
    app = office_app(tmp_path)
    engine = app.state.engine
    a = small_agency(engine, tmp_path)
    wire = Recording(app)

    def office_pending() -> tuple[int | None, str]:
        with engine.connect() as conn:
            row = conn.execute(select(devices.c.pending_count, devices.c.app_version)).one()
        return row.pending_count, row.app_version

    async def scenario() -> None:
        http = httpx.AsyncClient(transport=wire, base_url="http://o")
        data = await enrol(http, "http://o", code_for(engine, a.worker_id))
        store = DeviceStore(tmp_path / "phone" / "fieldapp.sqlite")
        device = Device(store, MemoryKeyStore(), SystemClock(), KDF_FLOOR)
        device.complete_enrolment(Enrolment.from_server("http://o", data), "258036")
        client = SyncClient(store, device, http, SystemClock())
        await client.sync_once()
        assert wire.sent[-1]["pending"] == 0
        assert office_pending()[0] == 0
        visits = VisitService(store, device.sealer, device.author, SystemClock())
        visit_id = a.visits[0]["id"]
        visits.add_note(visit_id, "Settled with a cup of tea")
        visits.add_note(visit_id, "Asked for the window open")
        await client.sync_once()
        assert wire.sent[-1]["pending"] == 2 and len(wire.sent[-1]["push"]) == 2
        pending, version = office_pending()
        assert pending == 0 and version  # both acknowledged: nothing left on the phone

    asyncio.run(scenario())
