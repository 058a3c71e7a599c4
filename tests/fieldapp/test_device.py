"""The device's keys outside the lock screen: calibration kept, key slots, the phone keystore."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain.clock import FakeClock
from fieldapp.errors import VaultError, WrongPin
from fieldapp.services.device import Device
from fieldapp.store.db import DeviceStore
from fieldapp.store.wipe import erase
from fieldapp.vault.dek import (
    KDF_FLOOR,
    KdfParams,
    create_dek,
    decoy_slot,
    unwrap_dek_slots,
    wrap_slot,
)
from fieldapp.vault.keystore import MemoryKeyStore, PreloadedKeyStore

PIN, OTHER = "583029", "740193"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = DeviceStore(tmp_path / "fieldapp.sqlite")
    yield s
    s.close()


def test_calibration_runs_once_and_is_kept(store: DeviceStore) -> None:
    calls: list[int] = []

    def calibrate() -> KdfParams:
        calls.append(1)
        return KdfParams(n=2**15)

    device = Device(store, MemoryKeyStore(), FakeClock(NOW), None, calibrate=calibrate)
    assert device.kdf_params() == KdfParams(n=2**15)
    again = Device(store, MemoryKeyStore(), FakeClock(NOW), None, calibrate=calibrate)
    assert again.kdf_params() == KdfParams(n=2**15) and calls == [1]


def test_a_weakened_calibration_in_the_file_is_measured_again(store: DeviceStore) -> None:
    store.set_json("kdf_calibrated", {**KdfParams().to_dict(), "n": 2**10})
    device = Device(store, MemoryKeyStore(), FakeClock(NOW), None,
                    calibrate=lambda: KdfParams(n=2**16))
    assert device.kdf_params().n == 2**16


def test_one_derivation_opens_whichever_slot_the_pin_fits() -> None:
    secret = secrets.token_bytes(32)
    dek, wrapped = create_dek(PIN, secret, KDF_FLOOR)
    slot = wrap_slot(dek, OTHER, secret, wrapped)
    assert unwrap_dek_slots(PIN, secret, wrapped, [slot]) == (dek, 0)
    assert unwrap_dek_slots(OTHER, secret, wrapped, [slot]) == (dek, 1)
    assert unwrap_dek_slots(PIN, secret, wrapped, [decoy_slot()]) == (dek, 0)
    with pytest.raises(WrongPin):
        unwrap_dek_slots("902611", secret, wrapped, [slot])
    # The main wrapping moved into the slot does not open as the slot (bound to its place).
    with pytest.raises(WrongPin):
        unwrap_dek_slots(PIN, secret, {**wrapped, "ct": slot["ct"], "nonce": slot["nonce"]},
                         [{"nonce": wrapped["nonce"], "ct": wrapped["ct"]}])


class FakeSecureStorage:
    """flet_secure_storage.SecureStorage's async get/set/remove, in a dict."""

    def __init__(self, drop_writes: bool = False):
        self.data: dict[str, str] = {}
        self.drop_writes = drop_writes

    async def get(self, key: str) -> str | None:
        return self.data.get(key)

    async def set(self, key: str, value: str) -> None:
        if not self.drop_writes:
            self.data[key] = value

    async def remove(self, key: str) -> None:
        self.data.pop(key, None)


def test_the_phone_keystore_is_created_once_and_read_at_start_up() -> None:
    backend = FakeSecureStorage()
    pending: list[Any] = []
    ks = PreloadedKeyStore(backend, pending.append)
    assert asyncio.run(ks.load()) is False
    with pytest.raises(VaultError, match="not ready"):
        ks.device_secret()
    asyncio.run(ks.prepare())
    secret = ks.device_secret()
    again = PreloadedKeyStore(backend, pending.append)
    assert asyncio.run(again.load()) and again.device_secret() == secret
    assert "has_secret=True" in repr(again) and secret.hex() not in repr(again)

    again.destroy()
    with pytest.raises(VaultError):
        again.device_secret()
    asyncio.run(pending.pop())  # the scheduled removal
    assert backend.data == {}
    asyncio.run(again.prepare())
    assert again.device_secret() != secret


def test_a_keystore_that_drops_writes_is_caught_before_enrolment() -> None:
    ks = PreloadedKeyStore(FakeSecureStorage(drop_writes=True), lambda _c: None)
    with pytest.raises(VaultError, match="did not keep"):
        asyncio.run(ks.prepare())


def test_erase_removes_the_files_and_leaves_an_empty_store(tmp_path: Path) -> None:
    store = DeviceStore(tmp_path / "fieldapp.sqlite")
    keystore = MemoryKeyStore()
    keystore.device_secret()
    with store.transaction():
        store.set_meta("device_id", "d1")
    old = tmp_path / "old-link"
    old.hardlink_to(tmp_path / "fieldapp.sqlite")  # keeps the old file findable after unlink
    erase(store, keystore)
    assert store.get_meta("device_id") is None
    assert repr(keystore) == "MemoryKeyStore(has_secret=False)"
    assert not old.samefile(tmp_path / "fieldapp.sqlite")  # the file was deleted, a new one made
    assert b"device_id" not in old.read_bytes()  # and emptied before it went
    with store.transaction():
        store.set_meta("ok", "1")  # and it works
    store.close()
