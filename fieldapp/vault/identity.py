"""Keys derived from the device secret alone: the sealed enrolment and the lease stamp's MAC.

These need no PIN, so the lock screen can greet the worker and the offline lease can be
checked while locked; the SQLite file alone still reveals nothing.
"""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_ENROLMENT_AAD = b"enrolment"


def _derive(device_secret: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(device_secret)


def seal_enrolment(device_secret: bytes, plain: bytes) -> dict[str, str]:
    """Who this phone belongs to, sealed under the device secret."""
    nonce = os.urandom(12)
    ct = AESGCM(_derive(device_secret, b"fieldapp-token-v1")).encrypt(nonce, plain,
                                                                       _ENROLMENT_AAD)
    return {"nonce": base64.b64encode(nonce).decode(), "ct": base64.b64encode(ct).decode()}


def open_enrolment(device_secret: bytes, stored: dict[str, str]) -> bytes:
    return AESGCM(_derive(device_secret, b"fieldapp-token-v1")).decrypt(
        base64.b64decode(stored["nonce"]), base64.b64decode(stored["ct"]), _ENROLMENT_AAD)


def contact_mac(device_secret: bytes, at: str) -> str:
    """A MAC over the time the office last answered: an edited lease stamp does not match."""
    key = _derive(device_secret, b"fieldapp-lease-v1")
    return hmac.new(key, at.encode(), "sha256").hexdigest()
