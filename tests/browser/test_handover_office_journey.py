"""The whole handover journey in Chromium: the demo worker finishes the shift at 412x860, edits
and submits the handover with no signal, reconnects; the coordinator, at 1280x800, acknowledges
and replies in the console; the worker's phone shows both; the colleague who visits the same
person next sees the point on that person's visit, on a phone of their own.

The demo worker's rota is cut to its first visit (the rest go to a colleague, as in
test_phone_handover.py), so the colleague visits the first visit's person later today. "No
signal" is the office server stopped and started again on the same port.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import create_engine, select

from server import enrolment
from server.schema import visits as office_visits
from tests.browser.conftest import RunningDemo
from tests.browser.phone_steps import PIN, bring_into_view, fill, tap, tick
from tests.browser.test_handover_in_console import answer_handover, to_the_handover_inbox
from tests.browser.test_phone_handover import (
    PHONE,
    Office,
    demo_rota,
    finish_the_shift,
    office_handover,
    offline_tap,
    one_visit_demo,
)
from tests.support.browser import open_flet, screenshot, wait_id, wait_text
from tests.support.procs import free_port, start_python, stop, wait_http

pytestmark = pytest.mark.browser
__all__ = ["one_visit_demo"]  # the module's demo: its own server, app and database

DESK = {"width": 1280, "height": 800}
REPLY = "Thanks, a new bath seat is ordered for Friday."
PASS_ON = "Ask the office about a new bath seat"


@pytest.fixture  # per test: a rerun starts afresh
def colleague_app(one_visit_demo: tuple[RunningDemo, Office]) -> Iterator[tuple[str, str]]:
    """A second phone app, for the colleague: (its URL, an enrolment code for the colleague)."""
    demo, _office = one_visit_demo
    _me, colleague, _first = demo_rota()
    engine = create_engine(demo.logins.database_url)
    code = enrolment.issue_code(engine, colleague, 60)
    engine.dispose()
    port = free_port()
    env = {"FIELDAPP_SERVER_URL": demo.server_url,
           "FIELDAPP_DATA_DIR": str(demo.directory / "colleague-phone"),
           "FIELDAPP_WEB_PORT": str(port)}
    app = start_python(["main.py"], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=app, timeout=60)
        yield f"http://127.0.0.1:{port}/", code
    finally:
        stop(app)


def colleague_visit_of_the_person(demo: RunningDemo) -> int:
    """Where, in the colleague's day view, their first visit to the first visit's person is."""
    _me, colleague, first = demo_rota()
    london = ZoneInfo("Europe/London")
    today = datetime.now(london).date()
    lo = datetime.combine(today, time.min, london).astimezone(UTC).isoformat()
    engine = create_engine(demo.logins.database_url)
    with engine.connect() as conn:
        person = conn.execute(select(office_visits.c.service_user_id)
                              .where(office_visits.c.id == first)).scalar_one()
        theirs = conn.execute(select(office_visits.c.service_user_id)
                              .where(office_visits.c.worker_id == colleague,
                                     office_visits.c.start >= lo)
                              .order_by(office_visits.c.start)).scalars().all()
    engine.dispose()
    return theirs.index(person)


def enrol_phone(page: Page, url: str, code: str) -> None:
    open_flet(page, url)
    wait_text(page, "Set up this phone")
    fill(page, "enrol-code", code)
    fill(page, "enrol-pin", PIN)
    fill(page, "enrol-pin2", PIN)
    tap(page, "enrol-submit")
    wait_text(page, "Today,", timeout=60)


def test_handover_offline_then_acknowledged_and_answered_and_passed_to_the_next_worker(
        one_visit_demo: tuple[RunningDemo, Office], colleague_app: tuple[str, str],
        chromium: Browser, artifacts_dir: Path) -> None:
    demo, office = one_visit_demo
    phone = chromium.new_context(viewport=PHONE).new_page()
    enrol_phone(phone, demo.app_url, demo.logins.enrolment_code)
    finish_the_shift(phone, demo)
    tap(phone, "sync-now")
    wait_text(phone, "All records received by the office", timeout=60)

    office.stop()  # no signal
    tap(phone, "end-shift")
    wait_text(phone, "End of shift handover")
    tick(phone, "handover-background-0-next")
    fill(phone, "handover-recommendation-text", PASS_ON)
    tap(phone, "handover-submit")
    wait_text(phone, "Handover submitted")
    offline_tap(phone, "handover-done")
    wait_id(phone, "handover-status-0")
    office.start()  # signal again
    offline_tap(phone, "sync-now")
    deadline = monotonic() + 60  # until the phone's sync has delivered it
    while (row := office_handover(demo)) is None and monotonic() < deadline:
        phone.wait_for_timeout(500)
    assert row is not None

    desk = chromium.new_context(viewport=DESK).new_page()
    to_the_handover_inbox(desk, demo.server_url, demo.logins)
    answer_handover(desk, row["id"], (PASS_ON,), REPLY)
    screenshot(desk, artifacts_dir / "handover-console-answered.png")
    desk.context.close()

    tap(phone, "sync-now")
    wait_text(phone, REPLY, timeout=60)
    wait_text(phone, "acknowledged by")
    bring_into_view(phone, "handover-reply-0")
    screenshot(phone, artifacts_dir / "handover-phone-answered.png")
    phone.context.close()

    # The colleague's phone: the point the worker marked is on the person's visit.
    url, code = colleague_app
    next_worker = chromium.new_context(viewport=PHONE).new_page()
    enrol_phone(next_worker, url, code)
    tap(next_worker, f"visit-{colleague_visit_of_the_person(demo)}")
    wait_id(next_worker, "handover-point-0", timeout_ms=60_000)
    bring_into_view(next_worker, "handover-point-0")
    wait_text(next_worker, "From earlier handovers")
    screenshot(next_worker, artifacts_dir / "handover-point-on-visit.png")
    next_worker.context.close()
