"""The lock as a worker meets it, in memory: auto-lock, background, waits, lease, duress, wipe."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flet as ft
import pytest
from sqlalchemy import select

from server import enrolment
from server.schema import records as office_records
from tests.screens.conftest import PIN, Office, OpenApp, Phone, unlock
from tests.screens.conftest import office as office  # noqa: F401 - the same office fixture

DURESS_PIN = "740193"
WRONG = "901346"


@dataclass
class Ticker:
    """A fake monotonic clock for the inactivity lock."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


class LockPhone(Phone):
    """The screens' phone with a fake clock for the inactivity lock (`ticker`)."""

    def __init__(self, root: Path, office: Office):
        self.ticker = Ticker()
        super().__init__(root, office, monotonic=self.ticker)


@pytest.fixture
def phone(tmp_path: Path, office: Office) -> Iterator[LockPhone]:  # noqa: F811
    p = LockPhone(tmp_path, office)
    yield p
    p.close_all()


def enrolled(phone: LockPhone, office: Office) -> OpenApp:  # noqa: F811
    opened = phone.enrolled()
    assert opened.ui.exists("visit-0"), opened.ui.screen()
    return opened


def office_kinds(office: Office) -> list[str]:  # noqa: F811
    with office.app.state.engine.begin() as conn:
        return [r.kind for r in conn.execute(select(office_records.c.kind))]


def start_a_note(opened: OpenApp, text: str) -> None:
    ui = opened.ui
    ui.tap("visit-0")
    ui.tap("visit-check-in")
    ui.type("note-text", text)


def test_inactivity_locks_and_unlocking_returns_to_the_half_typed_note(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    ui = opened.ui
    start_a_note(opened, "She asked about the allotment")
    phone.ticker.advance(minutes=4)
    assert not opened.app.check_idle()
    ui.type("note-text", "She asked about the allotment again")  # typing is activity
    phone.ticker.advance(minutes=4)
    assert not opened.app.check_idle()
    phone.ticker.advance(minutes=1)
    assert opened.app.check_idle()
    assert not opened.app.services.device.unlocked
    assert ui.exists("unlock-pin") and "Margaret" not in ui.screen()
    assert "allotment" not in ui.screen()

    unlock(opened)
    note = ui.find("note-text")
    assert isinstance(note, ft.TextField) and note.value == "She asked about the allotment again"
    assert "Checked in 09:05" in ui.texts()


def test_a_tap_after_the_idle_time_locks_instead_of_acting(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    start_a_note(opened, "Left the kettle on")
    phone.ticker.advance(minutes=6)  # the timer has not run yet
    opened.ui.tap("note-save")
    assert opened.ui.exists("unlock-pin")
    assert opened.store.rows("SELECT COUNT(*) AS n FROM records WHERE kind = 'note'")[0]["n"] == 0


def test_going_to_the_background_locks(phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    ui = opened.ui
    ui.fire(ui.page, "app_lifecycle_state_change", {"state": "inactive"})
    assert opened.app.services.device.unlocked  # a notification shade is not the background
    ui.fire(ui.page, "app_lifecycle_state_change", {"state": "hide"})
    assert not opened.app.services.device.unlocked and ui.exists("unlock-pin")


def test_the_lock_screen_shows_tries_left_and_the_wait(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    opened.ui.tap("lock")
    for _ in range(4):
        unlock(opened, WRONG)
    assert "That PIN is not right. 6 tries left." in opened.ui.texts()
    unlock(opened, WRONG)
    texts = opened.ui.texts()
    assert "That PIN is not right. 5 tries left. Wait 30 seconds before the next try." in texts
    assert opened.ui.text("unlock-wait") == ("Too many wrong PINs. Wait 30 seconds before "
                                            "trying again.")
    unlock(opened, PIN)  # too soon, even with the right PIN
    assert "Too many wrong PINs. Try again in 30 seconds." in opened.ui.texts()
    phone.clock.advance(seconds=30)
    unlock(opened, PIN)
    assert opened.ui.exists("visit-0")


def test_lockout_then_reenrolment_on_the_same_phone_loses_nothing(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    ui = opened.ui
    start_a_note(opened, "Lockout test note")
    ui.tap("note-save")
    opened.ui.close()
    # Reopened out of signal's reach? No: the office is reachable, the PIN is forgotten.
    again = phone.open()
    for _ in range(10):
        wait = again.app.services.device.seconds_until_next_try()
        phone.clock.advance(seconds=wait)
        unlock(again, WRONG)
    ui = again.ui
    assert "Set up this phone again" in ui.texts()
    assert again.app.services.device.locked_out
    ui.type("enrol-code", office.enrolment_code())
    ui.type("enrol-pin", "471920")
    ui.type("enrol-pin2", "471920")
    ui.tap("enrol-submit")
    assert ui.exists("visit-0"), ui.screen()
    assert sorted(office_kinds(office)) == ["check_in", "note"]


def test_an_expired_lease_says_why_and_a_sync_lifts_it(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    opened.ui.close()
    phone.clock.advance(days=8)
    again = phone.open()
    ui = again.ui
    assert "Connect to the internet" in ui.text("unlock-lease")  # before any PIN is typed
    unlock(again)
    assert ui.exists("unlock-pin") and not again.app.services.device.unlocked
    ui.tap("sync-now")
    assert not ui.exists("unlock-lease")
    unlock(again)
    assert again.app.services.device.unlocked and any(t.startswith("Today, ") for t in ui.texts())


def test_duress_unlock_looks_exactly_like_a_normal_one(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    opened.app.services.device.set_duress_pin(PIN, DURESS_PIN)
    ui = opened.ui
    ui.tap("lock")
    unlock(opened, PIN)
    normal = ui.texts()
    ui.tap("lock")
    unlock(opened, DURESS_PIN)
    assert ui.texts() == normal
    assert office_kinds(office).count("lone_worker") == 1  # already at the office


def test_pin_settings_change_the_pin(phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    ui = opened.ui
    ui.tap("lock")
    ui.tap("unlock-security")
    ui.type("security-current", PIN)
    ui.type("security-new", "630418")
    ui.type("security-new2", "630418")
    ui.tap("security-change")
    assert "Your PIN was changed." in ui.texts()
    ui.type("security-current", "630418")
    ui.type("security-duress", "630418")
    ui.type("security-duress2", "630418")
    ui.tap("security-set-duress")
    assert "Your duress PIN must be different from your main PIN." in ui.texts()
    ui.tap("back")
    unlock(opened, "630418")
    assert ui.exists("visit-0")


def test_a_revoked_phone_erases_itself_and_says_so(
        phone: LockPhone, office: Office) -> None:  # noqa: F811
    opened = enrolled(phone, office)
    device_id = opened.app.services.device.identity().device_id
    enrolment.revoke(office.app.state.engine, device_id, by="coordinator")
    opened.ui.tap("sync-now")
    ui = opened.ui
    assert "Set up this phone" in ui.texts()
    assert any("withdrawn by the office" in t for t in ui.texts())
    assert not opened.app.services.device.enrolled and "Margaret" not in ui.screen()
