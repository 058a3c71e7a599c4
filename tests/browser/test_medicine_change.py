"""A dose change as an agency makes it: coordinator A transcribes the GP's letter in the console,
coordinator B checks it, and the worker's phone shows the new dose after its next sync — and
not before the check.

Amira Khan (demo worker 1) enrols and opens Peggy's eMAR (Margaret Holroyd: Lactulose 15ml
at 08:00 and 20:00). The demo's coordinator changes it to 20ml; the phone still shows 15ml
after a sync while the change waits; the demo's second coordinator (the safeguarding lead)
checks it; after the next sync the phone shows 20ml.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.demo_data import build_demo_agency, demo_id
from tests.browser.phone_steps import tap
from tests.browser.test_medication_round import PIN, check_in, open_mar
from tests.support.browser import fill, open_flet, wait_id, wait_text

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")


def plan() -> tuple[str, int, int]:
    """Peggy's id, the index of her first Lactulose visit on Amira's day, and Lactulose's
    line on the console's list (sorted by name, as the console sorts it)."""
    data = build_demo_agency(datetime.now(UTC).astimezone(LONDON).date())
    amira, peggy = data.workers[0]["id"], demo_id("service_user:su01")
    mine = sorted((v for v in data.visits if v["worker_id"] == amira), key=lambda v: v["start"])
    visit = next(v for v in mine if v["service_user_id"] == peggy
                 and v["visit_type"] in ("morning", "bed"))
    meds = sorted((m for m in data.medicines if m["service_user_id"] == peggy),
                  key=lambda m: (m["name"].casefold(), m["id"]))
    line = next(i for i, m in enumerate(meds) if m["name"] == "Lactulose")
    return peggy, mine.index(visit), line


def sign_in(page, url: str, email: str, password: str) -> None:  # noqa: ANN001
    open_flet(page, url)
    wait_text(page, "Sign in with your office account.")
    wait_id(page, "console-password")
    page.wait_for_timeout(500)
    for ident, text in (("console-email", email), ("console-password", password)):
        fill(page, ident, text)
        page.wait_for_timeout(300)
    tap(page, "console-sign-in")


def sync_and_reopen_mar(phone, index: int) -> None:  # noqa: ANN001
    tap(phone, "mar-done")
    tap(phone, "back")
    tap(phone, "sync-now")
    phone.wait_for_timeout(3000)
    tap(phone, f"visit-{index}")
    open_mar(phone)


def test_a_checked_dose_change_reaches_the_phone(demo, chromium) -> None:  # noqa: ANN001
    peggy, visit_index, line = plan()
    phone = chromium.new_context(viewport={"width": 412, "height": 860}).new_page()
    open_flet(phone, demo.app_url)
    wait_text(phone, "Set up this phone")
    for ident, text in (("enrol-code", demo.logins.enrolment_code), ("enrol-pin", PIN),
                        ("enrol-pin2", PIN)):
        fill(phone, ident, text)
        phone.wait_for_timeout(300)
    tap(phone, "enrol-submit")
    wait_text(phone, "Today,", timeout=60)
    check_in(phone, visit_index)
    open_mar(phone)
    wait_text(phone, "15ml, oral")

    a = chromium.new_context(viewport={"width": 1300, "height": 900}).new_page()
    sign_in(a, f"{demo.server_url}/console/people/{peggy}/medicines",
            demo.logins.coordinator_email, demo.logins.password)
    wait_text(a, "Medicines: Margaret Holroyd")
    tap(a, f"console-med-change-{line}")
    fill(a, "console-med-field-dose", "20ml")
    fill(a, "console-med-field-why", "GP letter: increase to 20ml twice a day")
    tap(a, "console-med-source-gp_letter")
    tap(a, "console-med-save")
    wait_text(a, "It waits for a second coordinator to check it")
    wait_text(a, "A change (version 2) waits for its check")

    sync_and_reopen_mar(phone, visit_index)
    wait_text(phone, "15ml, oral")  # unchecked: the phone has not received it

    b = chromium.new_context(viewport={"width": 1300, "height": 900}).new_page()
    sign_in(b, f"{demo.server_url}/console/medicines/to-check", demo.logins.lead_email,
            demo.logins.password)
    wait_text(b, "Changes to check (1)")
    wait_text(b, "Dose: 15ml → 20ml")
    tap(b, "console-check-0")
    wait_text(b, "Lactulose for Margaret Holroyd: checked.")

    sync_and_reopen_mar(phone, visit_index)
    wait_text(phone, "20ml, oral", timeout=60)
