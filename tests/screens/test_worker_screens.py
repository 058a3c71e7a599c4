"""The worker app's real screens, driven in memory (no browser) against a real office server.

Layer 3 of the test pyramid: ``tests/support/flet_memory.py`` runs the app's Flet controls in a
fake client session; the office is the real server app in process (``httpx.ASGITransport``) on a
throwaway SQLite file. Tests find controls by the accessibility identifiers the browser tests use
and assert on what a care worker reads on the screen.
"""

from __future__ import annotations

import asyncio

import flet as ft
import pytest
from sqlalchemy import func, select

from server.schema import records as office_records
from tests.screens.conftest import (
    NO_SIGNAL,
    PIN,
    Office,
    OpenApp,
    Phone,
    check_in,
    enrol,
    unlock,
)
from tests.support.flet_memory import AppCrashed, NotFound, run_app

OTHER_PIN = "258037"
NOT_ON_PHONE_YET = "saved on phone, not yet received by the office"
NO_CONNECTION = ("No connection to the office. Your records are safe on this phone and will be "
                 "sent when there is signal.")


# --- steps a worker takes ---------------------------------------------------------------------
def complete_visit(opened: OpenApp, phone: Phone) -> None:
    """Today's first visit, start to finish, every task done."""
    ui = opened.ui
    check_in(ui, then="task-0-done")
    ui.tap("task-1-done")
    record_due_doses(ui)
    phone.clock.advance(minutes=25)
    ui.tap("visit-check-out")
    ui.tap("back")


def record_due_doses(ui) -> None:
    """The factory's 08:00 Amlodipine is due at the 09:00 visit: prompted, seen taken."""
    ui.tap("visit-mar")
    ui.tap("dose-0-taken")
    if ui.exists("dose-0-confirm-ask"):  # over an hour after 08:00: confirmed with a reason
        ui.type("dose-0-reason", "Visit booked after the dose time")
        ui.tap("dose-0-confirm")
    assert ui.exists("dose-0-answer")
    ui.tap("mar-done")


def card(opened: OpenApp, index: int = 0) -> list[str]:
    """What the worker reads on a visit card on today's list."""
    return opened.ui.texts(opened.ui.semantics(f"visit-{index}"))


def says_no_connection(opened: OpenApp) -> bool:
    return any(t.startswith(NO_CONNECTION) for t in opened.ui.texts())


def office_record_count(office: Office) -> int:
    with office.app.state.engine.begin() as conn:
        return conn.execute(select(func.count()).select_from(office_records)).scalar_one()


# --- first run: enrolment ---------------------------------------------------------------------
def test_first_run_shows_the_enrol_screen(phone: Phone) -> None:
    ui = phone.open().ui
    assert "Set up this phone" in ui.texts()
    assert ui.identifiers() == ["enrol-server", "enrol-code", "enrol-pin", "enrol-pin2",
                                "enrol-submit"]
    server = ui.find("enrol-server")
    assert isinstance(server, ft.TextField) and server.value == "http://office"
    pin = ui.find("enrol-pin")
    assert isinstance(pin, ft.TextField) and pin.password  # never shown in clear by default


def test_enrol_refuses_two_different_pins(phone: Phone, office: Office) -> None:
    opened = phone.open()
    ui = opened.ui
    ui.type("enrol-code", office.enrolment_code())
    ui.type("enrol-pin", PIN)
    ui.type("enrol-pin2", OTHER_PIN)
    ui.tap("enrol-submit")
    assert "The two PINs are different. Type the same PIN twice." in ui.texts()
    assert "Set up this phone" in ui.texts()
    assert not opened.app.services.device.enrolled


def test_enrol_shows_the_offices_message_for_a_bad_code(phone: Phone) -> None:
    opened = phone.open()
    ui = opened.ui
    ui.type("enrol-code", "K7PX-3MQD-W9RT")
    ui.type("enrol-pin", PIN)
    ui.type("enrol-pin2", PIN)
    ui.tap("enrol-submit")
    assert ("That enrolment code is not valid. Codes work once and expire: ask the office for "
            "a new one.") in ui.texts()
    assert ui.exists("enrol-submit") and not opened.app.services.device.enrolled


def test_a_good_code_and_pin_land_on_todays_visits(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    texts = ui.texts()
    assert "Today, Tuesday 10 March" in texts
    # Only this worker's visit, never a colleague's (Arthur, in Kirkstall).
    assert ui.exists("visit-0") and not ui.exists("visit-1")
    assert card(opened) == ["09:00–09:30", "Due", "Margaret", "Headingley · Morning visit",
                            "14 Cardigan Road, LS6 3AG"]
    assert "Arthur" not in ui.screen()
    assert ui.semantics("visit-0").label == ("09:00–09:30 Margaret, Headingley, morning visit, "
                                             "due")
    assert "Up to date with the office. Last synced 09:05." in texts


def test_a_weak_pin_is_refused_without_using_up_the_code(phone: Phone, office: Office) -> None:
    opened = phone.open()
    ui = opened.ui
    code = office.enrolment_code()
    ui.type("enrol-code", code)
    ui.type("enrol-pin", "1234")
    ui.type("enrol-pin2", "1234")
    ui.tap("enrol-submit")
    assert "Use at least 6 digits for your PIN." in ui.texts()
    ui.type("enrol-pin", PIN)
    ui.type("enrol-pin2", PIN)
    ui.tap("enrol-submit")  # the same code, now with a good PIN
    assert "Today, Tuesday 10 March" in ui.texts(), ui.screen()


# --- a visit ----------------------------------------------------------------------------------
def test_a_visit_from_check_in_to_check_out(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui

    ui.tap("visit-0")
    texts = ui.texts()
    assert "Margaret" in texts and "Morning visit 09:00–09:30" in texts
    assert "Allergies: Penicillin" in texts
    assert not any(t.startswith("Access:") for t in texts)  # the key safe code only once there
    assert not ui.exists("task-0-done")  # nothing to answer before checking in

    ui.tap("visit-check-in")
    texts = ui.texts()
    assert "Checked in 09:05" in texts and "In progress" in texts
    assert "Access: Key safe by the back door, code 4821" in texts

    ui.tap("task-0-done")
    assert ui.text("task-0-answer").startswith("Done · ")

    # Check-out waits for every task, and says which.
    ui.tap("visit-check-out")
    assert ("Before checking out: answer the task 'Breakfast and a drink'; record the 08:00 "
            "dose of Amlodipine 5 mg." in ui.texts())
    assert "Checked in 09:05" in ui.texts()  # still in the visit

    # "Not done" needs a reason.
    ui.tap("task-1-not-done")
    ui.tap("task-1-save-reason")
    assert "Say why when a task is 'not done'." in ui.texts()
    assert not ui.exists("task-1-answer")
    ui.type("task-1-reason", "Had breakfast with her daughter")
    ui.tap("task-1-save-reason")
    assert ui.text("task-1-answer").startswith("Not done: Had breakfast with her daughter · ")
    assert "Say why when a task is 'not done'." not in ui.texts()

    # A note with a quick phrase.
    ui.tap("phrase-0")
    chip = ui.find("phrase-0")
    assert isinstance(chip, ft.Chip) and chip.selected
    ui.type("note-text", "Walked to the window unaided")
    ui.tap("note-save")
    assert any(t.startswith("In good spirits") and "Walked to the window unaided" in t
               for t in ui.texts()), ui.screen()
    note = ui.find("note-text")
    assert isinstance(note, ft.TextField) and not note.value  # cleared for the next note

    record_due_doses(ui)
    phone.clock.advance(minutes=25)
    ui.tap("visit-check-out")
    texts = ui.texts()
    assert "Checked in 09:05 · checked out 09:30" in texts and "Done" in texts
    assert not ui.exists("visit-check-out") and not ui.exists("note-save")

    ui.tap("back")
    assert card(opened) == ["09:00–09:30", "Done", "Margaret", "Headingley · Morning visit",
                            "14 Cardigan Road, LS6 3AG", "Received by the office"]

    ui.tap("sync-now")
    assert ui.text("sync-status") == "All records received by the office"
    assert "Up to date with the office. Last synced 09:30." in ui.texts()
    # check-in, two tasks, dose (over an hour late, so confirmed), its medication concern,
    # note, check-out
    assert office_record_count(office) == 7


def test_lock_returns_to_the_pin_screen(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    opened.ui.tap("lock")
    assert not opened.app.services.device.unlocked
    assert opened.ui.exists("unlock-pin") and not opened.ui.exists("visit-0")
    assert "Margaret" not in opened.ui.screen()


# --- closing and reopening the app ------------------------------------------------------------
def test_reopening_the_app_asks_for_the_pin(phone: Phone, office: Office) -> None:
    first = phone.open()
    enrol(first, office)
    complete_visit(first, phone)
    first.ui.close()
    assert not first.app.services.device.unlocked  # closing the app forgets the key

    again = phone.open()
    ui = again.ui
    texts = ui.texts()
    assert "Signed in as Amira Khan. Enter your PIN to open today's visits." in texts
    assert "Margaret" not in ui.screen() and not ui.exists("visit-0")

    unlock(again, OTHER_PIN)
    assert "That PIN is not right. 9 tries left." in ui.texts()
    pin = ui.find("unlock-pin")
    assert isinstance(pin, ft.TextField) and not pin.value  # cleared for another try
    assert not again.app.services.device.unlocked

    unlock(again)
    assert card(again)[:3] == ["09:00–09:30", "Done", "Margaret"]
    assert any(t.endswith("· 1 done") for t in ui.texts())


# --- no signal --------------------------------------------------------------------------------
def start_offline(phone: Phone, office: Office) -> OpenApp:
    """Enrolled in the office (online), then reopened out on the round with no signal."""
    first = phone.open()
    enrol(first, office)
    first.ui.close()
    offline = phone.open(transport=NO_SIGNAL)
    unlock(offline)
    return offline


def test_without_signal_records_stay_safe_on_the_phone(phone: Phone, office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    assert says_no_connection(opened)
    assert ui.exists("visit-0")  # the rota came down while enrolling

    check_in(ui, then="task-0-done")
    assert ui.text("sync-status") == f"2 record(s) {NOT_ON_PHONE_YET}"
    assert says_no_connection(opened)

    ui.tap("sync-now")
    assert ui.text("sync-status") == f"2 record(s) {NOT_ON_PHONE_YET}"
    assert says_no_connection(opened)
    assert office_record_count(office) == 0


def test_without_signal_each_record_says_saved_on_phone(phone: Phone, office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    check_in(ui, then="task-0-done")
    ui.tap("sync-now")
    assert ui.text("task-0-answer") == "Done · Saved on phone"
    ui.tap("back")
    assert card(opened)[-1] == "Saved on phone"


def test_the_outbox_lists_each_record_and_where_it_is(phone: Phone, office: Office) -> None:
    opened = start_offline(phone, office)
    ui = opened.ui
    check_in(ui, then="task-0-done")
    ui.tap("outbox")
    texts = ui.texts()
    assert "Outbox" in texts
    assert any(t.startswith("Saved on phone: 2") for t in texts), texts
    assert ui.text("outbox-0").endswith("— Saved on phone")
    assert "Checked in" in ui.text("outbox-1") or "Checked in" in ui.text("outbox-0")
    opened.ui.close()

    online = phone.open()
    unlock(online)
    online.ui.tap("sync-now")
    online.ui.tap("outbox")
    assert any(t.startswith("Saved on phone: 0") for t in online.ui.texts())
    assert online.ui.text("outbox-0").endswith("— Received by the office")


# --- the harness itself -----------------------------------------------------------------------
def test_harness_answers_routes_and_shared_preferences() -> None:
    async def main(page: ft.Page) -> None:
        shown = ft.Text(f"route {page.route}")

        def route_change(e: ft.RouteChangeEvent) -> None:
            shown.value = f"route {e.route}"

        async def go(_e: ft.Event[ft.Button]) -> None:
            prefs = ft.SharedPreferences()
            await prefs.set("last", "/visits")
            await page.push_route(await prefs.get("last") or "/nowhere")

        page.on_route_change = route_change
        page.add(shown, ft.Semantics(identifier="go", content=ft.Button("Go", on_click=go)))

    with run_app(main) as ui:
        assert ui.texts() == ["route /", "Go"]
        ui.tap("go")
        assert ui.page.route == "/visits"
        assert ui.texts() == ["route /visits", "Go"]
        assert ui.client.shared_preferences == {"last": "/visits"}


def test_harness_reports_a_failing_handler_and_a_dead_background_task() -> None:
    async def explode() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("background boom")

    def main(page: ft.Page) -> None:
        def boom(_e: ft.Event[ft.Button]) -> None:
            raise RuntimeError("handler boom")

        page.add(ft.Semantics(identifier="boom", content=ft.Button("Boom", on_click=boom)),
                 ft.Semantics(identifier="later", content=ft.Button(
                     "Later", on_click=lambda _e: page.run_task(explode))))

    with run_app(main) as ui:
        with pytest.raises(AppCrashed, match="handler boom"):
            ui.tap("boom")
        with pytest.raises(AppCrashed, match="background boom"):
            ui.tap("later")
        with pytest.raises(NotFound, match="Visible identifiers"):
            ui.tap("missing")


def test_a_recorded_dose_is_corrected_with_a_reason_and_the_original_stays(
    phone: Phone, office: Office
) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    check_in(ui, then="visit-mar")
    ui.tap("dose-0-taken")  # the 08:00 dose over an hour later: confirmed with a reason
    ui.type("dose-0-reason", "Visit booked after the dose time")
    ui.tap("dose-0-confirm")
    assert ui.text("dose-0-answer").startswith("Taken (prompted or assisted, seen taken) at 09:05")

    ui.tap("dose-0-correct")
    ui.tap("dose-0-fix-save")  # no reason yet: refused, nothing saved
    assert "dose-0-message" in ui.identifiers()
    ui.tap("dose-0-fix-refused")
    ui.type("dose-0-fix-reason", "She spat it out after I left the room")
    ui.tap("dose-0-fix-save")
    assert "seen taken) at 09:05" in ui.text("dose-0-answer")  # the original stays
    texts = ui.texts()
    assert any(t.startswith("Corrected to refused: She spat it out") for t in texts), texts
    assert "Correction saved. The original stays on the record." in texts
