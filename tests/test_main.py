"""The composition root's glue to Flet: the phone keystore's background removal really runs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import flet as ft
import pytest

from fieldapp.vault.keystore import PreloadedKeyStore
from main import in_background
from tests.fieldapp.test_device import FakeSecureStorage


def page_on(loop: asyncio.AbstractEventLoop) -> Any:
    """A stand-in page whose run_task is Flet's own (with its coroutine-function check)."""
    page = SimpleNamespace(session=SimpleNamespace(connection=SimpleNamespace(loop=loop)))
    page.run_task = lambda handler, *args: ft.Page.run_task(cast(Any, page), handler, *args)
    return page


def test_flet_refuses_a_bare_coroutine() -> None:
    async def nothing() -> None:
        return None

    async def scenario() -> None:
        coroutine = nothing()
        with pytest.raises(TypeError, match="coroutine function"):
            page_on(asyncio.get_running_loop()).run_task(coroutine)
        coroutine.close()

    asyncio.run(scenario())


def test_a_destroyed_phone_secret_is_removed_from_the_platform_store() -> None:
    async def scenario() -> None:
        backend = FakeSecureStorage()
        store = PreloadedKeyStore(backend, in_background(page_on(asyncio.get_running_loop())))
        await store.prepare()
        assert backend.data
        store.destroy()
        for _ in range(20):  # the removal runs on the loop, in the background
            if not backend.data:
                break
            await asyncio.sleep(0.01)
        assert backend.data == {}

    asyncio.run(scenario())
