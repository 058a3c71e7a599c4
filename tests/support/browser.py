"""Drive Flet web apps in Chromium (Playwright) through Flutter's semantics tree.

Flutter paints on a canvas; the only DOM worth querying is the semantics tree, which is off until
something switches it on. :func:`open_flet` does that. Controls are found by
``ft.Semantics(identifier="…", content=control)``, which Flutter renders as the DOM attribute
``flt-semantics-identifier="…"`` on a wrapper node (a control's ``key`` is not in the DOM).

Verified with Flet 1.0.5 and Debian's Chromium (tests/browser/test_flet_harness.py):

* A text field's semantics node holds a real ``<input>`` (``<textarea>`` when ``multiline``) with
  ``aria-label`` = the TextField's ``label``. Flutter only listens to the input it is *editing*:
  clicking the input makes the framework request the keyboard, and some frames later (40-250 ms,
  longer under load) the engine attaches its ``input``/``keydown`` listeners to that element and
  writes the framework's text into it — wiping anything typed before. So :func:`fill` clicks the
  input, **waits until Flutter has attached to it** (an init script installed by
  :func:`open_flet` records which inputs got an ``input`` listener), then ``fill``s, then checks
  the value stuck. Flet's Python side gets ``value`` and one ``on_change`` per fill;
  :func:`type_text` types key by key (one ``on_change`` per key). Filling without that wait
  loses the text in roughly 1 in 15 fills on a loaded 2-core machine.
* A button's semantics node is a ``role="button"`` / ``flt-tappable`` element inside the
  identifier wrapper; :func:`tap` clicks it.
* Text is ``<span>`` text inside ``flt-semantics``; text inside a ``Card`` (or any merged
  semantics group) is merged into one node, so match substrings (:func:`wait_text` does).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SEMANTICS_HOST = "flt-semantics-host"
PLACEHOLDER = "flt-semantics-placeholder"

DEFAULT_TIMEOUT_MS = 60_000  # a loaded 2-core machine (parallel work, CI) can be slow

# Installed before the app loads: remember which <input>/<textarea> elements Flutter's text
# editing is attached to (it adds an `input` listener on attach and removes it on detach).
_TRACK_EDITING_JS = """(() => {
  if (window.__fltEditing) return;
  const editing = new WeakSet();
  window.__fltEditing = editing;
  const isField = (el) => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (type === 'input' && isField(this)) editing.add(this);
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    if (type === 'input' && isField(this)) editing.delete(this);
    return remove.call(this, type, listener, options);
  };
})();"""

_IS_EDITING_JS = """(el) => document.activeElement === el &&
  (window.__fltEditing ? window.__fltEditing.has(el) : true)"""

# Two animation frames (bounded: a page that stops painting must not hang the test).
_TWO_FRAMES_JS = """() => new Promise((resolve) => {
  let done = false;
  const finish = () => { if (!done) { done = true; resolve(true); } };
  requestAnimationFrame(() => requestAnimationFrame(finish));
  setTimeout(finish, 2000);
})"""

_ENABLE_SEMANTICS_JS = """() => {
  const p = document.querySelector('flt-semantics-placeholder');
  if (p) { p.click(); return true; }
  return false;
}"""

# True when `text` appears in the semantics tree's visible text or in any aria-label
# (merged groups and some controls carry their text as a label).
_HAS_TEXT_JS = """(text) => {
  const host = document.querySelector('flt-semantics-host');
  if (!host) return false;
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const want = norm(text);
  if (norm(host.innerText).includes(want)) return true;
  for (const el of host.querySelectorAll('[aria-label]')) {
    if (norm(el.getAttribute('aria-label')).includes(want)) return true;
  }
  return false;
}"""


def open_flet(page: Page, url: str, *, timeout_ms: int = 60_000, settle_s: float = 0.5) -> None:
    """Load a Flet web app and switch on Flutter's semantics tree.

    Installs the text-editing tracker :func:`fill` relies on (once per page), then
    ``goto`` → wait for ``flt-semantics-placeholder`` → click it from JavaScript (Playwright's
    own click refuses: the placeholder is off-screen) → wait for ``flt-semantics-host`` to hold
    nodes → short settle so the first frame is laid out.
    """
    if not getattr(page, "_flet_tracking", False):
        page.add_init_script(_TRACK_EDITING_JS)
        page._flet_tracking = True  # type: ignore[attr-defined]
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.wait_for_selector(PLACEHOLDER, state="attached", timeout=timeout_ms)
    page.evaluate(_ENABLE_SEMANTICS_JS)
    page.wait_for_selector(f"{SEMANTICS_HOST} flt-semantics", state="attached", timeout=timeout_ms)
    if settle_s:
        time.sleep(settle_s)


def _quote(identifier: str) -> str:
    return json.dumps(identifier)  # a CSS string literal for plain identifiers


def by_id(page: Page, identifier: str) -> Locator:
    """The node of ``ft.Semantics(identifier=identifier, …)``."""
    return page.locator(f"[flt-semantics-identifier={_quote(identifier)}]").first


def input_of(page: Page, identifier: str) -> Locator:
    """The ``<input>``/``<textarea>`` of a TextField wrapped in ``ft.Semantics(identifier=…)``."""
    q = _quote(identifier)
    return page.locator(
        f"[flt-semantics-identifier={q}] input, [flt-semantics-identifier={q}] textarea"
    ).first


def wait_id(page: Page, identifier: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Locator:
    """Wait until the identified node is in the semantics tree; return its locator."""
    loc = by_id(page, identifier)
    loc.wait_for(state="attached", timeout=timeout_ms)
    return loc


def tap(page: Page, identifier: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Click the tappable element of the identified node (a button, a tappable container…)."""
    q = _quote(identifier)
    node = f"[flt-semantics-identifier={q}]"
    target = page.locator(
        f"{node}[flt-tappable], {node} [flt-tappable], {node}[role=button], {node} [role=button]"
    ).first
    wait_id(page, identifier, timeout_ms=timeout_ms)
    if target.count():
        target.click(timeout=timeout_ms)
    else:
        by_id(page, identifier).click(timeout=timeout_ms)


def tap_to(page: Page, identifier: str, arrives: str, *, attempts: int = 3,
           settle_ms: int = 5000, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Locator:
    """Tap a control that opens another screen and wait for `arrives` (an identifier on it).

    A tap that lands while the current screen is being rebuilt (a sync just changed a record's
    state line) can be lost; if the new screen has not come and the control is still there,
    tap it again, as a person would.
    """
    tap(page, identifier, timeout_ms=timeout_ms)
    for _ in range(attempts - 1):
        try:
            return wait_id(page, arrives, timeout_ms=settle_ms)
        except PlaywrightTimeoutError:
            if by_id(page, identifier).count():
                tap(page, identifier, timeout_ms=timeout_ms)
    return wait_id(page, arrives, timeout_ms=timeout_ms)


def focus_field(page: Page, identifier: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Locator:
    """Click a TextField's input and wait until Flutter's text editing is attached to it."""
    field = input_of(page, identifier)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        # A click that lands while the screen is rebuilt is lost, and the rebuilt input is a new
        # element: click the current one again, as a person would, until editing attaches.
        field.wait_for(state="attached", timeout=timeout_ms)
        field.click(timeout=timeout_ms)
        left_ms = int((deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_function(_IS_EDITING_JS, arg=field.element_handle(),
                                   timeout=max(1000, min(5000, left_ms)))
            return field
        except PlaywrightTimeoutError:
            if left_ms <= 5000:
                raise


def fill(
    page: Page, identifier: str, text: str, *, attempts: int = 3,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> None:
    """Replace a TextField's text; Flet's Python side receives ``value`` and one ``on_change``.

    Click → wait until Flutter edits this input → ``fill`` → after two frames, check the input
    still holds ``text`` (retry otherwise).
    """
    for _ in range(attempts):
        field = focus_field(page, identifier, timeout_ms=timeout_ms)
        field.fill(text, timeout=timeout_ms)
        page.evaluate(_TWO_FRAMES_JS)
        if field.input_value() == text:
            return
    raise AssertionError(
        f"could not fill {identifier!r} with {text!r}: it holds {field.input_value()!r}"
    )


def console_sign_in(page: Page, email: str, password: str) -> None:
    """Fill in and send the office console's sign-in form (showing on `page`)."""
    fill(page, "console-email", email)
    fill(page, "console-password", password)
    tap(page, "console-sign-in")


def type_text(
    page: Page, identifier: str, text: str, *, clear: bool = True, delay_ms: float = 0,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> None:
    """Type into a TextField key by key (one ``on_change`` per key), optionally clearing first."""
    field = focus_field(page, identifier, timeout_ms=timeout_ms)
    if clear and field.input_value():
        field.fill("", timeout=timeout_ms)
    field.press_sequentially(text, delay=delay_ms, timeout=timeout_ms)


def value_of(page: Page, identifier: str) -> str:
    """The text currently shown in a TextField's DOM input."""
    return input_of(page, identifier).input_value()


def has_text(page: Page, text: str) -> bool:
    """Whether ``text`` (whitespace-normalised substring) is in the semantics tree right now."""
    return bool(page.evaluate(_HAS_TEXT_JS, text))


def wait_text(page: Page, text: str, timeout: float = 30.0) -> None:
    """Wait until ``text`` appears in the semantics tree (visible text or an aria-label).

    ``timeout`` is in seconds. Raises Playwright's ``TimeoutError`` with the tree's text.
    """
    try:
        page.wait_for_function(_HAS_TEXT_JS, arg=text, timeout=timeout * 1000)
    except Exception as exc:
        raise type(exc)(
            f"{text!r} did not appear within {timeout}s; semantics text is:\n{tree_text(page)}"
        ) from exc


def wait_no_text(page: Page, text: str, timeout: float = 30.0) -> None:
    """Wait until ``text`` is no longer in the semantics tree."""
    page.wait_for_function(f"(t) => !({_HAS_TEXT_JS})(t)", arg=text, timeout=timeout * 1000)


def tree_text(page: Page) -> str:
    """All text of the semantics tree plus aria-labels, for assertions and error messages."""
    return str(
        page.evaluate(
            """() => {
              const host = document.querySelector('flt-semantics-host');
              if (!host) return '(no semantics tree)';
              const labels = [...host.querySelectorAll('[aria-label]')]
                .map(e => '[' + e.getAttribute('aria-label') + ']');
              return host.innerText + (labels.length ? '\\n' + labels.join(' ') : '');
            }"""
        )
    )


def screenshot(page: Page, path: str | Path, *, settle_s: float = 1.0) -> Path:
    """Save a PNG after ``settle_s`` (a shot taken right after a change may be blank)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    time.sleep(settle_s)
    page.screenshot(path=str(p))
    return p
