"""Where the device secret lives: the platform keystore on phones, a 0600 file elsewhere."""

from __future__ import annotations

import base64
import errno
import os
import secrets
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from fieldapp.errors import VaultError
from sync.envelope import EnvelopeDamaged, b64d

SECRET_BYTES = 32
_POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@runtime_checkable
class KeyStore(Protocol):
    """Holds the device secret that, with the PIN, unwraps the data key."""

    def device_secret(self) -> bytes:
        """The secret, created at random (32 bytes) the first time it is asked for."""
        ...

    def destroy(self) -> None:
        """Remove the secret for good: the wrapped data key becomes useless (crypto-shred)."""
        ...


class MemoryKeyStore:
    """A keystore that lives and dies with the process; for tests."""

    def __init__(self, secret: bytes | None = None):
        self._secret = secret

    def __repr__(self) -> str:
        return f"MemoryKeyStore(has_secret={self._secret is not None})"

    def device_secret(self) -> bytes:
        if self._secret is None:
            self._secret = secrets.token_bytes(SECRET_BYTES)
        return self._secret

    def destroy(self) -> None:
        self._secret = None


class FileKeyStore:
    """The secret in a file only its owner can read.

    WEAKER than a platform keystore: anyone who can read the owner's files (root, a backup,
    malware running as the user) gets the secret, leaving only the PIN's scrypt cost between
    them and the data. Used on desktop, for the web demo and in tests; phones use the platform
    keystore through flet-secure-storage.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self.path)!r})"

    def device_secret(self) -> bytes:
        secret = self._read()
        if secret is None:
            secret = self._create()
        return secret

    def destroy(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | _NOFOLLOW)
        except FileNotFoundError:
            return
        try:
            # Overwrite before unlinking; flash storage may keep old blocks, which is why the
            # secret is only one half of the key and the wrapped key is shredded too.
            os.write(fd, secrets.token_bytes(SECRET_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.path.unlink()
        self._sync_dir()

    def _read(self) -> bytes | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise VaultError("The key file is a link; refusing to use it.") from exc
            raise VaultError("The key file could not be read.") from exc
        try:
            # Checked on the open descriptor, so the file cannot be swapped after the check.
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise VaultError("The key file is not a regular file; refusing to use it.")
            if _POSIX and info.st_mode & 0o077:
                raise VaultError(
                    "The key file can be read by other users; refusing to use it "
                    "(it must have permissions 0600)."
                )
            if _POSIX and info.st_uid != os.getuid():
                raise VaultError("The key file belongs to another user; refusing to use it.")
            data = os.read(fd, SECRET_BYTES + 1)
        finally:
            os.close(fd)
        if not data:
            # Only a crash between creating and writing leaves it empty; nothing can have been
            # wrapped under a secret that was never returned, so it is safe to make a new one.
            self.path.unlink()
            return None
        if len(data) != SECRET_BYTES:
            raise VaultError("The key file is damaged.")
        return data

    def _create(self) -> bytes:
        parent = self.path.parent
        if not parent.exists():
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_bytes(SECRET_BYTES)
        try:
            # O_EXCL: if another process got there first, use its secret instead of clobbering
            # one that may already wrap the data key.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            existing = self._read()
            if existing is None:
                raise VaultError("The key file could not be created.") from None
            return existing
        try:
            if _POSIX:
                os.fchmod(fd, 0o600)  # in case a default ACL widened the mode
            if os.write(fd, secret) != SECRET_BYTES:
                raise VaultError("The key file could not be written.")
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            self.path.unlink(missing_ok=True)
            raise
        os.close(fd)
        self._sync_dir()
        return secret

    def _sync_dir(self) -> None:
        if not _POSIX:
            return
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AsyncSecretBackend(Protocol):
    """The async face of a platform keystore (flet_secure_storage.SecureStorage has it)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

    async def remove(self, key: str) -> None: ...


class PreloadedKeyStore:
    """A platform keystore that can only be reached asynchronously, read once at start-up.

    Unlocking and sealing are synchronous, so the secret is loaded (`load`) or created and
    stored (`prepare`, awaited before enrolment) ahead of time and kept in memory for the
    session. `destroy` forgets it at once and removes it from the platform store in the
    background; if the app dies first the platform copy is harmless, because the wrapped data
    key it pairs with has already been shredded from the database.
    """

    KEY = "fieldapp.device_secret.v1"

    def __init__(self, backend: AsyncSecretBackend,
                 schedule: Callable[[Awaitable[Any]], Any]):
        self._backend = backend
        self._schedule = schedule
        self._secret: bytes | None = None
        self._destroyed = False

    def __repr__(self) -> str:
        return f"PreloadedKeyStore(has_secret={self._secret is not None})"

    async def load(self) -> bool:
        """Read the stored secret, if any; True when there is one."""
        raw = await self._backend.get(self.KEY)
        if raw:
            self._secret = self._decode(raw)
        return self._secret is not None

    async def prepare(self) -> None:
        """Make sure a secret exists in the platform store, creating one if needed."""
        if self._destroyed:
            await self._backend.remove(self.KEY)  # a destroy still in flight must not win
            self._destroyed = False
        elif self._secret is not None or await self.load():
            return
        secret = secrets.token_bytes(SECRET_BYTES)
        encoded = base64.b64encode(secret).decode("ascii")
        await self._backend.set(self.KEY, encoded)
        # Read it back: a key store that silently drops writes would strand the data key.
        if await self._backend.get(self.KEY) != encoded:
            raise VaultError("The phone's key store did not keep the app's key.")
        self._secret = secret

    def device_secret(self) -> bytes:
        if self._secret is None:
            raise VaultError("The phone's key store is not ready. Close the app and open it again.")
        return self._secret

    def destroy(self) -> None:
        self._secret = None
        self._destroyed = True
        self._schedule(self._backend.remove(self.KEY))

    @staticmethod
    def _decode(raw: str) -> bytes:
        try:
            return b64d(raw, SECRET_BYTES)  # strict base64 of exactly the secret's length
        except EnvelopeDamaged as exc:
            raise VaultError("The phone's key store holds a damaged key.") from exc


async def prepare_keystore(keystore: KeyStore) -> None:
    """Before enrolling: let an asynchronous keystore create and store its secret."""
    prepare = getattr(keystore, "prepare", None)
    if prepare is not None:
        await prepare()
