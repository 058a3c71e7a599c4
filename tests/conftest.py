"""Session-wide fixtures: a throwaway PostgreSQL (``pg_url``) and Debian's Chromium (``chromium``).

Policy for missing system pieces (PostgreSQL server binaries, /usr/bin/chromium): with
``CI=true`` the test fails; otherwise it is skipped with a message naming ``make test``, which
installs them.

Fixture names avoid ``flet_app`` / ``flet_app_function``: Flet's own pytest plugin owns those.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # so `from tests.support import …` works under any runner
    sys.path.insert(0, str(REPO_ROOT))

from tests.support import pg  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 412, "height": 860}
ARTIFACTS = REPO_ROOT / "tests" / ".artifacts"

# No test may open a window or a desktop browser: Flet serves web when DISPLAY is unset.
for _var in ("DISPLAY", "WAYLAND_DISPLAY"):
    os.environ.pop(_var, None)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str) -> None:
    """Fail under CI, skip elsewhere, saying how to get ``what``."""
    msg = f"{what} is missing; run `make test`, which installs it."
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(autouse=True)
def _fresh_server_memory() -> None:
    """Each test starts as a fresh server process for what the office keeps in memory per
    agency (the missed-dose monitor's plan, the staff lists): the demo's agency id is the same
    in every test, and a test may change the staff and look again at once."""
    for name in ("server.missed_doses", "server.worker_profile"):
        module = sys.modules.get(name)
        if module is not None:
            module.forget()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of an empty database on a throwaway PostgreSQL cluster (one per session).

    ``postgresql+psycopg://fieldapp@127.0.0.1:PORT/fieldapp_test``; the role is a superuser.
    For a database of your own: ``tests.support.pg.create_database(pg_url, "name")``.
    """
    with pg.pg_session_url() as url:
        yield url


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/.artifacts/ (git-ignored): screenshots and other things worth looking at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`)."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium ({CHROMIUM}, Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("The Python package `playwright`")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone_page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context with a phone-sized viewport (412x860, scale 1) and one page."""
    context = chromium.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last.

    Playwright's sync API keeps an event loop running in the main thread for as long as the
    session-wide browser lives; any test after it that calls ``asyncio.run`` would fail.
    """
    browser_dir = Path(__file__).parent / "browser"
    for item in items:  # every journey under tests/browser is a browser test, marked or not
        if browser_dir in item.path.parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
