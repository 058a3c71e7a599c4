"""Short-lived bearer tokens for the office's API (wallboards, on-call tools), kept in no table.

A token names the coordinator, their agency and when it expires, signed (HMAC-SHA256) with a key
derived from the agency's escrow private key, which every server process holds and nothing
else does. Each use is checked against the coordinator still being active, so switching an
account off ends its tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, select

from server.errors import NotAuthenticated
from server.roles import role_of
from server.schema import coordinators
from server.services.sign_in import Coordinator

LIFETIME = timedelta(hours=12)
PREFIX = "fa1."
EXPIRED = "This office token is not valid or has expired. Sign in again."


def signing_key(escrow_key: X25519PrivateKey) -> bytes:
    """A key for office tokens only (HKDF with its own label), never the escrow key itself."""
    raw = escrow_key.private_bytes(serialization.Encoding.Raw,
                                   serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"fieldapp office api token v1").derive(raw)


def issue(key: bytes, who: Coordinator, now: datetime) -> tuple[str, datetime]:
    """A token for `who`, and when it expires."""
    expires = now + LIFETIME
    body = _b64(json.dumps({"c": who.id, "t": who.tenant_id, "e": int(expires.timestamp())},
                           separators=(",", ":")).encode())
    return f"{PREFIX}{body}.{_b64(_mac(key, body))}", expires


def check(engine: Engine, key: bytes, token: str | None, now: datetime) -> Coordinator:
    """The active coordinator a valid, unexpired token names, or NotAuthenticated."""
    if not token or not token.startswith(PREFIX) or len(token) > 512:
        raise NotAuthenticated(EXPIRED)
    body, _, mac = token[len(PREFIX):].partition(".")
    try:
        good = hmac.compare_digest(_unb64(mac), _mac(key, body))
        claims = json.loads(_unb64(body)) if good else None
    except (ValueError, UnicodeDecodeError):
        raise NotAuthenticated(EXPIRED) from None
    if not isinstance(claims, dict) or not isinstance(claims.get("e"), int) \
            or claims["e"] <= now.timestamp():
        raise NotAuthenticated(EXPIRED)
    with engine.begin() as conn:
        row = conn.execute(select(coordinators).where(
            coordinators.c.id == claims.get("c"), coordinators.c.tenant_id == claims.get("t"),
            coordinators.c.active)).mappings().first()
    if row is None:
        raise NotAuthenticated(EXPIRED)
    return Coordinator(row["id"], row["tenant_id"], row["name"], role_of(row["role"]))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
