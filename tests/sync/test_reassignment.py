"""Reassigning a visit: the new worker's phone gets it (and the person), the old one's drops it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from fieldapp.domain.clock import SystemClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server import agency as agency_service
from sync.client import SyncClient, enrol
from tests.factories import code_for, office_app, small_agency


def test_reassigned_visit_moves_between_phones(tmp_path: Path) -> None:
    app = office_app(tmp_path)
    engine = app.state.engine
    a = small_agency(engine, tmp_path)

    async def phone(worker_id: str, name: str):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://o")
        data = await enrol(http, "http://o", code_for(engine, worker_id))
        store = DeviceStore(tmp_path / name / "fieldapp.sqlite")
        device = Device(store, MemoryKeyStore(), SystemClock(), KDF_FLOOR)
        device.complete_enrolment(Enrolment.from_server("http://o", data), "258036")
        client = SyncClient(store, device, http, SystemClock())
        await client.sync_once()
        return store, client, VisitService(store, device.sealer, device.author, SystemClock())

    async def scenario():
        amira_store, amira_sync, amira = await phone(a.worker_id, "amira")
        tom_store, tom_sync, tom = await phone(a.other_worker_id, "tom")
        visit = a.visits[0]["id"]
        assert [v.id for v in amira.day()] == [visit]
        assert visit not in [v.id for v in tom.day()]

        agency_service.reassign_visit(engine, a.tenant_id, visit, a.other_worker_id)
        await amira_sync.sync_once()
        await tom_sync.sync_once()
        assert amira.day() == []
        assert visit in [v.id for v in tom.day()]
        assert tom.visit(visit).person["name"] == "Margaret Ellison"
        # The old phone no longer holds the person's record at all.
        assert amira_store.rows("SELECT id FROM people") == []

        # And back again: the person comes back to the first phone.
        agency_service.reassign_visit(engine, a.tenant_id, visit, a.worker_id)
        await amira_sync.sync_once()
        assert amira.visit(visit).person["name"] == "Margaret Ellison"

    asyncio.run(scenario())
