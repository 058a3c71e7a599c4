"""The walking skeleton as a person does it, in Chromium at phone size, through both Flet apps.

Enrol → choose a PIN → today's visits → check in → answer every task (one not done, with a
reason) → note → check out → sync shows "received by the office" → reopen asks for the PIN →
the office console shows the visit with its times, task outcomes and note.
"""

from __future__ import annotations

import pytest

from fieldapp.domain.mar import Medicine, doses_due
from fieldapp.domain.visit_rules import Visit
from server.demo_data import build_demo_agency
from tests.browser.phone_steps import (
    PIN,
    SHOTS,
    answer_tasks,
    check_in_first_visit,
    check_out,
    fill,
    fill_enrolment,
    record_doses_due,
    tap,
)
from tests.support.browser import open_flet, screenshot, wait_text

pytestmark = pytest.mark.browser

NOTE = "Cheerful this morning, walked to the window with her frame"


def first_visit_tasks(demo) -> tuple[dict, list[dict], list]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    data = build_demo_agency(datetime.now(ZoneInfo("Europe/London")).date())
    worker = data.workers[0]
    visit = min((v for v in data.visits if v["worker_id"] == worker["id"]),
                key=lambda v: v["start"])
    plan = next(p for p in data.care_plans if p["service_user_id"] == visit["service_user_id"])
    person = next(p for p in data.service_users if p["id"] == visit["service_user_id"])
    meds = [Medicine.from_dict(m) for m in data.medicines
            if m["service_user_id"] == visit["service_user_id"]]
    doses = doses_due(meds, Visit.from_dict(visit), ZoneInfo("Europe/London"))
    return person, [t for t in plan["tasks"] if t["visit_type"] == visit["visit_type"]], doses


def test_a_worker_completes_a_visit_and_the_office_sees_it(demo, chromium) -> None:
    person, tasks, doses = first_visit_tasks(demo)
    context = chromium.new_context(viewport={"width": 412, "height": 860})
    page = context.new_page()
    fill_enrolment(page, demo.app_url, demo.logins.enrolment_code)
    screenshot(page, SHOTS / "01-enrol.png")
    tap(page, "enrol-submit")
    wait_text(page, "Today,", timeout=60)
    wait_text(page, person["preferred_name"] or person["name"])
    screenshot(page, SHOTS / "02-today.png")

    check_in_first_visit(page)
    # Every dose due at this visit needs an outcome (the eMAR); the medicines task follows it.
    record_doses_due(page, doses)
    answer_tasks(page, tasks, {1: ("save-reason", "Daughter had already done it")},
                 until="Received by the office")
    screenshot(page, SHOTS / "03-visit-tasks.png")
    fill(page, "note-text", NOTE)
    tap(page, "note-save")
    wait_text(page, NOTE)
    # The visit may be ending early or late: the footer asks why before the tap.
    check_out(page)
    tap(page, "sync-now")
    wait_text(page, "All records received by the office", timeout=60)
    page.mouse.move(200, 400)
    page.mouse.wheel(0, -8000)  # back to the top: the banner and the visit's times
    screenshot(page, SHOTS / "04-visit-received.png")

    # Close and reopen the app: the records are still there, behind the PIN.
    page.close()
    page = context.new_page()
    open_flet(page, demo.app_url)
    wait_text(page, "Enter your PIN")
    screenshot(page, SHOTS / "05-unlock.png")
    fill(page, "unlock-pin", PIN)
    tap(page, "unlock-submit")
    wait_text(page, "Today,")
    wait_text(page, "Done")
    context.close()

    office = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
    open_flet(office, demo.server_url + "/console/")
    wait_text(office, "Office console")
    fill(office, "console-email", demo.logins.coordinator_email)
    fill(office, "console-password", demo.logins.password)
    tap(office, "console-sign-in")
    wait_text(office, "Visits on")
    wait_text(office, "done")
    visit_ids = office.locator("[flt-semantics-identifier^='console-visit-']")
    done = [i for i in range(visit_ids.count())
            if "done" in (visit_ids.nth(i).get_attribute("aria-label") or "")
            or "done" in visit_ids.nth(i).inner_text()]
    assert done, "the console lists the completed visit"
    visit_ids.nth(done[0]).click()
    wait_text(office, NOTE)
    wait_text(office, "Daughter had already done it")
    wait_text(office, "Checked in")
    wait_text(office, "Checked out")
    screenshot(office, SHOTS / "06-console-visit.png")
    office.context.close()
