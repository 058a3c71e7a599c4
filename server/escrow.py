"""The office's side of sealed envelopes: the agency escrow key pair, its key file, and opening.

The envelope format itself is the contract's (sync/envelope.py), shared with the phone's vault;
this module owns where the agency's private key lives and how it is loaded.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from sync.envelope import (
    EnvelopeDamaged,
    generate_agency_keypair,
    public_key_raw,
)
from sync.envelope import open_with_escrow as open_envelope

__all__ = [
    "EnvelopeDamaged",
    "generate_agency_keypair",
    "generate_keypair_files",
    "load_private_key",
    "open_envelope",
    "public_key_raw",
]

_POSIX = os.name == "posix"


def _private_raw(private_key: X25519PrivateKey) -> bytes:
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def generate_keypair_files(private_path: Path) -> bytes:
    """Write a new private key (base64) to a 0600 file and return the raw public key.

    Refuses to overwrite an existing file: replacing the key would make every escrowed record
    unreadable by the office.
    """
    private = X25519PrivateKey.generate()
    private_path = Path(private_path)
    private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(private_path, flags, 0o600)
    try:
        if _POSIX:
            os.fchmod(fd, 0o600)
        os.write(fd, base64.b64encode(_private_raw(private)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return public_key_raw(private)


def _from_b64(text: str) -> X25519PrivateKey | None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return X25519PrivateKey.from_private_bytes(raw) if len(raw) == 32 else None


def _read_key_file(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ValueError(f"escrow key file {path} is not a regular file")
        if _POSIX and mode & 0o077:
            raise PermissionError(
                f"escrow key file {path} is readable by group or others; run chmod 600 on it"
            )
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_private_key(path_or_b64: str) -> X25519PrivateKey:
    """Load the agency's private key from a 0600 file (base64 raw key or PEM) or a base64 string.

    Errors name the file but never echo the key material.
    """
    text = str(path_or_b64)
    path = Path(text) if text and "\n" not in text else None
    if path is not None and path.is_file():
        data = _read_key_file(path)
        if data.lstrip().startswith(b"-----BEGIN"):
            key = load_pem_private_key(data, password=None)
            if not isinstance(key, X25519PrivateKey):
                raise ValueError(f"escrow key file {path} does not hold an X25519 key")
            return key
        loaded = _from_b64(data.decode("ascii", errors="replace"))
        if loaded is None:
            raise ValueError(f"escrow key file {path} does not hold a base64 X25519 key")
        return loaded
    loaded = _from_b64(text)
    if loaded is None:
        raise ValueError("the escrow key is neither a readable key file nor a base64 X25519 key")
    return loaded
