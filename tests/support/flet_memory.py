"""Drive a real Flet 1.0.5 app in memory: a fake client session, no browser, no Flutter.

Layer 3 of the test pyramid (docs: DESIGN.md "Testing layers", FLET.md "Testing / In memory").
The app's own ``main(page)`` runs against a real :class:`flet.Page` built by
:class:`flet.messaging.session.Session` over :class:`FakeClient`, a recording
:class:`flet.messaging.connection.Connection`. Everything crosses the boundary the way the real
transports (``flet_socket_server``, ``flet_web.fastapi.flet_app``) encode it:

* every outgoing message is packed with ``configure_encode_object_for_msgpack(BaseControl)`` and
  unpacked with ``decode_ext_from_msgpack``. Packing is not cosmetic: it records the snapshots the
  next diff is computed from, so without it controls never mount;
* every incoming client message (property update, control event, method result) is packed and
  unpacked the same way, then handled as the socket server's ``__on_message`` handles it.

Usage::

    with run_app(main) as app:          # runs main(page), then settles background work
        app.type("enrol-code", "K7PX")  # value patch + "change" event, as the client sends them
        app.tap("enrol-submit")         # "click" on the button inside that Semantics
        assert "Today" in app.texts()[0]

Controls are found by the accessibility identifier of their ``ft.Semantics`` wrapper, the same
handle the browser tests use. ``tap`` and ``type`` run the handler to completion, then
``settle()`` runs the event loop until every other task is parked (waiting on an event, a queue
or a timer), so work a handler starts in the background (``page.run_task``, a sync it wakes)
finishes before the test looks at the screen. Anything that goes wrong inside the app - a handler
raising (Flet turns that into a "session crashed" message), a background task dying, an error
logged by Flet or asyncio - raises :class:`AppCrashed` in the test rather than passing quietly.

The client answers the method calls an app may make: ``Page.push_route`` (applies the route and
sends ``route_change``), ``SharedPreferences`` (a dict), ``Clipboard``, ``UrlLauncher`` (recorded in
``client.launched_urls``). Register others with ``client.on_invoke(control_type, method, fn)``;
an unanswered call fails the app with a clear error instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import os
import traceback
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page, context
from flet.messaging.connection import Connection
from flet.messaging.protocol import (
    ControlEventBody,
    InvokeMethodResponseBody,
    Message,
    MessageAction,
    RegisterClientResponseBody,
    UpdateControlPropsBody,
    configure_encode_object_for_msgpack,
    decode_ext_from_msgpack,
)
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

__all__ = [
    "AppCrashed",
    "FakeClient",
    "Harness",
    "NotFound",
    "SettleTimeout",
    "run_app",
]

#: A phone-sized client, as the Dart client reports itself when it registers.
DEFAULT_PAGE_PROPS: dict[str, Any] = {
    "route": "/",
    "web": False,
    "debug": False,
    "platform": "android",
    "width": 412.0,
    "height": 860.0,
}

_ENCODE = configure_encode_object_for_msgpack(BaseControl)
_WATCHED_LOGGERS = ("flet", "flet_controls", "asyncio", "concurrent.futures")


class AppCrashed(AssertionError):
    """The app failed inside the fake session (handler error, dead task, logged error)."""


class NotFound(LookupError):
    """No visible control carries that accessibility identifier."""


class SettleTimeout(AssertionError):
    """Background work did not finish in time (a hang, not a slow machine: the limit is wide)."""


def wire(obj: Any, *, to_client: bool = False) -> Any:
    """Pack and unpack ``obj`` as the real transports do (MessagePack with Flet's ext types).

    Python decodes what the client sends with msgpack's defaults; the Dart client accepts
    integer map keys (patch operations use them), so decoding for it is not strict about keys.
    """
    return msgpack.unpackb(msgpack.packb(obj, default=_ENCODE), ext_hook=decode_ext_from_msgpack,
                           strict_map_key=not to_client)


@dataclass
class Sent:
    """One message the app sent to the client, as the client would decode it."""

    action: MessageAction
    body: Any


InvokeHandler = Callable[[BaseControl, dict[str, Any]], Any]
Placed = tuple[BaseControl, tuple[BaseControl, ...]]  # a control and its ancestors


class FakeClient(Connection):
    """The client end of the session: records what the app sends, answers what it asks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor):
        super().__init__()
        self.loop = loop
        self.executor = executor
        self.pubsubhub = PubSubHub(loop=loop, executor=executor)
        self.page_name = ""
        self.page_url = "http://fieldapp.test/"
        self.local_data_transport = True
        self.session: Session | None = None
        self.sent: list[Sent] = []
        self.crashes: list[str] = []
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.shared_preferences: dict[str, Any] = {}
        self.clipboard: str | None = None
        self.launched_urls: list[str] = []
        self._handlers: dict[tuple[str, str], InvokeHandler] = {}
        self._install_default_handlers()

    # --- outgoing: app -> client ----------------------------------------------------------
    def send_message(self, message: Message) -> None:
        action_code, body = wire([message.action, message.body], to_client=True)
        action = MessageAction(action_code)
        self.sent.append(Sent(action, body))
        if action is MessageAction.SESSION_CRASHED:
            self.crashes.append(body["message"])
        elif action is MessageAction.INVOKE_METHOD:
            # The real client answers later, from its own event loop turn.
            self.loop.call_soon(self._answer, body)

    def _answer(self, body: dict[str, Any]) -> None:
        assert self.session is not None
        control = self.session.index.get(body["control_id"])
        ctype = getattr(control, "_c", "?")
        args = body.get("args") or {}
        self.calls.append((ctype, body["name"], args))
        handler = self._handlers.get((ctype, body["name"]))
        result: Any = None
        error: str | None = None
        if handler is None:
            error = (f"The in-memory Flet client has no answer for {ctype}.{body['name']}; "
                     f"register one with client.on_invoke({ctype!r}, {body['name']!r}, fn).")
        else:
            try:
                result = handler(control, args)  # type: ignore[arg-type]
            except Exception as exc:  # the client reports failures as an error string
                error = f"{type(exc).__name__}: {exc}"
        self.receive(MessageAction.INVOKE_METHOD, {
            "control_id": body["control_id"], "call_id": body["call_id"], "result": result,
            "error": error})

    # --- incoming: client -> app ----------------------------------------------------------
    def receive(self, action: MessageAction, body: dict[str, Any]) -> Awaitable[None] | None:
        """Deliver one client message through the wire, as the socket server's ``__on_message``.

        ``body`` is the map the Dart client sends (every key present, ``None`` as nil).
        Returns the event dispatch coroutine for ``CONTROL_EVENT`` (the caller awaits it).
        """
        assert self.session is not None
        action_code, data = wire([action, body])
        action = MessageAction(action_code)
        if action is MessageAction.CONTROL_EVENT:
            req = ControlEventBody(**data)
            return self.session.dispatch_event(req.target, req.name, req.data)
        if action is MessageAction.UPDATE_CONTROL_PROPS:
            req_props = UpdateControlPropsBody(**data)
            self.session.apply_patch(req_props.id, req_props.props)
            return None
        if action is MessageAction.INVOKE_METHOD:
            res = InvokeMethodResponseBody(**data)
            self.session.handle_invoke_method_results(res.control_id, res.call_id, res.result,
                                                      res.error)
            return None
        raise ValueError(f"A client does not send {action}")

    # --- method calls the client knows how to answer --------------------------------------
    def on_invoke(self, control_type: str, method: str, handler: InvokeHandler) -> None:
        """Answer ``control_type.method(args)`` with ``handler(control, args)``."""
        self._handlers[(control_type, method)] = handler

    def _install_default_handlers(self) -> None:
        prefs = self.shared_preferences

        def push_route(_page: BaseControl, args: dict[str, Any]) -> None:
            route = args["route"]
            assert self.session is not None
            page_id = self.session.page._i
            self.receive(MessageAction.UPDATE_CONTROL_PROPS,
                         {"id": page_id, "props": {"route": route}})
            event = self.receive(MessageAction.CONTROL_EVENT, {
                "target": page_id, "name": "route_change", "data": {"route": route}})
            assert event is not None
            self.loop.create_task(event)  # type: ignore[arg-type]

        def launch(_c: BaseControl, args: dict[str, Any]) -> bool:
            self.launched_urls.append(args.get("url", ""))
            return True

        def set_clipboard(_c: BaseControl, args: dict[str, Any]) -> None:
            self.clipboard = args.get("data")

        self.on_invoke("Page", "push_route", push_route)
        self.on_invoke("SharedPreferences", "set",
                       lambda _c, a: prefs.__setitem__(a["key"], a["value"]) or True)
        self.on_invoke("SharedPreferences", "get", lambda _c, a: prefs.get(a["key"]))
        self.on_invoke("SharedPreferences", "contains_key", lambda _c, a: a["key"] in prefs)
        self.on_invoke("SharedPreferences", "remove",
                       lambda _c, a: prefs.pop(a["key"], None) is not None)
        self.on_invoke("SharedPreferences", "get_keys",
                       lambda _c, a: [k for k in prefs if k.startswith(a.get("key_prefix") or "")])
        self.on_invoke("SharedPreferences", "clear", lambda _c, _a: prefs.clear() or True)
        self.on_invoke("Clipboard", "set", set_clipboard)
        self.on_invoke("Clipboard", "get", lambda _c, _a: self.clipboard)
        self.on_invoke("UrlLauncher", "launch_url", launch)
        self.on_invoke("UrlLauncher", "can_launch_url", lambda _c, _a: True)

    def get_upload_url(self, file_name: str, expires: int) -> str:
        return f"http://fieldapp.test/upload/{file_name}"

    def oauth_authorize(self, attrs: dict[str, Any]) -> None:
        raise NotImplementedError("OAuth is not available in the in-memory client")


class _ProblemLog(logging.Handler):
    """Collects errors Flet and asyncio only log (a dead ``page.run_task``, a failed callback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.problems.append(f"[{record.name}] {text}")


def _await_chain(task: asyncio.Task[Any]) -> list[Any]:
    """Frames of the coroutines ``task`` is suspended in, outermost first."""
    frames = []
    coro: Any = task.get_coro()
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        frames.append(coro.cr_frame)
        coro = getattr(coro, "cr_await", None)
    return frames


def _parked(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` may wait without holding up ``settle()``.

    True when it is suspended in an asyncio primitive that needs something from outside - a
    wake-up (an unset Event), a queue item, a timer (``sleep``, ``wait_for`` on a pending
    future) - rather than more turns of the loop or a worker thread's result.
    """
    chain = _await_chain(task)
    if not chain:
        return False
    frame = chain[-1]
    path = frame.f_code.co_filename
    if os.path.basename(os.path.dirname(path)) != "asyncio":
        return False
    module = os.path.splitext(os.path.basename(path))[0]
    name = frame.f_code.co_name
    local = frame.f_locals
    if module == "locks" and name == "wait":
        owner = local.get("self")
        return not (isinstance(owner, asyncio.Event) and owner.is_set())
    if module == "tasks" and name == "wait_for":
        inner = local.get("fut")
        return isinstance(inner, asyncio.Future) and not inner.done()
    if module == "tasks" and name == "sleep":
        return bool(local.get("delay"))
    if module == "queues" and name == "get":
        queue = local.get("self")
        return isinstance(queue, asyncio.Queue) and queue.empty()
    return False


def _describe(task: asyncio.Task[Any]) -> str:
    frames = _await_chain(task)
    where = " <- ".join(f"{f.f_code.co_name} ({os.path.basename(f.f_code.co_filename)}:"
                        f"{f.f_lineno})" for f in reversed(frames))
    return f"{task.get_name()}: {where or 'not started'}"


def _actionable(c: BaseControl) -> str | None:
    """The event a tap on ``c`` fires, or None if tapping it does nothing."""
    if isinstance(c, ft.Chip) and c.on_select is not None:
        return "select"
    if getattr(c, "on_click", None) is not None:
        return "click"
    return None


class Harness:
    """One open app: the page, its fake client, and the event loop the test controls."""

    def __init__(self, *, page_props: dict[str, Any] | None = None, settle_timeout: float = 15.0):
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._loop_exception)
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="flet-memory")
        self.client = FakeClient(self.loop, self.executor)
        self.settle_timeout = settle_timeout
        self._page_props = {**DEFAULT_PAGE_PROPS, **(page_props or {})}
        self._problems: list[str] = []
        self._log = _ProblemLog()
        for name in _WATCHED_LOGGERS:
            logging.getLogger(name).addHandler(self._log)
        self._on_close: list[Callable[[], Any]] = []
        self._closed = False
        self.session: Session = self.loop.run_until_complete(self._register())
        self.client.session = self.session

    # --- lifecycle ------------------------------------------------------------------------
    async def _register(self) -> Session:
        """What the server does on REGISTER_CLIENT: new session, client's page props, answer."""
        session = Session(self.client)
        session.apply_page_patch(wire(self._page_props))
        self.client.send_message(Message(MessageAction.REGISTER_CLIENT, RegisterClientResponseBody(
            session_id=session.id, page_patch=session.get_page_patch(), error="")))
        return session

    @property
    def page(self) -> ft.Page:
        return self.session.page

    def start(self, main: Callable[[ft.Page], Any]) -> Harness:
        """Run ``main(page)`` as Flet's ``on_session_created`` does, then settle."""

        async def session_created() -> None:
            page = self.session.page
            _context_page.set(page)
            context.reset_auto_update()
            if inspect.iscoroutinefunction(main):
                await main(page)
            elif inspect.isasyncgenfunction(main):
                async for _ in main(page):
                    await self.session.after_event(page)
            else:
                main(page)
            await self.session.after_event(page)

        self.run(session_created())
        return self

    def on_close(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` (sync, or async on the app's loop) when the harness closes.

        Callbacks run last-registered first, after the app's tasks have been stopped.
        """
        self._on_close.append(fn)

    def close(self) -> None:
        """Close the app as a user does: the client disconnects, the session ends, tasks stop."""
        if self._closed:
            return
        self._closed = True
        loop = self.loop
        try:
            with contextlib.suppress(AppCrashed):
                loop.run_until_complete(self._end_session())
                self._settle(2.0, strict=False)
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in tasks:
                t.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            for fn in reversed(self._on_close):
                result = fn()
                if inspect.isawaitable(result):
                    loop.run_until_complete(result)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            self.executor.shutdown(wait=True)
            loop.close()
            for name in _WATCHED_LOGGERS:
                logging.getLogger(name).removeHandler(self._log)

    async def _end_session(self) -> None:
        await self.session.disconnect(0)  # fires page.on_disconnect, as closing the app does
        self.session.close()  # fires page.on_close

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- running the loop -----------------------------------------------------------------
    def run(self, work: Awaitable[Any]) -> Any:
        """Run ``work`` on the app's loop, then settle and report any failure inside the app."""
        result = self.loop.run_until_complete(work)
        self.settle()
        return result

    def settle(self, timeout: float | None = None) -> None:
        """Run the loop until every task is parked; raise :class:`AppCrashed` on app failures."""
        self._settle(timeout or self.settle_timeout, strict=True)

    def _settle(self, timeout: float, *, strict: bool) -> None:
        async def until_parked() -> None:
            me = asyncio.current_task()
            deadline = self.loop.time() + timeout
            quiet = 0
            while quiet < 2:  # parked twice in a row, a few loop turns apart
                for _ in range(5):
                    await asyncio.sleep(0)
                busy = [t for t in asyncio.all_tasks() if t is not me and not t.done()
                        and not _parked(t)]
                if busy:
                    quiet = 0
                    if self.loop.time() > deadline:
                        if not strict:
                            return
                        busy_list = "\n  ".join(_describe(t) for t in busy)
                        raise SettleTimeout(f"Still busy after {timeout:.0f} s:\n  {busy_list}")
                    await asyncio.sleep(0.002)  # let worker threads hand back their results
                else:
                    quiet += 1

        self.loop.run_until_complete(until_parked())
        self.check()

    def check(self) -> None:
        """Raise :class:`AppCrashed` if the app failed since the last check."""
        problems = [*self.client.crashes, *self._log.problems, *self._problems]
        self.client.crashes.clear()
        self._log.problems.clear()
        self._problems.clear()
        if problems:
            raise AppCrashed("The app failed inside the in-memory session:\n\n"
                             + "\n\n".join(problems))

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, ctx: dict[str, Any]) -> None:
        exc = ctx.get("exception")
        text = ctx.get("message", "")
        if exc is not None:
            text += "\n" + "".join(traceback.format_exception(exc))
        self._problems.append(f"[event loop] {text}")

    # --- looking at the screen ------------------------------------------------------------
    def _walk(self, root: Any) -> Iterator[Placed]:
        """Every visible control under ``root`` in screen order, with its ancestors.

        Hidden subtrees (``visible=False``) and closed dialogs are skipped: a user cannot see them.
        """
        seen: set[int] = set()

        def visit(value: Any, ancestors: tuple[BaseControl, ...]) -> Iterator[Placed]:
            if value is None or isinstance(value, (str, bytes, int, float, bool)):
                return
            if id(value) in seen:
                return
            if isinstance(value, BaseControl):
                seen.add(id(value))
                if getattr(value, "visible", True) is False:
                    return
                if isinstance(value, ft.DialogControl) and not value.open:
                    return
                yield value, ancestors
                ancestors = (*ancestors, value)
            if isinstance(value, (list, tuple)):
                for item in value:
                    yield from visit(item, ancestors)
            elif isinstance(value, dict):
                for item in value.values():
                    yield from visit(item, ancestors)
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                seen.add(id(value))
                for f in dataclasses.fields(value):
                    if f.name in ("_parent", "_services") or f.metadata.get("skip", False):
                        continue
                    yield from visit(getattr(value, f.name, None), ancestors)

        yield from visit(root, ())

    def controls(self, root: Any = None) -> list[BaseControl]:
        """Every visible control on the page (or under ``root``), in screen order."""
        return [c for c, _ in self._walk(self.page if root is None else root)]

    def identifiers(self) -> list[str]:
        """Accessibility identifiers of the visible ``ft.Semantics`` wrappers, in screen order."""
        return [c.identifier for c in self.controls()
                if isinstance(c, ft.Semantics) and c.identifier]

    def semantics(self, identifier: str) -> ft.Semantics:
        found = [c for c in self.controls()
                 if isinstance(c, ft.Semantics) and c.identifier == identifier]
        if not found:
            raise NotFound(f"No visible control {identifier!r} on screen. Visible identifiers: "
                           f"{self.identifiers()}. Text on screen: {self.texts()}")
        if len(found) > 1:
            raise NotFound(f"{len(found)} visible controls carry {identifier!r}; "
                           "identifiers must be unique on a screen")
        return found[0]

    def find(self, identifier: str) -> BaseControl:
        """The control wrapped by the ``ft.Semantics(identifier=…)`` on screen."""
        content = self.semantics(identifier).content
        if content is None:
            raise NotFound(f"{identifier!r} wraps nothing")
        return content

    def exists(self, identifier: str) -> bool:
        return any(isinstance(c, ft.Semantics) and c.identifier == identifier
                   for c in self.controls())

    def texts(self, root: Any = None) -> list[str]:
        """What a user reads: visible Text values and button captions, in screen order."""
        out: list[str] = []
        for c in self.controls(root):
            if isinstance(c, ft.Text):
                if c.value:
                    out.append(str(c.value))
            elif isinstance(c, (ft.Button, ft.TextButton, ft.OutlinedButton)) and isinstance(
                    getattr(c, "content", None), str):
                out.append(c.content)
        return out

    def text(self, identifier: str) -> str:
        """All text inside the control ``identifier``, joined by " | "."""
        return " | ".join(self.texts(self.semantics(identifier)))

    def screen(self) -> str:
        """The whole screen's text, one line per Text: handy in assertion messages."""
        return "\n".join(self.texts())

    # --- acting on the screen -------------------------------------------------------------
    def _target(self, identifier: str, want: Callable[[BaseControl], bool],
                what: str) -> BaseControl:
        sem = self.semantics(identifier)
        for c, ancestors in self._walk(sem):
            if want(c):
                if any(getattr(a, "disabled", False) for a in (*ancestors, c)):
                    raise AppCrashed(f"{identifier!r} is disabled: a user cannot {what} it")
                return c
        raise NotFound(f"Nothing to {what} inside {identifier!r}")

    def tap(self, identifier: str) -> None:
        """Tap the actionable control inside ``identifier`` and let the app finish reacting."""
        target = self._target(identifier, lambda c: _actionable(c) is not None, "tap")
        event = _actionable(target)
        data: Any = None
        if event == "select":  # the chip flips its own state, then reports it
            assert isinstance(target, ft.Chip)
            data = not bool(target.selected)
            self.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                                {"id": target._i, "props": {"selected": data}})
        self.fire(target, event or "click", data)

    def type(self, identifier: str, text: str, *, submit: bool = False) -> None:
        """Type ``text`` into the text field inside ``identifier`` (replacing what was there)."""
        target = self._target(identifier, lambda c: isinstance(c, ft.TextField), "type into")
        assert isinstance(target, ft.TextField)
        if target.read_only:
            raise AppCrashed(f"{identifier!r} is read-only: a user cannot type into it")
        self.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                            {"id": target._i, "props": {"value": text}})
        self.fire(target, "change", text)
        if submit:
            self.fire(target, "submit", text)

    def choose(self, identifier: str, key: str) -> None:
        """Pick the option `key` of the dropdown inside ``identifier``."""
        target = self._target(identifier, lambda c: isinstance(c, ft.Dropdown), "choose in")
        assert isinstance(target, ft.Dropdown)
        if key not in {o.key for o in target.options or []}:
            raise NotFound(f"{identifier!r} offers no option {key!r}")
        self.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                            {"id": target._i, "props": {"value": key}})
        self.fire(target, "select", key)

    def tick(self, identifier: str, value: bool = True) -> None:
        """Set the checkbox or switch inside ``identifier`` to ``value``, as a tap does."""
        target = self._target(identifier, lambda c: isinstance(c, (ft.Checkbox, ft.Switch)),
                              "tick")
        assert isinstance(target, (ft.Checkbox, ft.Switch))
        self.client.receive(MessageAction.UPDATE_CONTROL_PROPS,
                            {"id": target._i, "props": {"value": value}})
        self.fire(target, "change", value)

    def fire(self, control: BaseControl, event: str, data: Any = None) -> None:
        """Send a control event from the client and run its handler to completion."""
        dispatch = self.client.receive(MessageAction.CONTROL_EVENT,
                                       {"target": control._i, "name": event, "data": data})
        assert dispatch is not None
        self.run(dispatch)


def run_app(main: Callable[[ft.Page], Any], *, page_props: dict[str, Any] | None = None,
            settle_timeout: float = 15.0) -> Harness:
    """Open ``main`` (sync or async) in a fresh in-memory session; close it with ``.close()``."""
    harness = Harness(page_props=page_props, settle_timeout=settle_timeout)
    try:
        harness.start(main)
    except BaseException:
        harness.close()
        raise
    return harness
