"""Device-secret keystores: the 0600 file store and the in-memory one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fieldapp.errors import VaultError
from fieldapp.vault.keystore import FileKeyStore, KeyStore, MemoryKeyStore

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_both_stores_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MemoryKeyStore(), KeyStore)
    assert isinstance(FileKeyStore(tmp_path / "k"), KeyStore)


def test_memory_store_creates_once_and_destroys() -> None:
    store = MemoryKeyStore()
    secret = store.device_secret()
    assert len(secret) == 32 and store.device_secret() == secret
    store.destroy()
    assert store.device_secret() != secret
    assert secret.hex() not in repr(store)


def test_file_store_creates_a_32_byte_secret_once(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys" / "device.key")
    secret = store.device_secret()
    assert len(secret) == 32
    assert store.device_secret() == secret
    assert FileKeyStore(tmp_path / "keys" / "device.key").device_secret() == secret
    assert secret.hex() not in repr(store)


@posix_only
def test_file_store_writes_0600_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "device.key"
    old_umask = os.umask(0)  # the store must not rely on a kind umask
    try:
        FileKeyStore(path).device_secret()
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


@posix_only
@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660])
def test_file_store_refuses_a_file_others_can_read(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "device.key"
    FileKeyStore(path).device_secret()
    path.chmod(loose)
    with pytest.raises(VaultError, match="0600"):
        FileKeyStore(path).device_secret()


@posix_only
def test_file_store_refuses_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    FileKeyStore(real).device_secret()
    link = tmp_path / "device.key"
    link.symlink_to(real)
    with pytest.raises(VaultError):
        FileKeyStore(link).device_secret()


def test_file_store_refuses_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "device.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"too short")
    os.close(fd)
    with pytest.raises(VaultError, match="damaged"):
        FileKeyStore(path).device_secret()


def test_an_empty_file_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "device.key"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    assert len(FileKeyStore(path).device_secret()) == 32


def test_destroy_shreds_the_secret_for_good(tmp_path: Path) -> None:
    path = tmp_path / "device.key"
    store = FileKeyStore(path)
    secret = store.device_secret()
    store.destroy()
    assert not path.exists()
    store.destroy()  # idempotent
    assert store.device_secret() != secret
