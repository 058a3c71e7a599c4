"""The phones screen in memory: a code issued and shown once, the phone then listed with what
it reported, withdrawn after a confirmation, and its wipe shown once the phone confirms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server import enrolment, escrow
from server.clock import SystemClock
from server.console.app import make_console
from server.sync_service import handle_sync
from sync.protocol import SyncRequest
from tests.factories import SmallAgency, small_agency
from tests.server.test_console import sign_in
from tests.support.flet_memory import Harness, run_app


@pytest.fixture
def office(sqlite_engine: Engine, tmp_path: Path) -> tuple[Engine, SmallAgency]:
    return sqlite_engine, small_agency(sqlite_engine, tmp_path)


def opened(engine: Engine, a: SmallAgency) -> Harness:
    key = escrow.load_private_key(str(a.key_file))
    app = run_app(make_console(engine, lambda: key, SystemClock()),
                  page_props={"route": "/devices", "web": True, "width": 1280.0})
    sign_in(app, a.coordinator_email)
    return app


def test_enrol_withdraw_and_see_the_wipe_confirmed(office: tuple[Engine, SmallAgency]) -> None:
    engine, a = office
    with opened(engine, a) as app:
        assert "No phones are enrolled yet." in app.screen()
        app.tap("console-devices-issue")
        assert "Choose the worker" in app.text("console-devices-problem")
        app.choose("console-devices-worker", a.worker_id)
        app.tap("console-devices-issue")
        shown = app.text("console-devices-code")
        code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", shown)
        assert code and "Amira Khan" in shown and "not shown again" in shown
        phone = enrolment.enrol(engine, code.group(), "1.4.0")
        device = enrolment.authenticate(engine, phone["device_token"])
        handle_sync(engine, device, SyncRequest(1, None, app_version="1.4.0", pending=2))
        app.tap("console-devices-refresh")
        screen = app.screen()
        assert "Amira Khan" in screen and "1.4.0" in screen and "In use" in screen
        assert "min ago" in screen
        app.tap(f"console-devices-withdraw-{phone['device_id']}")
        assert "Withdraw Amira Khan's phone" in app.screen()
        app.tap("console-devices-withdraw-no")
        assert "In use" in app.screen()
        app.tap(f"console-devices-withdraw-{phone['device_id']}")
        app.tap("console-devices-withdraw-yes")
        assert "Withdrawn: wipes at its next contact" in app.screen()
        assert not app.exists(f"console-devices-withdraw-{phone['device_id']}")
        device = enrolment.authenticate(engine, phone["device_token"])
        assert handle_sync(engine, device, SyncRequest(1, None)).wipe
        enrolment.confirm_wipe(engine, device)
        app.tap("console-devices-sort-0")  # any action redraws; sorting reads afresh
        assert "Wiped (confirmed by the phone) at" in app.screen()
