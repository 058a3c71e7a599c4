"""Steps a worker takes in the phone app, shared by the browser journeys."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import by_id, wait_id, wait_text
from tests.support.browser import fill as _fill
from tests.support.browser import tap as _tap

OUTSIDE_WINDOW_REASON = "Rota changed this morning"
_ANSWERED_OR_ASKED = """(card) => !!document.querySelector(
  `[flt-semantics-identifier="${card}-answer"], ` +
  `[flt-semantics-identifier="${card}-confirm-ask"]`)"""


def settle(page: Page) -> None:
    """Each saved record starts a background sync whose answer redraws the screen; a tap or
    typing during that redraw can be lost, so let the office answer first."""
    page.wait_for_function(
        """() => !(document.querySelector('flt-semantics-host')?.innerText || '')
             .includes('not yet received by the office')""", timeout=60_000)


def tap(page: Page, identifier: str) -> None:
    settle(page)
    _tap(page, identifier)


def fill(page: Page, identifier: str, text: str) -> None:
    settle(page)
    _fill(page, identifier, text)
    page.wait_for_timeout(300)


def reason_if_asked(page: Page, identifier: str, text: str) -> bool:
    """The visit asks for a reason before the tap only when the worker is early or late (the
    demo rota is today's real times): give one when the field is there."""
    page.wait_for_timeout(500)
    if by_id(page, identifier).count():
        fill(page, identifier, text)
        return True
    return False


def record_dose(page: Page, card: str, code: str, reason: str = OUTSIDE_WINDOW_REASON) -> bool:
    """Tap the dose's outcome; outside its window the app asks for a reason first. True if
    it asked (the dose is then saved flagged)."""
    tap(page, f"{card}-{code}")
    for attempt in range(3):
        try:
            page.wait_for_function(_ANSWERED_OR_ASKED, arg=card, timeout=15_000)
            break
        except PlaywrightTimeoutError:
            # A tap that lands while a sync redraws the screen is lost: tap again, as a
            # person would, while the button is still there.
            if attempt == 2 or not by_id(page, f"{card}-{code}").count():
                raise
            tap(page, f"{card}-{code}")
    if not by_id(page, f"{card}-confirm-ask").count():
        return False
    fill(page, f"{card}-reason", reason)
    tap(page, f"{card}-confirm")
    wait_id(page, f"{card}-answer")
    wait_text(page, "FLAGGED")
    return True
