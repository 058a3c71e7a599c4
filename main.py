"""Composition root of the worker app: settings → store → device → services → sync → Flet."""

from __future__ import annotations

import os
from typing import Any

import flet as ft
import httpx

from fieldapp.domain.clock import SystemClock
from fieldapp.services.device import Device
from fieldapp.settings import AppSettings
from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import KDF_FLOOR, KdfParams
from fieldapp.vault.lock import LockPolicy

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def build_main(settings: AppSettings) -> Any:
    """Return the Flet entry point. The store is shared; each app session has its own keys."""
    from screens.app import WorkerApp, choose_keystore

    store = DeviceStore(settings.database_path)
    # Fixed settings if configured (never below the floor); otherwise the device calibrates on
    # first enrolment and keeps the result, so no start-up pays for a calibration.
    kdf = KdfParams(n=max(settings.kdf_n, KDF_FLOOR.n)) if settings.kdf_n else None
    policy = LockPolicy(settings.auto_lock_minutes, settings.offline_lease_days)
    clock = SystemClock()

    async def main(page: ft.Page) -> None:
        keystore = await choose_keystore(page, settings.key_path)
        device = Device(store, keystore, clock, kdf, policy=policy)
        http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        app = WorkerApp(page, store, device, clock, settings.server_url, http)
        page.on_disconnect = lambda _e: device.lock()
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
