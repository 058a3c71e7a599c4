"""Lone working on the phone in Chromium at 412×860, against the real server on loopback: a tap
on SOS only says "hold", a 3-second hold reaches the office as a red worker-safety alert; the
office's "Are you OK?" is answered "I'm OK" (the session's alert is stood down); a visit is
extended and the office's expected end moves on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, select

from fieldapp.services import HOLD_HINT
from server import welfare
from server.schema import escalations, tenants, welfare_sessions
from tests.browser.phone_steps import bring_into_view, check_in_here, enrol, settle, tap
from tests.support.browser import by_id, has_text, tree_text, wait_id, wait_text

pytestmark = pytest.mark.browser

PHONE = {"width": 412, "height": 860}


def eventually(read: Callable[[], Any], timeout: float = 60.0) -> Any:
    """What `read` returns once it is truthy (the phone syncs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        found = read()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def tap_until(page, identifier: str, arrived: Callable[[], bool], attempts: int = 3) -> None:
    """Tap until the phone shows the tap's effect: a tap that lands while a sync redraws the
    screen is lost, and a person taps again (only while the effect has not come)."""
    for _ in range(attempts):
        tap(page, identifier)
        if eventually(arrived, timeout=8.0):
            return
    assert arrived(), f"tapping {identifier!r} did nothing:\n{tree_text(page)}"


def alerts(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            escalations.c.cause, escalations.c.level, escalations.c.type,
            escalations.c.answered_at))]


def hold_sos(page, seconds: float) -> None:
    """Press the SOS button and keep it down, as a thumb does."""
    settle(page)
    bring_into_view(page, "sos")
    box = by_id(page, "sos").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(int(seconds * 1000))
    page.mouse.up()


def test_sos_im_ok_and_extend_reach_the_office(demo, chromium) -> None:
    engine = create_engine(demo.logins.database_url)
    page = chromium.new_context(viewport=PHONE).new_page()
    try:
        enrol(page, demo.app_url, demo.logins.enrolment_code)

        tap(page, "sos")  # a tap sends nothing
        wait_text(page, HOLD_HINT)
        hold_sos(page, 4.0)
        wait_text(page, "received by the office", timeout=60)
        assert [a[:3] for a in alerts(engine)] == [("sos", "red", "worker_safety")]
        wait_id(page, "call-999")

        tap(page, "back")
        tap(page, "visit-0")
        check_in_here(page, "Rota changed this morning")
        wait_id(page, "need-more-time")
        with engine.connect() as conn:
            [end] = eventually(lambda: conn.execute(
                select(welfare_sessions.c.expected_end)).scalars().all())
        moved = datetime.fromisoformat(end) + timedelta(minutes=30)
        with engine.connect() as conn:
            zone = ZoneInfo(conn.execute(select(tenants.c.timezone)).scalar_one())
        tap_until(page, "extend-30", lambda: has_text(
            page, f"Expected to end at {moved.astimezone(zone):%H:%M}"))
        with engine.connect() as conn:
            assert eventually(lambda: datetime.fromisoformat(conn.execute(
                select(welfare_sessions.c.expected_end)).scalar_one()) == moved)

        # The session runs out (the monitor's tick, at the time it would): "Are you OK?".
        welfare.tick(engine, moved + timedelta(minutes=10))
        tap_until(page, "sync-now", lambda: by_id(page, "are-you-ok").count() > 0)
        tap_until(page, "welfare-ok", lambda: by_id(page, "are-you-ok").count() == 0)
        assert eventually(lambda: any(
            a[0] == "overdue" and a[3] is not None for a in alerts(engine)))
    finally:
        page.context.close()
        engine.dispose()
