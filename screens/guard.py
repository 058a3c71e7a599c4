"""Every user event counts as activity, and one arriving after the auto-lock time locks the app
instead of acting (the idle timer may not have run yet): handlers are wrapped once per draw."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import flet as ft

_GUARDED = "_fieldapp_guarded"
Before = Callable[[], bool]  # True: go ahead; False: the app locked instead


def guard_tree(controls: list[ft.Control], before: Before) -> None:
    for control in _walk(controls):
        _guard_handlers(control, before)


def _guard_handlers(control: ft.BaseControl, before: Before) -> None:
    for f in dataclasses.fields(control):
        if not f.name.startswith("on_"):
            continue
        handler = getattr(control, f.name, None)
        if callable(handler) and not getattr(handler, _GUARDED, False):
            setattr(control, f.name, _guarded(handler, before))
    if isinstance(control, ft.TextField) and control.on_change is None:
        # Typing a long note is activity too, though the field has no handler of its own.
        control.on_change = _guarded(lambda _e: None, before)


def _guarded(handler: Callable[..., Any], before: Before) -> Callable[..., Any]:
    takes_event = _param_count(handler) > 0

    if inspect.iscoroutinefunction(handler):
        async def guarded_async(e: Any) -> Any:
            if not before():
                return None
            return await (handler(e) if takes_event else handler())

        setattr(guarded_async, _GUARDED, True)
        return guarded_async

    def guarded(e: Any) -> Any:
        if not before():
            return None
        return handler(e) if takes_event else handler()

    setattr(guarded, _GUARDED, True)
    return guarded


def _param_count(handler: Callable[..., Any]) -> int:
    try:
        return len(inspect.signature(handler).parameters)
    except (TypeError, ValueError):
        return 1


def _walk(value: Any) -> Iterator[ft.BaseControl]:
    """Every control in a screen's tree (the same walk Flet's own diff does over fields)."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, ft.BaseControl):
        yield value
        for f in dataclasses.fields(value):
            if f.name.startswith("_") or f.name.startswith("on_") or f.metadata.get("skip"):
                continue
            child = getattr(value, f.name, None)
            if isinstance(child, (ft.BaseControl, list, tuple)):
                yield from _walk(child)
