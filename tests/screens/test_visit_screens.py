"""The phone screens a tired worker relies on, in memory: routes, timing, outcomes, location.

Each test answers a defect a new user hit (issue 9): screens are routes of their own (browser
back works and each opens at its top), the reason for an early or late check-in is asked for
before the tap, a dose outside its window needs a confirmed reason and is shown flagged,
outcomes look different from "done", the medicines task follows the MAR, the address opens in
maps, and the location is recorded at check-in only with consent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flet as ft
import pytest
from flet.messaging.protocol import MessageAction

from fieldapp.store.records import open_record
from screens import looks, mar
from server import agency
from tests.factories import code_for, medicines_for, person, plan_for
from tests.screens.conftest import (
    NOW,
    PIN,
    Office,
    OpenApp,
    Phone,
    check_in,
    office_app,
)
from tests.support.flet_memory import Harness

LONDON = ZoneInfo("Europe/London")
WHERE = {"latitude": 53.8195, "longitude": -1.5772, "accuracy": 12.5}


def browser_goes_to(ui: Harness, route: str) -> None:
    """What the browser sends when the address changes (back button, typed address)."""
    page_id = ui.page._i
    ui.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                      {"id": page_id, "props": {"route": route}})
    event = ui.client.receive(MessageAction.CONTROL_EVENT, {
        "target": page_id, "name": "route_change", "data": {"route": route}})
    assert event is not None
    ui.run(event)


def flip(ui: Harness, identifier: str, value: bool) -> None:
    switch = ui.find(identifier)
    assert isinstance(switch, ft.Switch)
    ui.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                      {"id": switch._i, "props": {"value": value}})
    ui.fire(switch, "change", value)


def icon_of(ui: Harness, identifier: str) -> ft.Icon:
    return next(c for c in ui.controls(ui.semantics(identifier)) if isinstance(c, ft.Icon))


def records(opened: OpenApp, kind: str) -> list[dict]:
    sealer = opened.app.services.device.sealer()
    return [open_record(sealer, r) for r in opened.store.rows(
        "SELECT * FROM records WHERE kind = ?", [kind])]


@pytest.fixture
def medicines_office(tmp_path: Path) -> Office:
    """One person with time-critical Co-careldopa at 09:00 and a "Medicines due" task."""
    app = office_app(tmp_path, "meds", "meds-escrow.key")
    engine = app.state.engine
    tid = agency.init_tenant(engine, "Test Home Care", tmp_path / "meds-escrow.key",
                             office_phone="0113 496 0000")
    wid = agency.add_worker(engine, tid, {"name": "Amira Khan", "area": "Headingley"})
    p = person()
    plan = plan_for(p)
    plan["tasks"].insert(0, {"id": str(uuid.uuid4()), "visit_type": "morning",
                             "category": "medication", "title": "Medicines due (see MAR)",
                             "instructions": "", "fluid": False})
    agency.add_people(engine, tid, [p], [plan], medicines_for(p))
    start = datetime.combine(NOW.astimezone(LONDON).date(), time(9), LONDON).astimezone(UTC)
    agency.add_visits(engine, tid, [{
        "id": str(uuid.uuid4()), "worker_id": wid, "service_user_id": p["id"],
        "visit_type": "morning", "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat()}])

    class Agency:
        worker_id = wid

    office = Office(app, Agency())  # type: ignore[arg-type]
    office.enrolment_code = lambda: code_for(engine, wid)  # type: ignore[method-assign]
    return office


@pytest.fixture
def meds_phone(tmp_path: Path, medicines_office: Office) -> Iterator[Phone]:
    p = Phone(tmp_path / "meds", medicines_office)
    yield p
    p.close_all()


# --- routes ----------------------------------------------------------------------------------
def test_each_screen_is_a_route_with_a_view_of_its_own(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    assert ui.page.route == "/day"
    day_view = ui.page.views[0]
    ui.tap("visit-0")
    visit_id = office.agency.visits[0]["id"]
    assert ui.page.route == f"/visits/{visit_id}"
    assert len(ui.page.views) == 1 and ui.page.views[0] is not day_view  # opens at its top
    assert ui.page.views[0].route == ui.page.route
    ui.tap("visit-check-in")
    ui.tap("visit-mar")
    assert ui.page.route == f"/visits/{visit_id}/mar" and ui.exists("mar-summary")
    browser_goes_to(ui, f"/visits/{visit_id}")  # the browser's back button
    assert ui.exists("visit-check-out") and "Checked in 09:05" in ui.texts()
    browser_goes_to(ui, "/day")
    assert ui.exists("visit-0")


def test_an_address_typed_while_locked_shows_the_pin_screen(phone: Phone,
                                                            office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.tap("lock")
    browser_goes_to(ui, f"/visits/{office.agency.visits[0]['id']}")
    assert ui.exists("unlock-pin") and "Margaret" not in ui.screen()
    ui.type("unlock-pin", PIN)
    ui.tap("unlock-submit")
    assert ui.exists("visit-check-in")  # the visit asked for, once unlocked


# --- the visit screen ------------------------------------------------------------------------
def test_the_visit_says_a_reason_is_needed_before_the_tap(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    phone.clock.advance(minutes=25)  # 09:30 for a 09:00 visit
    ui.tap("visit-0")
    assert ui.text("checkin-timing") == ("You are 30 minutes late: say why you are arriving "
                                         "late before you tap.")
    assert ui.exists("checkin-reason")
    ui.type("checkin-reason", "Bus was late")
    ui.tap("visit-check-in")
    assert "Checked in 09:30" in ui.texts()
    assert not ui.exists("checkout-timing")  # leaving at 09:30 is on time


def test_on_time_there_is_no_reason_to_give(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    opened.ui.tap("visit-0")
    assert not opened.ui.exists("checkin-timing") and not opened.ui.exists("checkin-reason")


def test_the_address_opens_in_maps(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.tap("visit-0-maps")
    assert ui.client.launched_urls[-1].endswith("query=14+Cardigan+Road%2C+LS6+3AG")
    ui.tap("visit-0")
    assert "14 Cardigan Road, LS6 3AG" in ui.texts()
    ui.tap("visit-maps")
    assert "LS6+3AG" in ui.client.launched_urls[-1]


def test_task_answers_look_different_from_done(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    check_in(ui, then="task-0-done")
    ui.tap("task-1-not-done")
    ui.type("task-1-reason", "She said no thank you")
    ui.tap("task-1-refused")
    done, refused = icon_of(ui, "task-0-answer"), icon_of(ui, "task-1-answer")
    assert ui.text("task-1-answer").startswith("Refused: She said no thank you")
    assert (done.icon, done.color) == (ft.Icons.CHECK_CIRCLE, looks.TASK_LOOKS["done"].colour)
    assert (refused.icon, refused.color) != (done.icon, done.color)
    assert len({(look.icon, look.colour) for look in looks.TASK_LOOKS.values()}) == 5


def test_location_is_recorded_at_check_in_only_with_consent(phone: Phone,
                                                            office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.client.on_invoke("Geolocator", "request_permission", lambda _c, _a: "whileInUse")
    ui.client.on_invoke("Geolocator", "get_current_position", lambda _c, _a: dict(WHERE))
    ui.tap("visit-0")
    flip(ui, "location-consent", True)
    ui.tap("visit-check-in")
    (check_in,) = records(opened, "check_in")
    assert check_in["location"] == {"lat": 53.8195, "lon": -1.5772, "accuracy_m": 12.5}
    assert check_in["location_consent"] is True


def test_a_refused_location_permission_still_checks_in(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    ui.client.on_invoke("Geolocator", "request_permission", lambda _c, _a: "denied")
    ui.tap("visit-0")
    flip(ui, "location-consent", True)
    ui.tap("visit-check-in")
    assert "Checked in 09:05" in ui.texts()
    assert ui.text("visit-notice").startswith("Your location could not be found")
    (check_in,) = records(opened, "check_in")
    assert check_in["location"] is None and check_in["location_consent"] is True


def test_without_consent_no_location_is_asked_for(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    opened.ui.tap("visit-0")
    opened.ui.tap("visit-check-in")  # no Geolocator answer registered: it is never called
    (check_in,) = records(opened, "check_in")
    assert check_in["location"] is None and check_in["location_consent"] is False


# --- medicines -------------------------------------------------------------------------------
def test_the_medicines_task_follows_the_mar(meds_phone: Phone, medicines_office: Office) -> None:
    opened = meds_phone.enrolled()
    ui = opened.ui
    check_in(ui)
    assert not ui.exists("task-0-done")
    assert ui.text("task-0-waits") == ("Record each dose in the MAR first: 2 of 2 still to "
                                       "record.")
    ui.tap("task-0-mar")
    ui.tap("dose-0-taken")
    ui.tap("dose-1-taken")
    ui.tap("mar-done")
    assert not ui.exists("task-0-waits")
    ui.tap("task-0-done")
    assert ui.text("task-0-answer").startswith("Done · ")


def test_a_dose_outside_its_window_is_confirmed_with_a_reason_and_flagged(
        meds_phone: Phone, medicines_office: Office) -> None:
    opened = meds_phone.enrolled()
    ui = opened.ui
    check_in(ui, then="visit-mar")
    meds_phone.clock.advance(minutes=40)  # 09:45: Co-careldopa's window closed at 09:30
    ui.tap("dose-0-taken")
    assert ui.exists("dose-0-confirm-ask") and not ui.exists("dose-0-answer")
    ui.tap("dose-0-confirm")  # no reason yet: nothing saved
    assert ui.text("dose-0-message") == ("Say why this dose is outside its time window before "
                                         "saving it.")
    assert not ui.exists("dose-0-answer")
    ui.type("dose-0-reason", "She was asleep until now")
    ui.tap("dose-0-confirm")
    answer = ui.text("dose-0-answer")
    assert "She was asleep until now" in answer and "FLAGGED: outside time-critical window" \
        in answer
    icon = icon_of(ui, "dose-0-answer")
    assert icon.icon == ft.Icons.WARNING_AMBER and icon.color == looks.FLAGGED.colour
    assert icon.icon != ft.Icons.CHECK_CIRCLE


def test_a_dose_in_its_window_saves_in_one_tap(meds_phone: Phone, medicines_office: Office) -> None:
    opened = meds_phone.enrolled()
    ui = opened.ui
    check_in(ui, then="visit-mar")
    ui.tap("dose-0-taken")
    assert not ui.exists("dose-0-confirm-ask")
    assert icon_of(ui, "dose-0-answer").icon == ft.Icons.CHECK_CIRCLE


def test_allergies_are_red_only_when_there_are_some(phone: Phone, office: Office) -> None:
    opened = phone.enrolled()
    ui = opened.ui
    check_in(ui, then="visit-mar")
    allergy = next(c for c in ui.controls() if isinstance(c, ft.Text)
                   and str(c.value).startswith("Allergies:"))
    assert allergy.value == "Allergies: Penicillin" and allergy.color == ft.Colors.RED_900
    for none_known in ([], ["No known allergies"]):
        line = mar.allergies_line({"allergies": none_known})
        assert isinstance(line, ft.Text) and line.value == "Allergies: No known allergies"
        assert line.color == ft.Colors.BLACK


def test_a_regular_dose_over_an_hour_late_asks_first(meds_phone: Phone,
                                                      medicines_office: Office) -> None:
    opened = meds_phone.enrolled()
    ui = opened.ui
    check_in(ui, then="visit-mar")
    # Only the time-critical Co-careldopa card shows its window; the other card is Lactulose.
    lactulose = 1 if ui.exists("dose-0-window") else 0
    meds_phone.clock.advance(minutes=70)  # 10:15 for a 09:00 dose: more than an hour late
    ui.tap(f"dose-{lactulose}-taken")
    assert ui.exists(f"dose-{lactulose}-confirm-ask")
    ui.tap(f"dose-{lactulose}-confirm-cancel")  # changed their mind: nothing saved
    assert not ui.exists(f"dose-{lactulose}-answer")
    assert not records(opened, "dose_outcome")


def test_a_medicines_list_marked_for_review_shows_on_the_visit(phone: Phone,
                                                               office: Office) -> None:
    from sqlalchemy import select

    from server.schema import coordinators
    from server.services import medicines_list
    from server.services.sign_in import Coordinator

    engine, a = office.app.state.engine, office.agency
    with engine.connect() as conn:
        cid = conn.execute(select(coordinators.c.id)).scalar_one()
    medicines_list.mark_needs_review(engine, Coordinator(cid, a.tenant_id, "Sam Office"),
                                     a.people[0]["id"])
    opened = phone.enrolled()
    ui = opened.ui
    ui.tap("visit-0")
    line = next(c for c in ui.controls() if isinstance(c, ft.Text)
                and str(c.value).startswith("Medicines:"))
    assert "needs review after a hospital stay" in str(line.value)
    assert line.color == ft.Colors.RED_900
