"""The phone's side of sealed envelopes: a Sealer holding the device data key (DEK).

The format itself (versions, dictionary, escrow wrapping) is the contract's, in sync/envelope.py;
this module adds the phone's lock rules and turns every opening failure into DamagedRecord.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from fieldapp.errors import DamagedRecord, VaultError
from sync import envelope
from sync.envelope import (
    ENVELOPE_VERSION,
    KEY_BYTES,
    EnvelopeDamaged,
    b64e,
    canonical_json,
    generate_agency_keypair,
    record_aad,
)

__all__ = [
    "ENVELOPE_VERSION",
    "Sealer",
    "b64d",
    "b64e",
    "canonical_json",
    "envelope_from_bytes",
    "envelope_to_bytes",
    "generate_agency_keypair",
    "record_aad",
]

DAMAGED = "This record is damaged and cannot be read."


def b64d(text: object, length: int | None = None) -> bytes:
    """Strict base64 (sync.envelope.b64d), failing as the phone's DamagedRecord."""
    try:
        return envelope.b64d(text, length)
    except EnvelopeDamaged as exc:
        raise DamagedRecord(DAMAGED) from exc


class Sealer:
    """Seals and opens one tenant's records with the device data key (DEK).

    The DEK is only ever held here while the app is unlocked; `forget()` drops it on lock.
    Python cannot wipe `bytes`, so forgetting drops our reference and leaves the rest to the GC.
    """

    def __init__(self, dek: bytes | None, tenant_id: str, escrow_public_key: bytes | None):
        if dek is not None and len(dek) != KEY_BYTES:
            raise ValueError("the data key must be 32 bytes")
        record_aad(tenant_id, "t", "r", 0)  # validates tenant_id
        self._dek = dek
        self.tenant_id = tenant_id
        self._escrow = (
            None
            if escrow_public_key is None
            else X25519PublicKey.from_public_bytes(escrow_public_key)
        )

    def __repr__(self) -> str:
        state = "locked" if self._dek is None else "unlocked"
        return f"Sealer(tenant_id={self.tenant_id!r}, {state})"

    @property
    def locked(self) -> bool:
        return self._dek is None

    @property
    def can_escrow(self) -> bool:
        return self._escrow is not None

    def forget(self) -> None:
        self._dek = None

    def _require_dek(self) -> bytes:
        if self._dek is None:
            raise VaultError("The vault is locked.")
        return self._dek

    def seal(
        self,
        table: str,
        record_id: str,
        version: int,
        payload: dict[str, Any],
        *,
        escrow: bool = False,
        uncompressed: bool = False,
    ) -> dict[str, Any]:
        """Seal `payload` for this row; with `escrow` the office can open it too.
        `uncompressed` (envelope version 1): a padded payload keeps its length sealed."""
        dek = self._require_dek()
        if escrow and self._escrow is None:
            raise VaultError("This phone has no office key, so it cannot seal for the office.")
        return envelope.seal(payload, self.tenant_id, table, record_id, version, dek=dek,
                             escrow_to=self._escrow if escrow else None,
                             envelope_version=1 if uncompressed else envelope.ENVELOPE_VERSION)

    def open(
        self, table: str, record_id: str, version: int, sealed: dict[str, Any]
    ) -> dict[str, Any]:
        """Open an envelope sealed for exactly this row; anything else is DamagedRecord."""
        dek = self._require_dek()
        try:
            return envelope.open_with_dek(dek, self.tenant_id, table, record_id, version, sealed)
        except EnvelopeDamaged as exc:
            raise DamagedRecord(DAMAGED) from exc


def envelope_to_bytes(env: dict[str, Any]) -> bytes:
    """Compact JSON for a BLOB column (the envelope is all ASCII)."""
    return json.dumps(env, sort_keys=True, separators=(",", ":")).encode("ascii")


def envelope_from_bytes(b: bytes) -> dict[str, Any]:
    try:
        env = json.loads(bytes(b).decode("ascii"))
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise DamagedRecord(DAMAGED) from exc
    if not isinstance(env, dict):
        raise DamagedRecord(DAMAGED)
    return env
