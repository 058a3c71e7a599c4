"""Fixtures for driving the worker app's real screens in memory against a real office server.

* ``office``: the server app in process (``create_app(..., with_console=False)``) on a throwaway
  SQLite file, seeded with ``tests.factories.small_agency`` at a fixed time (``NOW``).
* ``phone``: one phone (its SQLite file and its keystore survive closing and reopening the app).
  ``phone.open()`` opens the worker app in a fresh in-memory Flet session, wired like
  ``main.build_main`` but with the office reached through ``httpx.ASGITransport`` (or any
  transport a test passes, such as a scripted network fault) and a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flet as ft
import httpx
import pytest

from fieldapp.domain.clock import FakeClock
from fieldapp.settings import AppSettings
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from main import compose
from screens.app import WorkerApp
from server.app import create_app
from server.settings import ServerSettings
from tests.factories import SmallAgency, code_for, small_agency
from tests.support import migrated
from tests.support.flet_memory import Harness, run_app

# A Tuesday in March: London is on GMT, so 09:05 UTC is 09:05 on the phone's screen.
NOW = datetime(2026, 3, 10, 9, 5, tzinfo=UTC)
OFFICE_URL = "http://office"
SETTINGS = AppSettings(data_dir=Path("unused"), server_url=OFFICE_URL)
PIN = "258036"


@dataclass
class Office:
    app: Any  # the FastAPI app
    agency: SmallAgency

    def enrolment_code(self) -> str:
        return code_for(self.app.state.engine, self.agency.worker_id)


def office_app(tmp_path: Path, name: str = "server", key_file: str = "escrow.key") -> Any:
    """The office server app (no console, no monitors) on its own SQLite file under tmp_path,
    with the escrow key its agency is (or will be) made with: tmp_path / key_file."""
    # The phone's clock is fixed in March 2026 while the server's is real: keep every visit in
    # the phones' retention window so the fixed-date rota still syncs.
    url = migrated.ready(f"sqlite:///{tmp_path / f'{name}.sqlite'}")  # a migrated copy
    settings = ServerSettings(database_url=url,
                              escrow_key_file=tmp_path / key_file,
                              phone_retention_days=36500, run_monitors=False)
    return create_app(settings, with_console=False)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    app = office_app(tmp_path)
    return Office(app, small_agency(app.state.engine, tmp_path, now=NOW))


def scripted_no_signal(request: httpx.Request) -> httpx.Response:
    """Scripted network fault: the phone has no signal, so no request reaches the office."""
    raise httpx.ConnectError("scripted network fault: no signal", request=request)


NO_SIGNAL = httpx.MockTransport(scripted_no_signal)


@dataclass
class OpenApp:
    """The worker app open on the phone: the screen (``ui``) and the app object behind it."""

    ui: Harness
    app: WorkerApp
    store: DeviceStore


class Phone:
    """One phone. Closing the app keeps its SQLite file and keystore, as on a real phone.

    `monotonic` stands in for the inactivity lock's clock (the lock tests move it on)."""

    def __init__(self, root: Path, office: Office,
                 monotonic: Callable[[], float] = time.monotonic):
        self.db_path = root / "phone" / "fieldapp.sqlite"
        self.keystore = MemoryKeyStore()
        self.clock = FakeClock(NOW)
        self.monotonic = monotonic
        self.office = office
        self._open: list[Harness] = []

    def open(self, transport: httpx.AsyncBaseTransport | None = None) -> OpenApp:
        """Open the app (a new Flet session over a newly opened store), as ``main.py`` does."""
        store = DeviceStore(self.db_path)
        http = httpx.AsyncClient(
            transport=transport or httpx.ASGITransport(app=self.office.app), base_url=OFFICE_URL)
        made: dict[str, WorkerApp] = {}

        async def main(page: ft.Page) -> None:
            services = compose(SETTINGS, store, self.keystore, self.clock, http, kdf=KDF_FLOOR)
            app = WorkerApp(page, services, monotonic=self.monotonic)
            page.on_disconnect = lambda _e: services.lock()
            made["app"] = app
            app.start()

        try:
            ui = run_app(main)
        except BaseException:
            store.close()
            raise
        ui.on_close(store.close)
        ui.on_close(http.aclose)
        self._open.append(ui)
        return OpenApp(ui, made["app"], store)

    def enrolled(self) -> OpenApp:
        """The app opened and enrolled with its office (PIN `PIN`), on today's list."""
        opened = self.open()
        enrol(opened, self.office)
        return opened

    def close_all(self) -> None:
        for ui in self._open:
            ui.close()


@pytest.fixture
def phone(tmp_path: Path, office: Office) -> Iterator[Phone]:
    p = Phone(tmp_path, office)
    yield p  # pytest runs the rest even when the test fails
    p.close_all()


# --- steps a worker takes ---------------------------------------------------------------------
def enrol(opened: OpenApp, office: Office, pin: str = PIN) -> None:
    ui = opened.ui
    ui.type("enrol-code", office.enrolment_code())
    ui.type("enrol-pin", pin)
    ui.type("enrol-pin2", pin)
    ui.tap("enrol-submit")


def unlock(opened: OpenApp, pin: str = PIN) -> None:
    opened.ui.type("unlock-pin", pin)
    opened.ui.tap("unlock-submit")


def check_in(ui: Harness, *, then: str | None = None) -> None:
    """From today's list: open the first visit, check in, then tap `then` (say "visit-mar")."""
    ui.tap("visit-0")
    ui.tap("visit-check-in")
    if then is not None:
        ui.tap(then)
