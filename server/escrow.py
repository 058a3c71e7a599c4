"""The office's side of sealed envelopes: the agency escrow key pair and opening "ek".

The envelope format is pinned in docs/architecture.md. The phone's sealer (fieldapp/sealing.py)
is the other end; the server may not import it, so the few lines of format live in both places
and tests/server/test_escrow.py proves the two agree.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import zlib
from pathlib import Path
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
    load_pem_private_key,
)

ESCROW_INFO = b"fieldapp-escrow-v1|"
MAX_PLAINTEXT_BYTES = 1024 * 1024
# Envelope version 2 deflates the sealed JSON with this preset dictionary. It is part of the
# format: the same bytes as fieldapp/sealing.py PAYLOAD_DICTIONARY_V2 (tests/server/
# test_escrow.py pins both), never edited.
PAYLOAD_DICTIONARY_V2 = (
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
_POSIX = os.name == "posix"


class EnvelopeDamaged(Exception):
    """A sealed envelope could not be opened by the office: tampered, misplaced or not escrowed."""


def generate_agency_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair for an agency's escrow, as raw 32-byte (private, public)."""
    private = X25519PrivateKey.generate()
    return _private_raw(private), public_key_raw(private)


def public_key_raw(private_key: X25519PrivateKey) -> bytes:
    """The raw 32-byte public key phones seal to."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


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


def _b64(value: object, length: int | None = None) -> bytes:
    # Only the canonical spelling is accepted, so every envelope has exactly one encoding.
    if not isinstance(value, str):
        raise EnvelopeDamaged("envelope field is not a string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise EnvelopeDamaged("envelope field is not base64") from exc
    if base64.b64encode(data).decode("ascii") != value:
        raise EnvelopeDamaged("envelope field is not canonical base64")
    if length is not None and len(data) != length:
        raise EnvelopeDamaged("envelope field has the wrong length")
    return data


def _aad(tenant_id: str, table: str, record_id: str, version: int) -> bytes:
    for part in (tenant_id, table, record_id):
        if not isinstance(part, str) or not part or "|" in part:
            raise EnvelopeDamaged("record address is not valid")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise EnvelopeDamaged("record version is not valid")
    return f"{tenant_id}|{table}|{record_id}|{version}".encode()


def _inflate(packed: bytes) -> bytes:
    unpacker = zlib.decompressobj(-15, zdict=PAYLOAD_DICTIONARY_V2)
    try:
        plaintext = unpacker.decompress(packed, MAX_PLAINTEXT_BYTES)
    except zlib.error as exc:
        raise EnvelopeDamaged("sealed content does not inflate") from exc
    if not unpacker.eof or unpacker.unconsumed_tail or unpacker.unused_data:
        raise EnvelopeDamaged("sealed content is truncated or too large")
    return plaintext


def open_envelope(
    private_key: X25519PrivateKey,
    tenant_id: str,
    table: str,
    record_id: str,
    version: int,
    envelope: dict[str, Any],
) -> dict[str, Any]:
    """Open the escrow copy of a record sealed for exactly this tenant/table/id/version."""
    aad = _aad(tenant_id, table, record_id, version)
    if not isinstance(envelope, dict) or type(envelope.get("v")) is not int \
            or envelope["v"] not in (1, 2) or envelope.get("alg") != "A256GCM":
        raise EnvelopeDamaged("not a version 1 or 2 A256GCM envelope")
    ek = envelope.get("ek")
    if not isinstance(ek, dict):
        raise EnvelopeDamaged("envelope was not sealed for the office (no escrow copy)")
    epk_raw = _b64(ek.get("epk"), 32)
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(epk_raw))
        k = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=ESCROW_INFO + epk_raw
        ).derive(shared)
        record_key = AESGCM(k).decrypt(
            _b64(ek.get("nonce"), 12), _b64(ek.get("ct")), aad + b"|escrow"
        )
        if len(record_key) != 32:
            raise EnvelopeDamaged("record key has the wrong length")
        plaintext = AESGCM(record_key).decrypt(
            _b64(envelope.get("nonce"), 12), _b64(envelope.get("ct")), aad
        )
        if envelope["v"] == 2:
            plaintext = _inflate(plaintext)
        payload = json.loads(plaintext.decode("utf-8"))
    except (InvalidTag, UnicodeDecodeError, ValueError) as exc:
        # ValueError also covers a low-order ephemeral key (all-zero shared secret).
        raise EnvelopeDamaged("envelope failed its integrity check") from exc
    if not isinstance(payload, dict):
        raise EnvelopeDamaged("sealed content is not an object")
    return payload
