"""Short-lived bearer tokens for the office's API (wallboards, on-call tools), kept in no table.

A token names the coordinator, their agency and when it expires, signed (HMAC-SHA256) with a key
derived from that agency's own escrow private key and its id, which every server process holds
and nothing else does: a token is checked with the key of the agency it names, so one signed
for (or by) another agency is refused, as is a token whose agency was changed. Each use is
checked against the coordinator still being active in that agency, so switching an account off
ends its tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
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


def signing_key(escrow_key: X25519PrivateKey, tenant_id: str) -> bytes:
    """A key for one agency's office tokens only (HKDF with its own label and the agency's id),
    never the escrow key itself: two agencies never share one, even on one escrow key."""
    raw = escrow_key.private_bytes(serialization.Encoding.Raw,
                                   serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    info = b"fieldapp office api token v2\0" + tenant_id.encode()
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(raw)


def issue(key: bytes, who: Coordinator, now: datetime) -> tuple[str, datetime]:
    """A token for `who`, and when it expires."""
    expires = now + LIFETIME
    body = _b64(json.dumps({"c": who.id, "t": who.tenant_id, "e": int(expires.timestamp())},
                           separators=(",", ":")).encode())
    return f"{PREFIX}{body}.{_b64(_mac(key, body))}", expires


def check(engine: Engine, key_for: Callable[[str], bytes | None], token: str | None,
          now: datetime) -> Coordinator:
    """The active coordinator a valid, unexpired token names, or NotAuthenticated. The token
    is checked with `key_for(the agency it names)` (None: no such agency)."""
    if not token or not token.startswith(PREFIX) or len(token) > 512:
        raise NotAuthenticated(EXPIRED)
    body, _, mac = token[len(PREFIX):].partition(".")
    try:
        # Read before it is trusted only to know whose key to check it with.
        named = json.loads(_unb64(body))
        tenant = named.get("t") if isinstance(named, dict) else None
        key = key_for(tenant) if isinstance(tenant, str) and 0 < len(tenant) <= 36 else None
        good = key is not None and hmac.compare_digest(_unb64(mac), _mac(key, body))
    except (ValueError, UnicodeDecodeError):
        raise NotAuthenticated(EXPIRED) from None
    claims = named if good else None
    if not isinstance(claims, dict) or not isinstance(claims.get("e"), int) \
            or claims["e"] <= now.timestamp():
        raise NotAuthenticated(EXPIRED)
    with engine.begin() as conn:
        row = conn.execute(select(coordinators).where(
            coordinators.c.id == claims.get("c"), coordinators.c.tenant_id == tenant,
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
