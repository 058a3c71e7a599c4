"""Each agency's data key and blind-index key: made once, wrapped to its escrow key, cached.

The pair is random (32 bytes each), sealed in the one envelope format to the agency's escrow
public key and kept in `tenants.data_key`, so a copy of the database alone opens nothing. A
server process unwraps it once with the escrow private key (file or environment, never the
database) and keeps it in memory: sealing or opening an office row then costs microseconds.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, select, update

from server.errors import ServerError
from server.schema import tenants
from sync.envelope import EnvelopeDamaged, b64d, b64e, open_with_escrow, seal

KEY_BYTES = 32
# The wrapped pair is sealed as if it were row 1 of a "data_keys" table of that agency.
_TABLE, _VERSION = "data_keys", 1


class KeyUnavailable(ServerError):
    """The agency's data key cannot be unwrapped: no escrow key given, or not this agency's.

    A fault of the server's set-up, not of the request: 503 in the one error shape. The
    message names what to configure, never key material."""

    status = 503
    code = "office_key_unavailable"


@dataclass(frozen=True)
class AgencyKeys:
    data: bytes = field(repr=False)  # AES-256-GCM: wraps the per-row keys of office data
    index: bytes = field(repr=False)  # HMAC-SHA256: the blind index of people's names

    @classmethod
    def new(cls) -> AgencyKeys:
        return cls(os.urandom(KEY_BYTES), os.urandom(KEY_BYTES))


def wrap(keys: AgencyKeys, tenant_id: str, escrow_public: bytes) -> dict[str, Any]:
    """The pair sealed to the escrow public key only: the office's private key opens it."""
    return seal({"data": b64e(keys.data), "index": b64e(keys.index)}, tenant_id, _TABLE,
                tenant_id, _VERSION, escrow_to=escrow_public)


def unwrap(private: X25519PrivateKey, tenant_id: str, wrapped: dict[str, Any]) -> AgencyKeys:
    opened = open_with_escrow(private, tenant_id, _TABLE, tenant_id, _VERSION, wrapped)
    return AgencyKeys(b64d(opened.get("data"), KEY_BYTES), b64d(opened.get("index"), KEY_BYTES))


# Where this process may find escrow private keys (the server's settings, the CLI's), newest
# first, and the pairs already unwrapped, by (database, agency).
_loaders: dict[str, Callable[[], X25519PrivateKey]] = {}
_cache: dict[tuple[str, str], AgencyKeys] = {}
_lock = threading.Lock()


def use_escrow_key(name: str, loader: Callable[[], X25519PrivateKey]) -> None:
    """Let this process unwrap data keys with the escrow key `loader` gives (called lazily)."""
    with _lock:
        _loaders.pop(name, None)
        _loaders[name] = loader


def forget() -> None:
    """Drop every unwrapped key this process holds (tests, and a key rotation)."""
    with _lock:
        _cache.clear()


def _where(conn: Connection, tenant_id: str) -> tuple[str, str]:
    return (conn.engine.url.render_as_string(hide_password=True), tenant_id)


def remember(conn: Connection, tenant_id: str, keys: AgencyKeys) -> None:
    with _lock:
        _cache[_where(conn, tenant_id)] = keys


def create(conn: Connection, tenant_id: str) -> AgencyKeys:
    """A new pair for the agency, wrapped to its escrow public key and stored on its row."""
    public = conn.execute(select(tenants.c.escrow_public_key)
                          .where(tenants.c.id == tenant_id)).scalar_one()
    keys = AgencyKeys.new()
    conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                 .values(data_key=wrap(keys, tenant_id, base64.b64decode(public))))
    remember(conn, tenant_id, keys)
    return keys


def keys_for(conn: Connection, tenant_id: str,
             escrow: X25519PrivateKey | None = None) -> AgencyKeys:
    """The agency's pair: from memory, else unwrapped (once) with `escrow` or a known key."""
    where = _where(conn, tenant_id)
    cached = _cache.get(where)
    if cached is not None:
        return cached
    wrapped = conn.execute(select(tenants.c.data_key)
                           .where(tenants.c.id == tenant_id)).scalar()
    if not isinstance(wrapped, dict):
        raise KeyUnavailable("This agency has no data key yet: run `fieldapp-server migrate`.")
    with _lock:
        loaders = list(reversed(_loaders.values()))
    if escrow is not None:
        loaders.insert(0, lambda: escrow)
    for loader in loaders:
        try:
            keys = unwrap(loader(), tenant_id, wrapped)
        except (EnvelopeDamaged, OSError, ValueError):
            continue  # another agency's key, or a key file that is not there
        with _lock:
            _cache[where] = keys
        return keys
    raise KeyUnavailable(
        "The agency's data key cannot be opened: give the server the agency's escrow key "
        "(FIELDAPP_ESCROW_KEY_FILE or FIELDAPP_ESCROW_KEY).")
