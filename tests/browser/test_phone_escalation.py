"""Escalating from the phone in Chromium at 412×860: a fall with soft signs raised from a
visit, sent to the office, acknowledged there, and the acknowledgement seen on the phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select

from server import escalations
from server.schema import escalations as escalation_table
from server.schema import records as office_records
from tests.browser.phone_steps import (
    PHONE,
    SHOTS,
    enrol,
    raise_fall,
    tap,
)
from tests.support.browser import screenshot, wait_id, wait_text

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Coordinator:
    id: str
    tenant_id: str
    is_safeguarding_lead: bool = False


def office_acknowledges(demo) -> None:
    """The office acknowledges the phone's escalation (server.escalations.acknowledge), which
    tells the raising worker's phone through its feed."""
    engine = create_engine(demo.logins.database_url)
    try:
        with engine.begin() as conn:
            [row] = conn.execute(select(office_records).where(
                office_records.c.kind == "escalation")).mappings().all()
            [esc] = conn.execute(select(escalation_table.c.id).where(
                escalation_table.c.source_record_id == row["id"])).all()
            escalations.acknowledge(conn, Coordinator("coordinator-1", row["tenant_id"]),
                                    esc[0], datetime.now(UTC))
    finally:
        engine.dispose()


def test_a_fall_with_soft_signs_is_raised_sent_and_acknowledged(demo, chromium) -> None:
    page = chromium.new_context(viewport=PHONE).new_page()
    enrol(page, demo.app_url, demo.logins.enrolment_code)
    wait_id(page, "escalate")  # on the day view, at the bottom of the screen

    raise_fall(page, sbard_shot=SHOTS / "20-escalation-sbard.png")

    office_acknowledges(demo)
    tap(page, "escalate-done")
    wait_id(page, "escalation-0")
    tap(page, "sync-now")
    wait_text(page, "acknowledged by the office at", timeout=60)
    screenshot(page, SHOTS / "22-escalation-acknowledged.png")
