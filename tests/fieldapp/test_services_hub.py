"""The services object the screens hold: enrolment, sync status, the outbox, typed times."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain.clock import FakeClock
from fieldapp.services import (
    FieldAppError,
    RuleViolation,
    Services,
    SyncResult,
    SyncState,
    WeakPin,
)
from fieldapp.services.device import Device
from fieldapp.services.duress import write_duress_alert
from fieldapp.settings import AppSettings
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import write_record
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from fieldapp.vault.sealing import generate_agency_keypair

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PIN = "583029"


class FakeSync:
    """A scripted sync client: answers in order, counts enrolment calls."""

    def __init__(self, *answers: SyncResult | Exception):
        self.answers = list(answers)
        self.enrolments = 0

    async def sync_once(self) -> SyncResult:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def enrol(self, server_url: str, code: str) -> dict[str, object]:
        self.enrolments += 1
        return {"device_id": "d-1", "device_token": "tok", "tenant_id": "t-1",
                "worker_id": "w-1", "worker_name": "Sam Worker", "office_phone": "0100",
                "escrow_public_key": base64.b64encode(generate_agency_keypair()[1]).decode()}

    def next_delay(self, failures: int) -> float:
        return 60.0 if failures == 0 else 5.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DeviceStore]:
    s = DeviceStore(tmp_path / "fieldapp.sqlite")
    yield s
    s.close()


def make(store: DeviceStore, sync: FakeSync) -> Services:
    clock = FakeClock(NOW)
    device = Device(store, MemoryKeyStore(), clock, KDF_FLOOR)
    return Services(AppSettings(data_dir=Path("unused")), device, clock, sync)


def test_enrolment_refuses_a_mismatched_or_weak_pin_before_using_the_code(
        store: DeviceStore) -> None:
    sync = FakeSync()
    services = make(store, sync)
    with pytest.raises(RuleViolation, match="different"):
        asyncio.run(services.enrol("http://office", "CODE", PIN, "583028"))
    with pytest.raises(WeakPin):
        asyncio.run(services.enrol("http://office", "CODE", "1111", "1111"))
    assert sync.enrolments == 0 and not services.enrolled


def test_enrolment_opens_the_app_and_greets_the_worker(store: DeviceStore) -> None:
    services = make(store, FakeSync())
    asyncio.run(services.enrol("http://office/", "CODE", PIN, PIN))
    assert services.unlocked and services.identity().server_url == "http://office"
    status = services.lock_status()
    assert status.worker_name == "Sam Worker" and status.lease_message is None
    assert status.wait_seconds == 0


def test_sync_now_keeps_the_last_result_and_turns_app_errors_into_server_error(
        store: DeviceStore) -> None:
    ok = SyncResult(SyncState.OK, sent=2, received=2)
    services = make(store, FakeSync(ok, FieldAppError("damaged")))
    assert asyncio.run(services.sync_now()) is ok and services.last_result is ok
    failed = asyncio.run(services.sync_now())
    assert failed.state is SyncState.SERVER_ERROR and services.last_result is failed
    assert failed.visible_change(ok) and not SyncResult(SyncState.OK).visible_change(
        SyncResult(SyncState.OK))


def test_outbox_lists_refused_and_waiting_first_and_never_a_duress_alert(
        store: DeviceStore) -> None:
    services = make(store, FakeSync())
    asyncio.run(services.enrol("http://office", "CODE", PIN, PIN))
    sealer, author = services.device.sealer(), services.device.author()
    ids: dict[str, str] = {}
    with store.transaction() as db:
        for i, kind in enumerate(("note", "check_in", "note")):
            at = (NOW + timedelta(minutes=i)).isoformat()
            ids[f"{kind}-{i}"] = write_record(db, sealer, author, kind=kind, recorded_at=at,
                                              payload={"text": "x"})
        write_duress_alert(db, sealer, author, NOW)
        db.execute("UPDATE records SET sync_state = 'received' WHERE id = ?", [ids["note-0"]])
        db.execute("DELETE FROM outbox WHERE record_id = ?", [ids["note-0"]])
        db.execute("UPDATE records SET sync_state = 'rejected', reject_reason = 'bad' "
                   "WHERE id = ?", [ids["note-2"]])
    entries = services.outbox.entries()
    assert [e.record_id for e in entries] == [ids["note-2"], ids["check_in-1"], ids["note-0"]]
    assert entries[0].reject_reason == "bad" and entries[0].visit_start is None
    counts = services.counts()
    assert (counts.on_phone, counts.received, counts.rejected) == (1, 1, 1)
    # The queue itself still holds the alert: it must reach the office.
    assert services.outbox.waiting() == 3


def test_a_typed_time_is_today_in_the_agency_zone(store: DeviceStore) -> None:
    services = make(store, FakeSync())
    assert services.time_today("") is None
    when: Any = services.time_today("08.10")
    assert when.isoformat() == "2026-03-10T08:10:00+00:00"
    with pytest.raises(RuleViolation, match="HH:MM"):
        services.time_today("8 o'clock")
