"""Each agency's escrow private key, found once and kept in memory.

The first agency's key is the server's (`FIELDAPP_ESCROW_KEY_FILE` or `FIELDAPP_ESCROW_KEY`);
an agency added later with `fieldapp-server create-agency` has its own key file beside it,
named by the agency's id (`agency_key_file`). A key is used for an agency only when its public
half is the one the agency's phones seal to (tenants.escrow_public_key).
"""

from __future__ import annotations

import base64
import functools
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select

from server import datakeys, escrow
from server.errors import NotFound, ServerError
from server.schema import tenants


def agency_key_file(server_key_file: Path, tenant_id: str) -> Path:
    """Where a second (third, ...) agency's escrow key lives: beside the server's."""
    return Path(server_key_file).parent / f"escrow-{tenant_id}.key"


def use_agency_keys(server_key_file: Path) -> None:
    """Let this process unwrap the data keys of the agencies whose own escrow keys lie beside
    the server's (a server started before `create-agency` picks the new one up on restart)."""
    for path in sorted(Path(server_key_file).parent.glob("escrow-*.key")):
        source = str(path.resolve())
        datakeys.use_escrow_key(source, functools.partial(escrow.load_private_key, source))


class KeyMissing(ServerError):
    status = 503
    code = "key_missing"


class Keyring:
    def __init__(self, engine: Engine, server_key: str, server_key_file: Path) -> None:
        self.engine = engine
        self.server_key = server_key  # a key file's path or the key itself (base64)
        self.server_key_file = Path(server_key_file)
        self._keys: dict[str, X25519PrivateKey] = {}
        self._lock = threading.Lock()

    def server(self) -> X25519PrivateKey:
        """The server's own key (the first agency's)."""
        return escrow.load_private_key(self.server_key)

    def for_agency(self, tenant_id: str) -> X25519PrivateKey:
        with self._lock:
            found = self._keys.get(tenant_id)
            if found is None:
                found = self._keys[tenant_id] = self._find(tenant_id)
            return found

    def _find(self, tenant_id: str) -> X25519PrivateKey:
        with self.engine.connect() as conn:
            public = conn.execute(select(tenants.c.escrow_public_key)
                                  .where(tenants.c.id == tenant_id)).scalar()
        if public is None:
            raise NotFound("No agency has that id.")
        wanted = base64.b64decode(public)
        candidates = [self.server_key]
        own = agency_key_file(self.server_key_file, tenant_id)
        if own.is_file():
            candidates.append(str(own))
        for source in candidates:
            try:
                key = escrow.load_private_key(source)
            except (OSError, ValueError):
                continue
            if escrow.public_key_raw(key) == wanted:
                return key
        # Names the file to restore, never key material.
        raise KeyMissing(f"This agency's escrow key was not found (expected {own.name} beside "
                         "the server's key file).")
