"""The office console in Chromium: each screen at its own address, a link opened before signing
in shown after it, and the browser's back button returning to the screen below."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader
from sqlalchemy import select

from server.demo import DemoLogins
from server.schema import visits
from server.services.mar_chart import NOT_RECORDED
from server.storage import make_engine
from tests.browser.conftest import seeded_office
from tests.support.browser import console_sign_in, open_flet, screenshot, tap, wait_text

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DemoLogins]]:
    with seeded_office(tmp_path_factory.mktemp("console")) as office:
        yield office.url, office.logins


def todays_first_visit(logins: DemoLogins) -> tuple[str, str]:
    engine = make_engine(logins.database_url)
    midnight = datetime.combine(datetime.now(LONDON).date(), time.min, LONDON).astimezone(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            select(visits.c.id, visits.c.service_user_id)
            .where(visits.c.start >= midnight.isoformat(),
                   visits.c.start < (midnight + timedelta(days=1)).isoformat())
            .order_by(visits.c.start)).first()
    engine.dispose()
    assert row is not None
    return row.id, row.service_user_id


def test_a_deep_link_survives_sign_in_and_back_returns_to_the_visit(
        office: tuple[str, DemoLogins], chromium: Browser, artifacts_dir: Path) -> None:
    url, logins = office
    visit_id, person_id = todays_first_visit(logins)
    page = chromium.new_context(viewport={"width": 1300, "height": 900},
                                accept_downloads=True).new_page()
    open_flet(page, f"{url}/console/visits/{visit_id}")
    wait_text(page, "Sign in with your office account.")
    console_sign_in(page, logins.coordinator_email, logins.password)
    wait_text(page, "Opening this record was logged in the audit trail.")
    assert page.url.endswith(f"/console/visits/{visit_id}")
    tap(page, "console-mar-open")
    wait_text(page, "MAR chart:")
    page.wait_for_url(f"**/console/people/{person_id}/mar")
    wait_text(page, NOT_RECORDED)  # the week's earlier days have no outcomes in the demo
    screenshot(page, artifacts_dir / "console-mar-not-recorded.png")
    with page.expect_download(timeout=30_000) as download:
        # The wide chart's scroll area overlaps the button's hit box in the semantics tree;
        # a click event on the button's own node is what a tap sends.
        page.locator("[flt-semantics-identifier='console-mar-pdf'] [role=button], "
                     "[flt-semantics-identifier='console-mar-pdf'][role=button]"
                     ).first.dispatch_event("click")
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "MAR chart:" in text and NOT_RECORDED in text
    page.go_back()
    page.wait_for_url(f"**/console/visits/{visit_id}")
    wait_text(page, "Opening this record was logged in the audit trail.")
    # The link opened the console at the visit: its way to the day is the Back button.
    tap(page, "console-back")
    wait_text(page, "Visits on")
    assert page.url.rstrip("/").endswith("/console"), page.url
    page.context.close()
