"""One escalation end to end in Chromium: a fall with soft signs raised on the phone (412x860),
seen in the console's queue and acknowledged there (1280x800), and the acknowledgement seen
back on the phone. The demo agency on the real server and worker app, on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from server.schema import escalations as escalation_table
from server.schema import records as office_records
from tests.browser.phone_steps import PHONE, enrol, raise_fall, tap
from tests.support.browser import console_sign_in, open_flet, screenshot, wait_id, wait_text
from tests.support.browser import tap as desk_tap

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}


def reference_of_the_fall(database_url: str) -> str:
    """The office's reference for the phone's escalation (the console row is named by it)."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            [record] = conn.execute(select(office_records.c.id).where(
                office_records.c.kind == "escalation")).scalars().all()
            return str(conn.execute(select(escalation_table.c.reference).where(
                escalation_table.c.source_record_id == record)).scalar_one())
    finally:
        engine.dispose()


def test_a_fall_raised_on_the_phone_is_acknowledged_in_the_console_and_the_phone_sees_it(
        demo, chromium, artifacts_dir: Path) -> None:
    phone = chromium.new_context(viewport=PHONE).new_page()
    enrol(phone, demo.app_url, demo.logins.enrolment_code)

    desk = chromium.new_context(viewport=DESK).new_page()
    open_flet(desk, f"{demo.server_url}/console/escalations")
    console_sign_in(desk, demo.logins.coordinator_email, demo.logins.password)
    wait_text(desk, "Nothing is waiting for the office.", timeout=60)

    raise_fall(phone)

    # The queue refreshes itself: no reload.
    reference = reference_of_the_fall(demo.logins.database_url)
    wait_id(desk, f"console-escalation-{reference}", timeout_ms=30_000)
    wait_text(desk, "Fall")
    screenshot(desk, artifacts_dir / "round-trip-console-queue.png")
    desk_tap(desk, f"console-escalation-{reference}")
    wait_text(desk, "Fall: urgent")
    desk_tap(desk, "console-escalation-ack")
    wait_text(desk, "Acknowledged by")
    screenshot(desk, artifacts_dir / "round-trip-console-acknowledged.png")

    tap(phone, "escalate-done")
    wait_id(phone, "escalation-0")
    tap(phone, "sync-now")
    wait_text(phone, "acknowledged by the office at", timeout=60)
    screenshot(phone, artifacts_dir / "round-trip-phone-acknowledged.png")
    desk.context.close()
    phone.context.close()
