"""Console sessions in Chromium at 1280x800: sign-out from the app bar, and the idle timeout
(set short for the test) landing the next action on the sign-in page with a plain message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from server.demo import DemoLogins
from tests.browser.conftest import seeded_office
from tests.support.browser import console_sign_in, open_flet, screenshot, tap, wait_text

pytestmark = pytest.mark.browser
IDLE_SECONDS = 8


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DemoLogins]]:
    with seeded_office(tmp_path_factory.mktemp("session"),
                       FIELDAPP_CONSOLE_IDLE_SECONDS=str(IDLE_SECONDS)) as office:
        yield office.url, office.logins


def test_sign_out_then_idle_timeout(office: tuple[str, DemoLogins], chromium: Browser,
                                    artifacts_dir: Path) -> None:
    url, logins = office
    page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_flet(page, f"{url}/console/escalations")

    def sign_in() -> None:
        wait_text(page, "Sign in with your office account.")
        console_sign_in(page, logins.coordinator_email, logins.password)

    sign_in()
    wait_text(page, "This list updates by itself.")
    tap(page, "console-sign-out")
    wait_text(page, "You have signed out.")
    page.wait_for_url("**/console/")
    screenshot(page, artifacts_dir / "console-signed-out.png")

    sign_in()
    wait_text(page, "Visits on")
    time.sleep(IDLE_SECONDS + 1)
    # Left alone, the page signs itself out (the first action after the idle time would be
    # refused the same way: tests/server/test_console_sessions.py), saying why.
    wait_text(page, f"You were signed out after {IDLE_SECONDS} seconds without activity.")
    assert page.locator("[flt-semantics-identifier='console-sign-out']").count() == 0
    screenshot(page, artifacts_dir / "console-idle-signed-out.png")
