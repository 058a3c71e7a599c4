"""A visit end to end over the real server code in process: enrol, sync, record, office reads it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fieldapp.domain.clock import SystemClock
from fieldapp.errors import CheckOutBlocked, RuleViolation
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.store.replica import counts
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server import escrow
from server.app import create_app
from server.schema import audit_log
from server.services.sign_in import sign_in
from server.services.visit_record import visit_record
from server.settings import ServerSettings
from sync.client import SyncClient, SyncState, enrol
from tests.factories import PASSWORD, code_for, small_agency

PIN = "258036"


@pytest.fixture
def server(tmp_path: Path):
    settings = ServerSettings(database_url=f"sqlite:///{tmp_path / 'server.sqlite'}",
                              escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False)
    return app


def run(coro):
    return asyncio.run(coro)


async def enrolled_phone(app, tmp_path: Path, worker_id: str):
    engine = app.state.engine
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://office")
    data = await enrol(http, "http://office", code_for(engine, worker_id))
    store = DeviceStore(tmp_path / "phone" / "fieldapp.sqlite")
    device = Device(store, MemoryKeyStore(), SystemClock(), KDF_FLOOR)
    device.complete_enrolment(Enrolment.from_server("http://office", data), PIN)
    return store, device, http


def test_worker_completes_a_visit_and_the_office_reads_it(server, tmp_path: Path) -> None:
    engine = server.state.engine
    agency = small_agency(engine, tmp_path)

    async def journey():
        store, device, http = await enrolled_phone(server, tmp_path, agency.worker_id)
        client = SyncClient(store, device, http, SystemClock())
        first = await client.sync_once()
        assert first.state is SyncState.OK
        visits = VisitService(store, device.sealer, device.author, SystemClock())
        today = visits.day()
        # Only this worker's visit comes down, never a colleague's.
        assert [v.person_name for v in today] == ["Margaret"]
        v = today[0]
        assert v.status == "due"
        visits.check_in(v.id)
        detail = visits.visit(v.id)
        assert detail.person["access_notes"].startswith("Key safe")
        with pytest.raises(CheckOutBlocked) as blocked:
            visits.check_out(v.id)
        assert "answer the task 'Help with a wash and dressing'" in blocked.value.details()
        assert "wash" not in str(blocked.value)  # the message itself carries nothing personal
        wash, breakfast = detail.tasks
        visits.record_task(v.id, wash["id"], "done")
        with pytest.raises(RuleViolation, match="Say why"):
            visits.record_task(v.id, breakfast["id"], "not_done", "")
        visits.record_task(v.id, breakfast["id"], "not_done", "Had breakfast with her daughter")
        visits.add_note(v.id, "Cheerful, walked to the window unaided", ["In good spirits"])
        # The factory's 08:00 Amlodipine is due only when the visit is near 08:00 (real time).
        doses = [visits.medication.record_dose(v.id, d.medicine.id, d.scheduled_at, "taken")
                 for d in visits.visit(v.id).unanswered_doses]
        with pytest.raises(RuleViolation, match="minutes early. Say why before checking out"):
            visits.check_out(v.id)
        visits.check_out(v.id, "Margaret asked me to leave early")
        total = 5 + len(doses)
        assert counts(store).on_phone == total
        assert visits.day()[0].status == "done"
        second = await client.sync_once()
        assert second.state is SyncState.OK and second.received == total
        assert counts(store).received == total and counts(store).on_phone == 0
        # Syncing again pushes nothing and changes nothing.
        again = await client.sync_once()
        assert again.sent == 0
        return v.id

    visit_id = run(journey())
    who = sign_in(engine, agency.coordinator_email, PASSWORD)
    record = visit_record(engine, escrow.load_private_key(str(agency.key_file)), who,
                                 visit_id)
    kinds = [r.kind for r in record.records if r.kind != "dose_outcome"]
    assert kinds == ["check_in", "task_outcome", "task_outcome", "note", "check_out"]
    tasks = {r.content["title"]: r.content for r in record.records if r.kind == "task_outcome"}
    assert tasks["Breakfast and a drink"]["reason"] == "Had breakfast with her daughter"
    note = next(r for r in record.records if r.kind == "note")
    assert "walked to the window" in note.content["text"]
    with engine.begin() as conn:
        audited = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action.in_(["read_record", "read_person"]))).scalar_one()
    # One audit row per sealed record opened: the worker's records and the person's record.
    assert audited == len(record.records) + 1


def test_records_survive_closing_and_reopening_the_app(server, tmp_path: Path) -> None:
    engine = server.state.engine
    agency = small_agency(engine, tmp_path)

    async def first_session():
        store, device, http = await enrolled_phone(server, tmp_path, agency.worker_id)
        await SyncClient(store, device, http, SystemClock()).sync_once()
        visits = VisitService(store, device.sealer, device.author, SystemClock())
        vid = visits.day()[0].id
        visits.check_in(vid)
        store.close()
        return vid, device.keystore

    vid, keystore = run(first_session())
    store = DeviceStore(tmp_path / "phone" / "fieldapp.sqlite")
    device = Device(store, keystore, SystemClock(), KDF_FLOOR)
    assert device.enrolled and not device.unlocked
    device.unlock(PIN)
    visits = VisitService(store, device.sealer, device.author, SystemClock())
    assert visits.visit(vid).checked_in_at is not None
    assert visits.day()[0].status == "in_progress"
