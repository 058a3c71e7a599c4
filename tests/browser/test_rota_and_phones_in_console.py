"""The rota and the phones in Chromium at 1280x800, with two workers' phones (412x860): a visit
reassigned in the console leaves the first phone and reaches the second at their next sync;
the second phone withdrawn in the console wipes itself at its next sync, and the console shows
the wipe confirmed. Then the visits CSV and a visit's PDF downloaded and read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from server.demo_data import build_demo_agency
from server.schema import devices, visits, workers
from tests.browser.phone_steps import PHONE, enrol, tap
from tests.support.browser import fill as desk_fill
from tests.support.browser import open_flet, screenshot, tree_text, wait_id, wait_text
from tests.support.browser import tap as desk_tap
from tests.support.procs import free_port, start_python, stop, wait_http

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Plan:
    visit_id: str
    person: str  # the full name of the visit's person
    to_worker: str  # the second worker's name
    to_worker_id: str


def plan(database_url: str, first_worker: str) -> Plan:
    """The first worker's next visit today, and the second worker to give it to."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            staff = {r.name: r.id for r in conn.execute(select(workers.c.name, workers.c.id))}
            first = staff[first_worker]
            second_name, second = next((n, i) for n, i in sorted(staff.items())
                                       if i != first)
            now = datetime.now(UTC)
            end_of_day = datetime.combine(now.astimezone(LONDON).date() + timedelta(days=1),
                                          datetime.min.time(), LONDON).astimezone(UTC)
            rows = conn.execute(select(visits).where(
                visits.c.start >= (now - timedelta(hours=12)).isoformat(),
                visits.c.start < end_of_day.isoformat())).mappings().all()
    finally:
        engine.dispose()
    names = {u["id"]: u["name"] for u in build_demo_agency(
        now.astimezone(LONDON).date()).service_users}  # the demo's people, as seeded
    mine = sorted((v for v in rows if v["worker_id"] == first
                   and v["start"] > now.isoformat()), key=lambda v: v["start"])
    v = mine[0]
    return Plan(v["id"], names[v["service_user_id"]], second_name, second)


@pytest.fixture
def second_phone(demo: object) -> Iterator[str]:
    """Another worker app on loopback (its own data directory), for the second worker."""
    port = free_port()
    d = demo  # RunningDemo
    env = {"FIELDAPP_DATABASE_URL": d.logins.database_url,  # type: ignore[attr-defined]
           "FIELDAPP_ESCROW_KEY_FILE": str(d.logins.key_file),  # type: ignore[attr-defined]
           "FIELDAPP_SERVER_URL": d.server_url,  # type: ignore[attr-defined]
           "FIELDAPP_DATA_DIR": str(d.directory / "phone2"),  # type: ignore[attr-defined]
           "FIELDAPP_WEB_PORT": str(port)}
    app = start_python(["main.py"], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=app, timeout=60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(app)


def enrolled_phone(chromium: object, url: str, code: str) -> Page:
    phone: Page = chromium.new_context(viewport=PHONE).new_page()  # type: ignore[attr-defined]
    enrol(phone, url, code)
    return phone


def desk_at(chromium: object, url: str, email: str, password: str, arrives: str) -> Page:
    desk: Page = chromium.new_context(  # type: ignore[attr-defined]
        viewport=DESK, accept_downloads=True).new_page()
    open_flet(desk, url)
    desk_fill(desk, "console-email", email)
    desk_fill(desk, "console-password", password)
    desk_tap(desk, "console-sign-in")
    wait_text(desk, arrives, timeout=60)
    return desk


def visits_shown(phone: Page) -> int:
    """How many visits the phone's day says it holds ("9 visits · 0 done")."""
    wait_text(phone, " visits ·", timeout=60)
    found = re.search(r"(\d+) visits? ·", tree_text(phone))
    assert found, tree_text(phone)
    return int(found.group(1))


def choose(page: Page, identifier: str, option: str) -> None:
    """Open the dropdown and pick the entry "`option` (…)"; Flutter hit-tests its own canvas,
    so the entry is clicked where it is drawn."""
    desk_tap(page, identifier)
    entry = page.locator("flt-semantics-host").get_by_text(
        re.compile(rf"^{re.escape(option)} \(")).last
    entry.wait_for(state="attached", timeout=30_000)
    box = entry.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_reassigned_visit_moves_between_phones_and_a_withdrawn_phone_wipes(
        demo, chromium, second_phone: str, artifacts_dir: Path) -> None:
    logins = demo.logins
    p = plan(logins.database_url, logins.worker_name)
    first = enrolled_phone(chromium, demo.app_url, logins.enrolment_code)
    second = enrolled_phone(chromium, second_phone, logins.codes[p.to_worker])
    mine, theirs = visits_shown(first), visits_shown(second)

    desk = desk_at(chromium, f"{demo.server_url}/console/rota", logins.coordinator_email,
                   logins.password, "Rota:")
    desk_tap(desk, f"console-rota-visit-{p.visit_id}")
    wait_id(desk, "console-rota-reassign")
    choose(desk, "console-rota-reassign-worker", p.to_worker)
    desk_tap(desk, "console-rota-reassign")
    wait_text(desk, f"Visit given to {p.to_worker}")
    screenshot(desk, artifacts_dir / "console-rota-reassigned.png")

    tap(first, "sync-now")
    wait_text(first, f"{mine - 1} visits ·", timeout=60)
    tap(second, "sync-now")
    wait_text(second, f"{theirs + 1} visits ·", timeout=60)

    desk.context.close()
    desk = desk_at(chromium, f"{demo.server_url}/console/devices", logins.coordinator_email,
                   logins.password, "Waiting to send")
    engine = create_engine(logins.database_url)
    with engine.connect() as conn:
        device_id = conn.execute(select(devices.c.id).where(
            devices.c.worker_id == p.to_worker_id)).scalar_one()
    engine.dispose()
    desk_tap(desk, f"console-devices-withdraw-{device_id}")
    desk_tap(desk, "console-devices-withdraw-yes")
    wait_text(desk, "Withdrawn: wipes at its next contact")
    tap(second, "sync-now")
    wait_text(second, "Set up this phone", timeout=60)
    # The page refreshes itself: the confirmation arrives without a reload.
    wait_text(desk, "Wiped (confirmed by the phone)", timeout=30)
    screenshot(desk, artifacts_dir / "console-phone-wiped.png")
    for page in (first, second, desk):
        page.context.close()


def test_the_visits_csv_and_a_visits_pdf_download(demo, chromium, tmp_path: Path) -> None:
    logins = demo.logins
    p = plan(logins.database_url, logins.worker_name)
    desk = desk_at(chromium, f"{demo.server_url}/console/exports", logins.coordinator_email,
                   logins.password, "Exports")
    with desk.expect_download(timeout=30_000) as got:
        desk_tap(desk, "console-exports-visits")
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8"))))
    assert rows and {"date", "worker", "person", "status"} <= set(rows[0])
    assert p.person in {r["person"] for r in rows}
    desk.context.close()
    desk = desk_at(chromium, f"{demo.server_url}/console/visits/{p.visit_id}",
                   logins.coordinator_email, logins.password,
                   "Opening this record was logged in the audit trail.")
    with desk.expect_download(timeout=30_000) as got:
        desk_tap(desk, "console-visit-pdf")
    text = " ".join(page.extract_text() for page in PdfReader(got.value.path()).pages)
    assert f"Visit record: {p.person}" in text
    desk.context.close()
