"""Steps a worker takes in the phone app, shared by the browser journeys."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import by_id, open_flet, wait_id, wait_text
from tests.support.browser import fill as _fill
from tests.support.browser import tap as _tap

PIN = "258036"
PHONE = {"width": 412, "height": 860}  # the viewport of the phone the journeys use
LONDON = ZoneInfo("Europe/London")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"  # the README's pictures
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


def bring_into_view(page: Page, identifier: str, attempts: int = 14) -> None:
    """Scroll the screen (as a thumb does, with the wheel) until the control is on it.

    Flutter scrolls its own canvas, so the DOM's scrollIntoView does nothing; a control far
    below (or above) the visible part may not even be in the semantics tree yet.
    """
    height = (page.viewport_size or {"height": 860})["height"]
    step = 600
    for n in range(attempts):
        node = by_id(page, identifier)
        box = node.bounding_box() if node.count() else None
        if box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 120) <= height:
            return
        if box is not None:
            delta = box["y"] - height / 3
        else:
            delta = step if n < attempts // 2 else -step  # not built yet: look below, then above
        page.mouse.move(200, height / 2)
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(300)


def tap(page: Page, identifier: str) -> None:
    settle(page)
    bring_into_view(page, identifier)
    _tap(page, identifier)


def fill(page: Page, identifier: str, text: str) -> None:
    settle(page)
    bring_into_view(page, identifier)
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


def fill_enrolment(page: Page, app_url: str, code: str, pin: str = PIN) -> None:
    """First run: open the worker app and fill in the enrolment form (not sent yet)."""
    open_flet(page, app_url)
    wait_text(page, "Set up this phone")
    fill(page, "enrol-code", code)
    fill(page, "enrol-pin", pin)
    fill(page, "enrol-pin2", pin)


def enrol(page: Page, app_url: str, code: str, pin: str = PIN) -> None:
    """First run, enrolment sent: the phone shows today's list."""
    fill_enrolment(page, app_url, code, pin)
    tap(page, "enrol-submit")
    wait_text(page, "Today,", timeout=60)


def answer_tasks(page: Page, tasks: list[dict[str, object]],
                 answers: dict[int, tuple[str, str]] | None = None, drank: str = "200") -> None:
    """Answer every care-plan task on the visit screen: "done", or for the indexes in
    `answers` "not done" with (the button that saves it, the reason)."""
    for i, task in enumerate(tasks):
        if task.get("fluid"):
            fill(page, f"task-{i}-offered", "250")
            fill(page, f"task-{i}-taken", drank)
        if answers and i in answers:
            button, reason = answers[i]
            tap(page, f"task-{i}-not-done")
            fill(page, f"task-{i}-reason", reason)
            tap(page, f"task-{i}-{button}")
        else:
            tap(page, f"task-{i}-done")
        wait_id(page, f"task-{i}-answer")


def ask_prn(page: Page, button: str, reason: str) -> None:
    """The first "as needed" medicine: give the reason, then tap `button` (taken, given)."""
    fill(page, "prn-0-reason", reason)
    tap(page, f"prn-0-{button}")
