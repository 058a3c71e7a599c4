"""Steps a worker takes in the phone app, shared by the browser journeys."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import by_id, open_flet, screenshot, tap_to, wait_id, wait_text
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
    demo rota is today's real times): give one when the field is there.

    The field sits in the visit's footer beside its Check in / Check out button, so the
    footer is waited for first: deciding before the visit screen is drawn (a busy machine)
    would skip the reason and the tap would be refused."""
    wait_id(page, "visit-check-in" if identifier.startswith("checkin") else "visit-check-out")
    settle(page)
    page.wait_for_timeout(300)
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
                 answers: dict[int, tuple[str, str]] | None = None, drank: str = "200",
                 until: str | None = None) -> None:
    """Answer every care-plan task on the visit screen: "done", or for the indexes in
    `answers` "not done" with (the button that saves it, the reason). With `until`, wait
    for each answer's line to say it (say "Received by the office")."""
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
        if until is None:
            wait_id(page, f"task-{i}-answer")
        else:  # the line then stops changing under the thumb
            wait_attr_text(page, f"task-{i}-answer", until)


def ask_prn(page: Page, button: str, reason: str) -> None:
    """The first "as needed" medicine: give the reason, then tap `button` (taken, given)."""
    fill(page, "prn-0-reason", reason)
    tap(page, f"prn-0-{button}")


def wait_attr_text(page: Page, identifier: str, text: str, timeout_ms: int = 30_000) -> None:
    """Wait until the control's text or accessible labels include `text`."""
    wait_id(page, identifier)
    page.wait_for_function(
        """([id, text]) => {
            const el = document.querySelector(`[flt-semantics-identifier="${id}"]`);
            return !!el && (el.innerText + " " + (el.getAttribute("aria-label") || "") +
                Array.from(el.querySelectorAll("[aria-label]")).map(e =>
                    e.getAttribute("aria-label")).join(" ")).includes(text);
        }""",
        arg=[identifier, text], timeout=timeout_ms)


def check_in_first_visit(page: Page) -> None:
    """Open today's first visit and check in. The demo rota is today's real times, so the
    worker may be early or late: the visit asks for a reason before the tap."""
    tap(page, "visit-0")
    check_in_here(page)


def check_in_here(page: Page, reason: str = "Previous visit ran over",
                  attempts: int = 3) -> None:
    """Check in to the open visit, giving a reason when asked. A tap that lands while a sync
    redraws the visit is lost; a person looks, and taps again while Check in is still there."""
    for attempt in range(attempts):
        reason_if_asked(page, "checkin-reason", reason)
        tap(page, "visit-check-in")
        try:
            wait_text(page, "Checked in", timeout=10 if attempt < attempts - 1 else 60)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts - 1 or not by_id(page, "visit-check-in").count():
                raise


def record_doses_due(page: Page, doses: Sequence[Any]) -> None:
    """Every dose due at the visit gets an outcome on the MAR (given where the worker
    administers it, else taken); the medicines task follows the MAR."""
    if not doses:
        return
    tap_to(page, "visit-mar", "mar-summary")
    for i, dose in enumerate(doses):
        given = dose.medicine.support_level.value == "administer"
        record_dose(page, f"dose-{i}", "given" if given else "taken")
    tap(page, "mar-done")
    wait_id(page, "visit-check-out")


def check_out(page: Page) -> None:
    """Check out of the open visit, giving a reason when it ends early or late."""
    reason_if_asked(page, "checkout-reason", OUTSIDE_WINDOW_REASON)
    tap(page, "visit-check-out")
    wait_text(page, "checked out")


def tick(page: Page, identifier: str) -> None:
    """Tick a checklist box and wait until Flutter reports it ticked."""
    checked = f'[flt-semantics-identifier="{identifier}"] [aria-checked="true"], ' \
              f'[flt-semantics-identifier="{identifier}"][aria-checked="true"]'
    tap(page, identifier)
    page.locator(checked).first.wait_for(state="attached", timeout=10_000)


def raise_fall(page: Page, sbard_shot: Path | None = None) -> None:
    """From the day view: an urgent fall with two soft signs raised at the first visit and
    sent, until the office has it. With `sbard_shot`, the SBARD summary is photographed."""
    tap(page, "visit-0")
    tap(page, "escalate")
    wait_text(page, "Step 1 of 3")
    tap(page, "type-fall")
    tap(page, "severity-urgent")
    tap(page, "escalate-next")
    wait_text(page, "Soft signs")
    fill(page, "escalate-details", "Found on the bedroom floor, says her hip hurts")
    tick(page, "sign-unsteady")
    tick(page, "sign-family")
    tap(page, "escalate-next")
    wait_text(page, "read this out")
    if sbard_shot is not None:
        wait_text(page, "family concerned")
        screenshot(page, sbard_shot)
    tap(page, "escalate-send")
    wait_text(page, "Received by the office", timeout=60)
