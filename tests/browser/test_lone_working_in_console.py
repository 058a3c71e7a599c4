"""Lone working across the phone and the office console in Chromium, with short demo timings.

The demo agency on the real server (a subprocess, its monitor leader-elected) and the worker app
(main.py) at 412x860; the coordinator's live board at a 1280x800 desk screen. The worker checks
in to a visit whose scheduled end has just passed and says nothing: the board turns amber, then
red, without reloading. The worker's "I'm OK" stands the climb down; the coordinator closes the
alert as "late". Then a duress unlock: red on the board at once, while the phone looks as it
always does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, select, update

from server import agency, agency_settings
from server.schema import escalations, visits, workers
from server.storage import make_engine
from tests.browser.conftest import RunningDemo
from tests.browser.phone_steps import check_in_here, enrol, fill, tap
from tests.support.browser import (
    console_sign_in,
    open_flet,
    screenshot,
    tree_text,
    wait_id,
    wait_text,
)

pytestmark = pytest.mark.browser

PIN, DURESS_PIN = "258036", "913572"
PHONE, DESK = {"width": 412, "height": 860}, {"width": 1280, "height": 800}


def _no_times(text: str) -> str:
    return re.sub(r"\d{1,2}:\d{2}", "HH:MM", text)


def demo_timings(engine: Engine) -> str:
    """Seconds instead of minutes; returns the demo worker's id."""
    tenant = agency.the_tenant(engine)
    with engine.begin() as conn:
        agency_settings.set_timings(conn, tenant, lone_grace_s=3, lone_amber_to_red_s=25)
        return str(conn.execute(select(workers.c.id).where(
            workers.c.tenant_id == tenant).order_by(workers.c.name)).scalars().first())


def visits_run_out_now(engine: Engine, worker_id: str) -> None:
    """The worker's visits are scheduled to end now, so a check-in starts an overdue session."""
    with engine.begin() as conn:
        conn.execute(update(visits).where(visits.c.worker_id == worker_id).values(
            end=datetime.now(UTC).isoformat()))


def alert_reference(engine: Engine, cause: str) -> str:
    with engine.begin() as conn:
        return str(conn.execute(select(escalations.c.reference).where(
            escalations.c.cause == cause)).scalar_one())


def sign_in_at_the_desk(chromium: Browser, demo: RunningDemo) -> Page:
    desk = chromium.new_context(viewport=DESK).new_page()
    open_flet(desk, f"{demo.server_url}/console/lone-working")
    console_sign_in(desk, demo.logins.coordinator_email, demo.logins.password)
    wait_text(desk, "No open lone-working alerts.")
    return desk


def enrol_the_phone(chromium: Browser, demo: RunningDemo) -> Page:
    phone = chromium.new_context(viewport=PHONE).new_page()
    enrol(phone, demo.app_url, demo.logins.enrolment_code, PIN)
    return phone


def test_a_silent_visit_turns_amber_then_red_on_the_board_and_closes_as_late(
        demo: RunningDemo, chromium: Browser, artifacts_dir: Path) -> None:
    engine = make_engine(demo.logins.database_url)
    try:
        worker_id = demo_timings(engine)
        desk = sign_in_at_the_desk(chromium, demo)
        phone = enrol_the_phone(chromium, demo)
        visits_run_out_now(engine, worker_id)
        tap(phone, "visit-0")
        check_in_here(phone, "Previous visit ran over")

        # No reload: the board refreshes itself.
        wait_text(desk, "AMBER", timeout=60)
        ref = alert_reference(engine, "overdue")
        wait_text(desk, "1 overdue")
        wait_text(desk, "Worker last synced")
        screenshot(desk, artifacts_dir / "console-lone-working-amber.png")
        wait_text(desk, "RED", timeout=90)
        wait_text(desk, "(1 red)")
        screenshot(desk, artifacts_dir / "console-lone-working-red.png")

        # The phone hears "Are you OK?" at its next sync; the worker answers on screen.
        tap(phone, "sync-now")
        wait_id(phone, "welfare-ok", timeout_ms=60_000)
        screenshot(phone, artifacts_dir / "phone-are-you-ok.png")
        tap(phone, "welfare-ok")
        wait_text(desk, "answered \"I'm OK\"", timeout=60)
        tap(desk, f"lone-alert-ack-{ref}")
        wait_text(desk, "Acknowledged by")
        fill(desk, f"lone-alert-notes-{ref}", "Visit ran over, she is fine")
        tap(desk, f"lone-alert-close-late-{ref}")
        wait_text(desk, "No open lone-working alerts.")
        with engine.begin() as conn:
            closed = conn.execute(select(escalations.c.state, escalations.c.outcome).where(
                escalations.c.reference == ref)).one()
        assert tuple(closed) == ("resolved", "late")

        # Duress: set a duress PIN, lock, unlock with it.
        tap(phone, "back")
        tap(phone, "pin-settings")
        fill(phone, "security-current", PIN)
        fill(phone, "security-duress", DURESS_PIN)
        fill(phone, "security-duress2", DURESS_PIN)
        tap(phone, "security-set-duress")
        wait_text(phone, "Your duress PIN is set.")
        tap(phone, "back")
        wait_text(phone, "Today,")
        before = tree_text(phone)
        tap(phone, "lock")
        fill(phone, "unlock-pin", DURESS_PIN)
        tap(phone, "unlock-submit")
        wait_text(phone, "Today,")

        wait_text(desk, "duress PIN used", timeout=60)
        wait_text(desk, "RED")
        screenshot(desk, artifacts_dir / "console-lone-working-duress.png")
        after = tree_text(phone)
        assert "duress" not in after.lower()
        # The same day view, line for line (times aside): no new words, no record counted.
        assert set(_no_times(after).splitlines()) == set(_no_times(before).splitlines())
        screenshot(phone, artifacts_dir / "phone-after-duress-unlock.png")
    finally:
        engine.dispose()
