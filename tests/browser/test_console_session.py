"""Console sessions in Chromium at 1280x800: sign-out from the app bar, and the idle timeout
(set short for the test) landing the next action on the sign-in page with a plain message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from server.demo import DemoLogins, seed
from tests.support.browser import fill, open_flet, screenshot, tap, wait_text
from tests.support.procs import free_port, start_python, stop, wait_http

pytestmark = pytest.mark.browser
IDLE_SECONDS = 8


@pytest.fixture  # per test: a rerun starts afresh
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DemoLogins]]:
    logins = seed(tmp_path_factory.mktemp("session"))
    port = free_port()
    env = {"FIELDAPP_DATABASE_URL": logins.database_url,
           "FIELDAPP_ESCROW_KEY_FILE": str(logins.key_file),
           "FIELDAPP_CONSOLE_IDLE_SECONDS": str(IDLE_SECONDS)}
    server = start_python(["-m", "server.cli", "serve", "--port", str(port)], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=server, timeout=60)
        yield f"http://127.0.0.1:{port}", logins
    finally:
        stop(server)


def test_sign_out_then_idle_timeout(office: tuple[str, DemoLogins], chromium: Browser,
                                    artifacts_dir: Path) -> None:
    url, logins = office
    page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_flet(page, f"{url}/console/escalations")

    def sign_in() -> None:
        wait_text(page, "Sign in with your office account.")
        fill(page, "console-email", logins.coordinator_email)
        fill(page, "console-password", logins.password)
        tap(page, "console-sign-in")

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
