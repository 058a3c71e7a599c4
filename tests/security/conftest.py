"""Attack tests on the device vault: a real office server in process, real phone files.

``office``: the server app (``create_app``) on a throwaway SQLite file with the small test
agency. ``phone``: one phone directory (SQLite file + 0600 key file) with a fake clock; each
``phone.session()`` opens the store and device afresh, as reopening the app does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import FileKeyStore
from server import escrow
from server.app import create_app
from server.schema import devices, records
from server.settings import ServerSettings
from sync.client import SyncClient, SyncResult, SyncState, enrol
from tests.factories import SmallAgency, code_for, small_agency
from tests.support import migrated

PIN = "258036"
DURESS_PIN = "740193"
OFFICE_URL = "http://office"


@dataclass
class Office:
    app: Any
    agency: SmallAgency

    @property
    def engine(self) -> Any:
        return self.app.state.engine

    def code(self, worker_id: str | None = None) -> str:
        return code_for(self.engine, worker_id or self.agency.worker_id)

    def opened_records(self) -> dict[str, dict[str, Any]]:
        """Every record at the office, opened with the escrow key: {id: {kind, facts, content}}."""
        key = escrow.load_private_key(str(self.agency.key_file))
        with self.engine.begin() as conn:
            rows = conn.execute(select(records)).mappings().all()
        return {
            r["id"]: {"kind": r["kind"], "facts": r["facts"], "device_id": r["device_id"],
                      "content": escrow.open_envelope(key, r["tenant_id"], "records", r["id"],
                                                      r["version"], r["envelope"])}
            for r in rows
        }

    def device_row(self, device_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            return dict(conn.execute(select(devices).where(devices.c.id == device_id))
                        .mappings().one())


@pytest.fixture
def office(tmp_path: Path) -> Office:
    settings = ServerSettings(database_url=migrated.sqlite_copy(tmp_path / "server.sqlite"),
                              escrow_key_file=tmp_path / "escrow.key", run_monitors=False)
    app = create_app(settings, with_console=False)
    return Office(app, small_agency(app.state.engine, tmp_path))


@dataclass
class Session:
    store: DeviceStore
    device: Device
    visits: VisitService


class Phone:
    """One phone's files. Sessions share them, the way app launches share a phone's storage."""

    def __init__(self, root: Path, office: Office):
        self.dir = root / "phone"
        self.db_path = self.dir / "fieldapp.sqlite"
        self.keystore = FileKeyStore(self.dir / "device.key")
        self.clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
        self.office = office
        self._closing = contextlib.ExitStack()  # every store a session opened

    def session(self) -> Session:
        store = self._closing.enter_context(contextlib.closing(DeviceStore(self.db_path)))
        device = Device(store, self.keystore, self.clock, KDF_FLOOR)
        return Session(store, device, VisitService(store, device.sealer, device.author,
                                                   self.clock))

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.office.app),
                                 base_url=OFFICE_URL)

    def enrol(self, s: Session, pin: str = PIN, code: str | None = None) -> None:
        async def go() -> dict[str, Any]:
            async with self.http() as http:
                return await enrol(http, OFFICE_URL, code or self.office.code())

        data = asyncio.run(go())
        s.device.complete_enrolment(Enrolment.from_server(OFFICE_URL, data), pin)

    def checked_in(self) -> tuple[Session, str]:
        """A session enrolled, synced and checked in to its first visit, and that visit's id."""
        s = self.session()
        self.enrol(s)
        assert self.sync(s).state is SyncState.OK
        visit_id = s.visits.day()[0].id
        s.visits.check_in(visit_id)
        return s, visit_id

    def sync(self, s: Session) -> SyncResult:
        async def go() -> SyncResult:
            async with self.http() as http:
                return await SyncClient(s.store, s.device, http, self.clock).sync_once()

        return asyncio.run(go())

    def files(self) -> list[Path]:
        return sorted(p for p in self.dir.rglob("*") if p.is_file())

    def close(self) -> None:
        self._closing.close()


@pytest.fixture
def phone(tmp_path: Path, office: Office) -> Iterator[Phone]:
    with contextlib.closing(Phone(tmp_path, office)) as p:
        yield p
