"""Lone working on the phone, in memory against the real office: the SOS hold, "Are you OK?",
extending a visit and the "due to end" reminder."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from fieldapp.services import HOLD_HINT, HOLD_SECONDS
from server import welfare
from server.schema import escalations, welfare_sessions
from tests.screens.conftest import NOW, Office, OpenApp, Phone
from tests.screens.test_worker_screens import enrol, start_offline
from tests.support.flet_memory import Harness

END = NOW - timedelta(minutes=5) + timedelta(minutes=30)  # the first visit: 09:00-09:30


def hold(ui: Harness, seconds: float, *, let_go: bool = False) -> None:
    """Press the SOS button and keep it down for `seconds` (real time: the hold is timed on
    the monotonic clock), then let go if asked."""
    ui.fire(ui.find("sos"), "long_press_start", {})
    ui.run(asyncio.sleep(seconds))
    if let_go:
        ui.fire(ui.find("sos"), "long_press_end", {"v": {"x": 0, "y": 0}})


def office_alerts(office: Office) -> list[tuple[str | None, str | None, str | None]]:
    with office.app.state.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            escalations.c.cause, escalations.c.level, escalations.c.answered_at))]


def checked_in(phone: Phone, office: Office) -> OpenApp:
    opened = phone.open()
    enrol(opened, office)
    opened.ui.tap("visit-0")
    opened.ui.tap("visit-check-in")
    return opened


def test_a_tap_on_sos_only_says_hold_and_a_three_second_hold_reaches_the_office(
        phone: Phone, office: Office) -> None:
    opened = phone.open()
    enrol(opened, office)
    ui = opened.ui
    assert not ui.exists("sos-hint")
    ui.fire(ui.find("sos"), "tap", {})
    assert ui.text("sos-hint") == HOLD_HINT
    hold(ui, 1.0, let_go=True)  # let go too early: nothing is sent
    ui.run(asyncio.sleep(HOLD_SECONDS))
    assert office_alerts(office) == [] and opened.app.page.route == "/day"

    hold(ui, HOLD_SECONDS)
    assert opened.app.page.route.startswith("/sos/")
    assert "received by the office" in ui.text("sos-state")
    [(cause, level, _)] = office_alerts(office)
    assert (cause, level) == ("sos", "red")
    ui.tap("call-999")
    assert ui.client.launched_urls[-1] == "tel:999"


def test_an_sos_with_no_signal_offers_the_office_and_999_at_once(
        phone: Phone, office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    ui.tap("visit-0")
    hold(ui, HOLD_SECONDS)
    assert "saved on phone, not sent yet" in ui.text("sos-state")
    assert "Call the office or 999 now" in ui.screen()
    ui.tap("call-office")
    number = opened.app.services.identity().office_phone.replace(" ", "")
    assert ui.client.launched_urls[-1] == f"tel:{number}"
    ui.tap("call-999")
    assert ui.client.launched_urls[-1] == "tel:999"
    assert ui.exists("sos-sync")
    ui.tap("back")
    # The records banner never counts it (no lone-worker record shows there).
    assert ui.text("sync-status") == "No records waiting to be sent"


def test_the_office_asks_are_you_ok_and_im_ok_answers_it(phone: Phone, office: Office) -> None:
    opened = checked_in(phone, office)
    ui = opened.ui
    engine = office.app.state.engine
    assert welfare.tick(engine, END + timedelta(minutes=10)) == (1, 0)
    ui.tap("sync-now")
    assert "Are you OK?" in ui.text("are-you-ok")
    ui.tap("back")
    assert ui.exists("are-you-ok")  # on the day view too, until answered
    ui.tap("welfare-ok")
    assert not ui.exists("are-you-ok")
    [(cause, level, answered)] = office_alerts(office)
    assert (cause, level) == ("overdue", "amber") and answered is not None
    assert welfare.tick(engine, END + timedelta(hours=1)) == (0, 0)  # no red


def test_i_need_help_sends_an_sos_without_a_hold(phone: Phone, office: Office) -> None:
    opened = checked_in(phone, office)
    welfare.tick(office.app.state.engine, END + timedelta(minutes=10))
    opened.ui.tap("sync-now")
    opened.ui.tap("welfare-help")
    assert opened.app.page.route.startswith("/sos/")
    assert sorted(a[0] or "" for a in office_alerts(office)) == ["overdue", "sos"]


def test_need_more_time_extends_the_visit_at_the_office(phone: Phone, office: Office) -> None:
    opened = checked_in(phone, office)
    ui = opened.ui
    assert "Expected to end at 09:30" in ui.text("expected-end")
    ui.tap("extend-30")
    assert "Expected to end at 10:00" in ui.text("expected-end")
    with office.app.state.engine.connect() as conn:
        [end] = conn.execute(select(welfare_sessions.c.expected_end)).scalars()
    assert datetime.fromisoformat(end) == END + timedelta(minutes=30)


def test_ten_minutes_before_the_end_the_visit_and_day_view_remind(
        phone: Phone, office: Office) -> None:
    opened = checked_in(phone, office)
    ui = opened.ui
    assert not ui.exists("end-reminder")
    phone.clock.set(END - timedelta(minutes=10))
    opened.app._remind()  # what the idle loop checks every 15 s: redraws as it comes due
    assert ui.text("end-reminder") == "Your visit is due to end at 09:30 — check out or extend"
    ui.tap("extend-15")
    assert not ui.exists("end-reminder")
    ui.tap("back")
    phone.clock.set(END + timedelta(minutes=5))
    opened.app.refresh()
    assert "09:45" in ui.text("end-reminder")
    ui.tap("end-reminder-open")
    assert ui.exists("need-more-time")
