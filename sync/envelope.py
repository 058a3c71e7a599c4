"""The one sealed-record format (docs/architecture.md), versions 1 and 2: seal and open given keys.

A fresh AES-256-GCM key per record seals its canonical JSON; that record key is wrapped under the
phone's data key ("dk") and/or, through an ephemeral X25519 exchange, to the agency's escrow key
("ek"). The associated data binds tenant, table, record id and version, so an envelope pasted
into another row does not open. Version 2 deflates the JSON with a preset dictionary first.

The phone's vault, the office's escrow and anything the office seals all call this module;
stdlib and `cryptography` only, so both ends can import it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import zlib
from collections.abc import Callable
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

ENVELOPE_VERSION = 2  # what is sealed today; every version in OPENS is still opened
OPENS = (1, 2)
ALG = "A256GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
ESCROW_INFO = b"fieldapp-escrow-v1|"
MAX_PLAINTEXT_BYTES = 1024 * 1024  # a sealed record never holds more; bigger is damaged

# Version 2 deflates the canonical JSON before sealing, with this preset dictionary: the words
# every record repeats (field names, codes, nulls) cost a few bits instead of their full length
# once encrypted. It is part of the format: never edit it (a new dictionary is a new version);
# tests/sync/test_envelope.py pins its SHA-256.
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


class EnvelopeDamaged(Exception):
    """An envelope cannot be opened: tampered, misplaced, malformed or not sealed for this key.

    Messages name what failed, never any content, so they are safe to log.
    """


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
        raise EnvelopeDamaged("envelope field is not a string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise EnvelopeDamaged("envelope field is not base64") from exc
    if b64e(data) != text:
        raise EnvelopeDamaged("envelope field is not canonical base64")
    if length is not None and len(data) != length:
        raise EnvelopeDamaged("envelope field has the wrong length")
    return data


def record_aad(tenant_id: str, table: str, record_id: str, version: int) -> bytes:
    """Bind a ciphertext to its row; '|' is refused in the parts so the binding is unambiguous."""
    for part in (tenant_id, table, record_id):
        if not isinstance(part, str) or not part or "|" in part:
            raise ValueError("tenant, table and record id must be non-empty and contain no '|'")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("version must be a non-negative integer")
    return f"{tenant_id}|{table}|{record_id}|{version}".encode()


def pack_plaintext(plaintext: bytes) -> bytes:
    """Version 2 plaintext: raw DEFLATE (RFC 1951) with the version 2 preset dictionary."""
    # memLevel 5 (not 9): the same size for record-sized inputs (measured), and setting up the
    # preset dictionary costs ~12 µs instead of ~110 µs (most of a seal); window still 32 KiB.
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 5, zdict=PAYLOAD_DICTIONARY_V2)
    return packer.compress(plaintext) + packer.flush()


def unpack_plaintext(packed: bytes) -> bytes:
    """The inverse of `pack_plaintext`, refusing anything over MAX_PLAINTEXT_BYTES (a record
    that inflates without end is damaged, not a reason to run out of memory)."""
    unpacker = zlib.decompressobj(-15, zdict=PAYLOAD_DICTIONARY_V2)
    try:
        plaintext = unpacker.decompress(packed, MAX_PLAINTEXT_BYTES)
    except zlib.error as exc:
        raise EnvelopeDamaged("sealed content does not inflate") from exc
    if not unpacker.eof or unpacker.unconsumed_tail or unpacker.unused_data:
        raise EnvelopeDamaged("sealed content is truncated or too large")
    return plaintext


def generate_agency_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair for an agency's escrow, as raw 32-byte (private, public)."""
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return private_raw, public_key_raw(private)


def public_key_raw(private_key: X25519PrivateKey) -> bytes:
    """The raw 32-byte public key phones seal to."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _escrow_key(shared: bytes, epk_raw: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=ESCROW_INFO + epk_raw)
    return hkdf.derive(shared)


def seal(
    payload: dict[str, Any],
    tenant_id: str,
    table: str,
    record_id: str,
    version: int,
    *,
    dek: bytes | None = None,
    escrow_to: X25519PublicKey | bytes | None = None,
    envelope_version: int = ENVELOPE_VERSION,
) -> dict[str, Any]:
    """Seal `payload` for exactly this row, openable with `dek` ("dk") and/or by the holder of
    the escrow private key ("ek"). An invalid row address or no key at all is a ValueError."""
    if not isinstance(payload, dict):
        raise TypeError("payload must be a dict")
    if dek is None and escrow_to is None:
        raise ValueError("seal for the data key, the escrow key or both")
    if dek is not None and len(dek) != KEY_BYTES:
        raise ValueError("the data key must be 32 bytes")
    if envelope_version not in OPENS:
        raise ValueError(f"envelope version must be one of {OPENS}")
    aad = record_aad(tenant_id, table, record_id, version)
    plaintext = canonical_json(payload)
    if envelope_version == 2:
        plaintext = pack_plaintext(plaintext)
    # A fresh key per record: a random nonce under it is used exactly once.
    record_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    envelope: dict[str, Any] = {
        "v": envelope_version,
        "alg": ALG,
        "nonce": b64e(nonce),
        "ct": b64e(AESGCM(record_key).encrypt(nonce, plaintext, aad)),
    }
    if dek is not None:
        dk_nonce = os.urandom(NONCE_BYTES)
        envelope["dk"] = {
            "nonce": b64e(dk_nonce),
            "ct": b64e(AESGCM(dek).encrypt(dk_nonce, record_key, aad + b"|dek")),
        }
    if escrow_to is not None:
        public = (escrow_to if isinstance(escrow_to, X25519PublicKey)
                  else X25519PublicKey.from_public_bytes(escrow_to))
        ephemeral = X25519PrivateKey.generate()
        epk_raw = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        k = _escrow_key(ephemeral.exchange(public), epk_raw)
        ek_nonce = os.urandom(NONCE_BYTES)
        envelope["ek"] = {
            "epk": b64e(epk_raw),
            "nonce": b64e(ek_nonce),
            "ct": b64e(AESGCM(k).encrypt(ek_nonce, record_key, aad + b"|escrow")),
        }
    return envelope


def office_copy(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it travels to the office: without the phone's own key copy ("dk"), so
    the office opens "ek" only and never sees what the phone's data key wrapped."""
    return {k: v for k, v in envelope.items() if k != "dk"}


def open_with_dek(
    dek: bytes, tenant_id: str, table: str, record_id: str, version: int,
    envelope: dict[str, Any],
) -> dict[str, Any]:
    """Open the data-key copy of an envelope sealed for exactly this row."""
    def unwrap(dk: dict[str, Any], aad: bytes) -> bytes:
        return AESGCM(dek).decrypt(
            b64d(dk.get("nonce"), NONCE_BYTES), b64d(dk.get("ct")), aad + b"|dek")

    return _open(envelope, _address(tenant_id, table, record_id, version), "dk",
                 "envelope has no data-key copy", unwrap)


def open_with_escrow(
    private_key: X25519PrivateKey, tenant_id: str, table: str, record_id: str, version: int,
    envelope: dict[str, Any],
) -> dict[str, Any]:
    """Open the escrow (office) copy of an envelope sealed for exactly this row."""
    def unwrap(ek: dict[str, Any], aad: bytes) -> bytes:
        epk_raw = b64d(ek.get("epk"), 32)
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(epk_raw))
        return AESGCM(_escrow_key(shared, epk_raw)).decrypt(
            b64d(ek.get("nonce"), NONCE_BYTES), b64d(ek.get("ct")), aad + b"|escrow")

    return _open(envelope, _address(tenant_id, table, record_id, version), "ek",
                 "envelope was not sealed for the office (no escrow copy)", unwrap)


def _open(envelope: dict[str, Any], aad: bytes, which: str, missing: str,
          unwrap: Callable[[dict[str, Any], bytes], bytes]) -> dict[str, Any]:
    """Unwrap the record key from the envelope's `which` copy, then open the content."""
    copy = _key_copy(envelope, which, missing)
    try:
        record_key = unwrap(copy, aad)
    except (InvalidTag, ValueError) as exc:
        # ValueError also covers a low-order ephemeral key (all-zero shared secret).
        raise EnvelopeDamaged("envelope failed its integrity check") from exc
    return _open_content(record_key, aad, envelope)


def _address(tenant_id: str, table: str, record_id: str, version: int) -> bytes:
    try:
        return record_aad(tenant_id, table, record_id, version)
    except ValueError as exc:
        raise EnvelopeDamaged("record address is not valid") from exc


def _key_copy(envelope: dict[str, Any], which: str, missing: str) -> dict[str, Any]:
    """After the header checks, the envelope's `which` copy of the record key ("dk", "ek")."""
    _check_header(envelope)
    copy = envelope.get(which)
    if not isinstance(copy, dict):
        raise EnvelopeDamaged(missing)
    return copy


def _check_header(envelope: object) -> None:
    if (
        not isinstance(envelope, dict)
        or type(envelope.get("v")) is not int
        or envelope["v"] not in OPENS
        or envelope.get("alg") != ALG
    ):
        raise EnvelopeDamaged("not a version 1 or 2 A256GCM envelope")


def _open_content(record_key: bytes, aad: bytes, envelope: dict[str, Any]) -> dict[str, Any]:
    if len(record_key) != KEY_BYTES:
        raise EnvelopeDamaged("record key has the wrong length")
    try:
        plaintext = AESGCM(record_key).decrypt(
            b64d(envelope.get("nonce"), NONCE_BYTES), b64d(envelope.get("ct")), aad)
    except InvalidTag as exc:
        raise EnvelopeDamaged("envelope failed its integrity check") from exc
    if envelope["v"] == 2:
        plaintext = unpack_plaintext(plaintext)
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EnvelopeDamaged("sealed content is not JSON") from exc
    if not isinstance(payload, dict):
        raise EnvelopeDamaged("sealed content is not an object")
    return payload
