"""Sealed envelopes (docs/architecture.md): a key per record, wrapped for phone and office."""

from __future__ import annotations

import base64
import binascii
import json
import os
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from fieldapp.errors import DamagedRecord, VaultError

ENVELOPE_VERSION = 2  # what this phone seals; it opens every version in OPENS
OPENS = (1, 2)
ALG = "A256GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
ESCROW_INFO = b"fieldapp-escrow-v1|"
MAX_PLAINTEXT_BYTES = 1024 * 1024  # a sealed row never holds more; bigger is a damaged record

# Version 2 deflates the canonical JSON before sealing, with this preset dictionary: the words
# every record repeats (field names, codes, nulls) cost a few bits instead of their full length
# once encrypted. It is part of the format: never edit it (a new dictionary is a new version);
# tests pin its SHA-256 and prove the office's copy (server/escrow.py) is the same.
PAYLOAD_DICTIONARY_V2 = (
    # The app's own vocabulary only (field names, outcome codes, quick phrases), rarest first:
    # deflate reaches the end of its dictionary most cheaply.
    b'"event":"refused_twice","event":"not_available","event":"outside_window","event":"missed",'
    b'"type":"medication","severity":"routine","severity":"urgent","automatic":true,"summary":"'
    b'"raised_at":"20","dose_at":"20","dose_record_id":"",'
    b'"corrects_kind":"dose_outcome","corrects_kind":"task_outcome","text":null,"outcome":null,'
    b'"witness":null,"window":"late","flags":["late"],"outcome":"refused","outcome":"not_done",'
    b'"outcome":"partly_done","outcome":"not_required","outcome":"given","reason":"'
    b'"phrases":["In good spirits","Ate well","Drank well","Skin checked, no concerns",'
    b'"Seemed tired","Family visiting"],"text":"'
    b'{"actual_at":"20","at":"20","controlled":false,"dose":"1 tablet","flags":[],'
    b'"medicine":"","medicine_id":"","outcome":"taken","prn":false,"reason":null,'
    b'"route":"oral","scheduled_at":"20","witness":null}'
    b'{"at":"20","fluid_offered_ml":null,"fluid_taken_ml":null,"outcome":"done",'
    b'"reason":null,"task_id":"","title":"'
    b'{"at":"20","location":null,"location_consent":false,"minutes":0,"reason":null,'
    b'"timing":"on_time"}:00+00:00","'
)


def canonical_json(obj: Any) -> bytes:
    """The one serialisation both ends agree on; NaN is refused because JSON has no such thing."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: object, length: int | None = None) -> bytes:
    """Strict base64: only the canonical spelling is accepted, so an envelope has one encoding."""
    if not isinstance(text, str):
        raise DamagedRecord("This record is damaged and cannot be read.")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise DamagedRecord("This record is damaged and cannot be read.") from exc
    if b64e(data) != text or (length is not None and len(data) != length):
        raise DamagedRecord("This record is damaged and cannot be read.")
    return data


def record_aad(tenant_id: str, table: str, record_id: str, version: int) -> bytes:
    """Bind a ciphertext to its row; '|' is refused in the parts so the binding is unambiguous."""
    for part in (tenant_id, table, record_id):
        if not isinstance(part, str) or not part or "|" in part:
            raise ValueError("tenant, table and record id must be non-empty and contain no '|'")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("version must be a non-negative integer")
    return f"{tenant_id}|{table}|{record_id}|{version}".encode()


def _escrow_key(shared: bytes, epk_raw: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=ESCROW_INFO + epk_raw)
    return hkdf.derive(shared)


def pack_plaintext(plaintext: bytes) -> bytes:
    """Version 2 plaintext: raw DEFLATE (RFC 1951) with the version 2 preset dictionary."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=PAYLOAD_DICTIONARY_V2)
    return packer.compress(plaintext) + packer.flush()


def unpack_plaintext(packed: bytes) -> bytes:
    """The inverse of `pack_plaintext`, refusing anything over MAX_PLAINTEXT_BYTES (a record
    that inflates without end is damaged, not a reason to run out of memory)."""
    unpacker = zlib.decompressobj(-15, zdict=PAYLOAD_DICTIONARY_V2)
    try:
        plaintext = unpacker.decompress(packed, MAX_PLAINTEXT_BYTES)
    except zlib.error as exc:
        raise DamagedRecord("This record is damaged and cannot be read.") from exc
    if not unpacker.eof or unpacker.unconsumed_tail or unpacker.unused_data:
        raise DamagedRecord("This record is damaged and cannot be read.")
    return plaintext


def generate_agency_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair for an agency's escrow, as raw 32-byte (private, public)."""
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return private_raw, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


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
    ) -> dict[str, Any]:
        """Seal `payload` for this row; with `escrow` the office can open it too."""
        dek = self._require_dek()
        if escrow and self._escrow is None:
            raise VaultError("This phone has no office key, so it cannot seal for the office.")
        if not isinstance(payload, dict):
            raise TypeError("payload must be a dict")
        aad = record_aad(self.tenant_id, table, record_id, version)
        plaintext = pack_plaintext(canonical_json(payload))
        # A fresh key per record: a random nonce under it is used exactly once.
        record_key = AESGCM.generate_key(bit_length=256)
        nonce, dk_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
        envelope: dict[str, Any] = {
            "v": ENVELOPE_VERSION,
            "alg": ALG,
            "nonce": b64e(nonce),
            "ct": b64e(AESGCM(record_key).encrypt(nonce, plaintext, aad)),
            "dk": {
                "nonce": b64e(dk_nonce),
                "ct": b64e(AESGCM(dek).encrypt(dk_nonce, record_key, aad + b"|dek")),
            },
        }
        if escrow:
            assert self._escrow is not None  # checked above; narrows the type
            ephemeral = X25519PrivateKey.generate()
            epk_raw = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            k = _escrow_key(ephemeral.exchange(self._escrow), epk_raw)
            ek_nonce = os.urandom(NONCE_BYTES)
            envelope["ek"] = {
                "epk": b64e(epk_raw),
                "nonce": b64e(ek_nonce),
                "ct": b64e(AESGCM(k).encrypt(ek_nonce, record_key, aad + b"|escrow")),
            }
        return envelope

    def open(
        self, table: str, record_id: str, version: int, envelope: dict[str, Any]
    ) -> dict[str, Any]:
        """Open an envelope sealed for exactly this row; anything else is DamagedRecord."""
        dek = self._require_dek()
        aad = record_aad(self.tenant_id, table, record_id, version)
        if (
            not isinstance(envelope, dict)
            or type(envelope.get("v")) is not int
            or envelope["v"] not in OPENS
            or envelope.get("alg") != ALG
            or not isinstance(envelope.get("dk"), dict)
        ):
            raise DamagedRecord("This record is damaged and cannot be read.")
        dk = envelope["dk"]
        try:
            record_key = AESGCM(dek).decrypt(
                b64d(dk.get("nonce"), NONCE_BYTES), b64d(dk.get("ct")), aad + b"|dek"
            )
            if len(record_key) != KEY_BYTES:
                raise DamagedRecord("This record is damaged and cannot be read.")
            plaintext = AESGCM(record_key).decrypt(
                b64d(envelope.get("nonce"), NONCE_BYTES), b64d(envelope.get("ct")), aad
            )
            if envelope["v"] == 2:
                plaintext = unpack_plaintext(plaintext)
            payload = json.loads(plaintext.decode("utf-8"))
        except (InvalidTag, UnicodeDecodeError, ValueError) as exc:
            raise DamagedRecord("This record is damaged and cannot be read.") from exc
        if not isinstance(payload, dict):
            raise DamagedRecord("This record is damaged and cannot be read.")
        return payload


def envelope_to_bytes(env: dict[str, Any]) -> bytes:
    """Compact JSON for a BLOB column (the envelope is all ASCII)."""
    return json.dumps(env, sort_keys=True, separators=(",", ":")).encode("ascii")


def envelope_from_bytes(b: bytes) -> dict[str, Any]:
    try:
        env = json.loads(bytes(b).decode("ascii"))
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise DamagedRecord("This record is damaged and cannot be read.") from exc
    if not isinstance(env, dict):
        raise DamagedRecord("This record is damaged and cannot be read.")
    return env
