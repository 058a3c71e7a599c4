"""What a new user hit on the phone screens (issue 9), each checked in Chromium at 412×860.

One journey through Amira's day (demo worker 1): the visit opened from a scrolled day list
opens at its top, with its address, postcode and an "Open in maps" link; it says before the
tap when a reason is needed; check-in records the location the browser reports (permission
granted); the MAR opens at its top; the medicines task waits for the MAR; answers that are not
"done" read differently; check-out stays on screen whatever the scroll; browser back works.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select

from fieldapp.domain.mar import Medicine, doses_due
from fieldapp.domain.visit_rules import Visit
from server import escrow
from server.demo_data import build_demo_agency, demo_id
from server.schema import records as office_records
from tests.browser.phone_steps import (
    LONDON,
    PHONE,
    SHOTS,
    answer_tasks,
    bring_into_view,
    check_out,
    enrol,
    reason_if_asked,
    record_dose,
    settle,
    tap,
)
from tests.support.browser import by_id, screenshot, wait_id, wait_text

pytestmark = pytest.mark.browser

WHERE = {"latitude": 53.8195, "longitude": -1.5772, "accuracy": 20}


def peggys_last_visit() -> dict:
    """Peggy (time-critical Co-careldopa, a medicines task): her last visit on Amira's list."""
    now = datetime.now(UTC)
    data = build_demo_agency(now.astimezone(LONDON).date())
    mine = sorted((v for v in data.visits if v["worker_id"] == data.workers[0]["id"]),
                  key=lambda v: v["start"])
    peggy = demo_id("service_user:su01")
    index = max(i for i, v in enumerate(mine) if v["service_user_id"] == peggy)
    visit = mine[index]
    person = next(p for p in data.service_users if p["id"] == peggy)
    plan = next(p for p in data.care_plans if p["service_user_id"] == peggy)
    meds = [Medicine.from_dict(m) for m in data.medicines if m["service_user_id"] == peggy]
    start = datetime.fromisoformat(visit["start"])
    return {
        "visit": visit, "index": index, "count": len(mine), "person": person,
        "tasks": [t for t in plan["tasks"] if t["visit_type"] == visit["visit_type"]],
        "doses": doses_due(meds, Visit.from_dict(visit), LONDON),
        "reason_needed": abs(now - start) > timedelta(minutes=16),
    }


def on_screen(page, identifier: str) -> bool:
    if not by_id(page, identifier).count():
        return False
    box = by_id(page, identifier).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def scroll_down(page, pixels: int = 4000) -> None:
    page.mouse.move(PHONE["width"] / 2, PHONE["height"] / 2)
    page.mouse.wheel(0, pixels)
    page.wait_for_timeout(800)


def office_check_ins(demo) -> list[dict]:
    engine = create_engine(demo.logins.database_url)
    key = escrow.load_private_key(str(demo.logins.key_file))
    try:
        with engine.begin() as conn:
            rows = conn.execute(select(office_records).where(
                office_records.c.kind == "check_in")).mappings().all()
        return [escrow.open_envelope(key, r["tenant_id"], "records", r["id"], r["version"],
                                     r["envelope"]) for r in rows]
    finally:
        engine.dispose()


def test_the_phone_screens_a_new_user_hit(demo, chromium) -> None:
    plan = peggys_last_visit()
    context = chromium.new_context(viewport=PHONE, permissions=["geolocation"],
                                   geolocation=WHERE)
    maps: list[str] = []
    context.route("https://www.google.com/maps/**",
                  lambda route: (maps.append(route.request.url),
                                 route.fulfill(body="maps", content_type="text/plain")))
    page = context.new_page()
    enrol(page, demo.app_url, demo.logins.enrolment_code)
    card = f"visit-{plan['index']}"
    wait_id(page, card)
    wait_id(page, f"{card}-maps")  # the card's "Open in maps", under its address

    # A visit opened from a scrolled day list opens at its top.
    scroll_down(page)
    assert not on_screen(page, "pin-settings"), "the day list did not scroll"
    tap(page, card)
    wait_id(page, "visit-check-in")
    page.wait_for_timeout(800)
    assert on_screen(page, "back") and on_screen(page, "call-office")
    wait_text(page, plan["person"]["preferred_name"])
    wait_text(page, f"{plan['person']['address_line']}, {plan['person']['postcode']}")
    assert on_screen(page, "visit-check-in")
    # Told before the tap when a reason is needed (the demo rota is today's real times).
    if plan["reason_needed"]:
        wait_text(page, "say why you are arriving")
        assert by_id(page, "checkin-reason").count()
    screenshot(page, SHOTS / "11-visit-top.png")

    with page.expect_popup() as popup:
        tap(page, "visit-maps")
    popup.value.close()
    assert maps and plan["person"]["postcode"].replace(" ", "+") in maps[-1], maps

    # Location at check-in, with consent: the browser's position reaches the office's record.
    tap(page, "location-consent")
    page.wait_for_timeout(300)
    reason_if_asked(page, "checkin-reason", "Previous visit ran over")
    tap(page, "visit-check-in")
    wait_text(page, "Checked in")
    tap(page, "sync-now")
    wait_text(page, "All records received by the office", timeout=60)
    (check_in,) = office_check_ins(demo)
    assert check_in["location_consent"] is True
    assert check_in["location"] is not None, "no coordinates recorded"
    assert abs(check_in["location"]["lat"] - WHERE["latitude"]) < 0.001
    assert abs(check_in["location"]["lon"] - WHERE["longitude"]) < 0.001

    # The medicines task waits for the MAR; check-out stays on screen at the bottom.
    medicines = next(i for i, t in enumerate(plan["tasks"]) if t["category"] == "medication")
    wait_id(page, f"task-{medicines}-waits")
    assert not by_id(page, f"task-{medicines}-done").count()
    scroll_down(page)
    assert on_screen(page, "visit-check-out")
    tap(page, "visit-mar")
    wait_id(page, "mar-summary")
    page.wait_for_timeout(800)
    assert on_screen(page, "mar-back"), "the MAR did not open at its top"
    assert on_screen(page, "mar-summary")  # the first dose card starts right below it
    screenshot(page, SHOTS / "12-mar-top.png")
    for i in range(len(plan["doses"])):
        record_dose(page, f"dose-{i}", "taken", "Rota changed this morning")
    page.go_back()  # the browser's back button returns to the visit
    wait_id(page, "visit-check-out")

    # Answers that are not "done" read as what they are.
    answer_tasks(page, plan["tasks"], {0: ("refused", "She said not today"),
                                       1: ("partly_done", "She said not today")}, drank="100")
    settle(page)
    wait_text(page, "Refused: She said not today")
    wait_text(page, "Partly done: She said not today")
    bring_into_view(page, "task-0-answer")
    screenshot(page, SHOTS / "13-task-outcomes.png")
    check_out(page)
    context.close()
