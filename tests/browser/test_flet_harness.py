"""Proves the browser-testing recipe on a tiny Flet app (tests/support/harness_app.py).

1. Flet's own web server (``ft.run(..., view=WEB_BROWSER, no_cdn=True)``): type, tap, see result.
2. The same app exported with ``ft.run(main, export_asgi_app=True, no_cdn=True)`` and mounted
   at ``/console`` inside a FastAPI app served by one uvicorn, next to an API route.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import browser as b
from tests.support import procs

pytestmark = pytest.mark.browser

HARNESS = str(procs.REPO_ROOT / "tests" / "support" / "harness_app.py")


@pytest.fixture(scope="module")
def harness_url() -> Iterator[str]:
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}/"
    with procs.running(procs.python_argv(HARNESS, str(port)), url=url):
        yield url


@pytest.fixture(scope="module")
def mounted_base() -> Iterator[str]:
    port = procs.free_port()
    base = f"http://127.0.0.1:{port}"
    with procs.running(
        procs.python_argv(HARNESS, str(port), "--mounted"), url=f"{base}/api/health"
    ):
        yield base


def _greet_flow(page, url: str) -> None:  # type: ignore[no-untyped-def]
    b.open_flet(page, url)
    b.wait_id(page, "name-field")
    b.fill(page, "name-field", "Bob")
    b.fill(page, "notes-field", "line one\nline two")  # multiline: a <textarea>
    b.fill(page, "name-field", "Ada Lovelace")  # replaces, and after focus moved away
    assert b.value_of(page, "name-field") == "Ada Lovelace"
    b.tap(page, "greet-button")
    b.wait_text(page, "Hello, Ada Lovelace")  # computed on the Python side from .value
    b.wait_text(page, "Notes: line one line two")
    b.wait_text(page, "changes: 2")  # one on_change per fill
    b.wait_text(page, "Mrs Example")  # text merged into a Card's node is found too


def test_type_and_tap_in_flet_web_app(phone_page, harness_url, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    _greet_flow(phone_page, harness_url)
    b.wait_text(phone_page, "route: /")
    shot = b.screenshot(phone_page, artifacts_dir / "harness-greeting.png")
    assert shot.stat().st_size > 0


def test_type_text_key_by_key(phone_page, harness_url) -> None:  # type: ignore[no-untyped-def]
    b.open_flet(phone_page, harness_url)
    b.type_text(phone_page, "name-field", "Eve")
    b.wait_text(phone_page, "changes: 3")  # one on_change per key
    b.tap(phone_page, "greet-button")
    b.wait_text(phone_page, "Hello, Eve")


def test_flet_app_mounted_under_console_in_fastapi(phone_page, mounted_base, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    # The parent FastAPI app keeps its own routes…
    assert httpx.get(f"{mounted_base}/api/health", trust_env=False).json() == {"status": "ok"}
    # …the bare prefix redirects to the trailing-slash URL, and index.html is rebased.
    r = httpx.get(f"{mounted_base}/console", trust_env=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/console/")
    index = httpx.get(f"{mounted_base}/console/", trust_env=False).text
    assert '<base href="/console/">' in index
    assert 'flet.webSocketEndpoint="/console/ws"' in index
    assert "flet.noCdn=true" in index

    _greet_flow(phone_page, f"{mounted_base}/console/")
    b.screenshot(phone_page, artifacts_dir / "harness-mounted-console.png")


def test_mounted_deep_link_route(phone_page, mounted_base) -> None:  # type: ignore[no-untyped-def]
    # A deep link under the prefix serves the app, and page.route is relative to the mount.
    b.open_flet(phone_page, f"{mounted_base}/console/visits/3")
    b.wait_text(phone_page, "route: /visits/3")
