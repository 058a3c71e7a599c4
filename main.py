"""Composition root of the worker app: settings → store → device → services → sync → Flet.

Screens get one `Services` object; the sync client reaches them only through it.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft
import httpx

from fieldapp.domain.clock import Clock, SystemClock
from fieldapp.services import Services
from fieldapp.services.device import Device
from fieldapp.settings import AppSettings
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR, KdfParams
from fieldapp.vault.keystore import FileKeyStore, KeyStore, PreloadedKeyStore
from fieldapp.vault.lock import LockPolicy
from sync.client import SyncClient

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
PHONE_PLATFORMS = (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)


def compose(settings: AppSettings, store: DeviceStore, keystore: KeyStore, clock: Clock,
            http: httpx.AsyncClient, *, kdf: KdfParams | None = None) -> Services:
    """One app session's services over a shared store: device keys, then sync, then use cases.

    `kdf` overrides the settings' key-derivation cost (tests use the floor).
    """
    if kdf is None and settings.kdf_n:
        # Fixed settings if configured (never below the floor); otherwise the device calibrates
        # on first enrolment and keeps the result, so no start-up pays for a calibration.
        kdf = KdfParams(n=max(settings.kdf_n, KDF_FLOOR.n))
    policy = LockPolicy(settings.auto_lock_minutes, settings.offline_lease_days)
    device = Device(store, keystore, clock, kdf, policy=policy)
    sync = SyncClient(store, device, http, clock)
    return Services(settings, device, clock, sync)


async def choose_keystore(page: ft.Page, key_path: Path) -> KeyStore:
    """The platform keystore on phones; elsewhere a 0600 file, which is WEAKER (README).

    flet-secure-storage is asynchronous and the vault is not, so the phone's secret is read
    once here, at start-up, and kept in memory for the session.
    """
    if page.platform in PHONE_PLATFORMS and not page.web:
        from flet_secure_storage import SecureStorage

        store = PreloadedKeyStore(SecureStorage(), in_background(page))
        await store.load()
        return store
    return FileKeyStore(key_path)


def in_background(page: ft.Page) -> Callable[[Awaitable[Any]], Any]:
    """Run an awaitable on the page's loop without waiting for it.

    `Page.run_task` takes a coroutine function (it refuses a coroutine), while the keystore
    hands over the awaitable it wants done, so it is wrapped in one.
    """
    async def finish(awaitable: Awaitable[Any]) -> Any:
        return await awaitable

    return lambda awaitable: page.run_task(finish, awaitable)


def build_main(settings: AppSettings) -> Any:
    """Return the Flet entry point. The store is shared; each app session has its own keys."""
    from screens.app import WorkerApp

    store = DeviceStore(settings.database_path)
    clock = SystemClock()

    async def main(page: ft.Page) -> None:
        keystore = await choose_keystore(page, settings.key_path)
        http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        services = compose(settings, store, keystore, clock, http)
        app = WorkerApp(page, services)
        page.on_disconnect = lambda _e: services.lock()
        app.start()

    return main


def run() -> None:
    settings = AppSettings.from_env()
    main = build_main(settings)
    if settings.web_port is not None:
        os.environ.pop("DISPLAY", None)
        ft.run(main, view=ft.AppView.WEB_BROWSER, host=settings.web_host,
               port=settings.web_port, no_cdn=True, assets_dir="assets")
    else:
        ft.run(main)


if __name__ == "__main__":
    run()
