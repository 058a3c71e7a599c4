"""The device vault: PIN policy and the data key (DEK) wrapped by the PIN plus a device secret.

This is also the one import point for the vault's crypto: the KDF settings (fieldapp.vault.kdf) and
sealed envelopes (fieldapp.vault.sealing) are re-exported here.
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fieldapp.errors import DamagedRecord, VaultError, WeakPin, WrongPin
from fieldapp.vault.kdf import (
    KDF_CEILING,
    KDF_FLOOR,
    KdfParams,
    calibrate_kdf,
    require_usable,
    stretch,
)
from fieldapp.vault.sealing import (
    Sealer,
    b64d,
    b64e,
    canonical_json,
    envelope_from_bytes,
    envelope_to_bytes,
    generate_agency_keypair,
)

__all__ = [
    "KDF_CEILING",
    "KDF_FLOOR",
    "PIN_RULES",
    "KdfParams",
    "Sealer",
    "calibrate_kdf",
    "check_pin_policy",
    "create_dek",
    "decoy_slot",
    "envelope_from_bytes",
    "envelope_to_bytes",
    "generate_agency_keypair",
    "rewrap_dek",
    "unwrap_dek",
    "unwrap_dek_slots",
    "wrap_slot",
]

MIN_PIN_DIGITS = 6
DEK_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MIN_DEVICE_SECRET_BYTES = 32
KEK_INFO = b"fieldapp-kek-v1"
DEK_AAD_PREFIX = b"fieldapp-dek-v1|"
_WRAPPED_FIELDS = {"kdf", "salt", "nonce", "ct"}

# Favourites from published PIN-frequency studies that the shape rules below do not catch.
COMMON_PINS = frozenset(
    (
        "112233 123321 111222 159753 147258 258369 147852 789456 102030 654123 123654 520520"
        " 666999 000111 112211 102938 142536 110011 100000 200000 123000 111000 999000 121314"
        " 998877 852456 963852 741852 147369"
    ).split()
)


PIN_RULES = (
    f"Use {MIN_PIN_DIGITS} or more digits. Avoid the same digit all the way through, runs like "
    "123456 or 654321, repeating patterns like 121212, and very common PINs."
)


def check_pin_policy(pin: str) -> None:
    """Raise WeakPin, with a reason a worker can act on, if `pin` is too easy to guess."""
    if not pin.isascii() or not pin.isdigit():
        raise WeakPin("Use digits only for your PIN.")
    if len(pin) < MIN_PIN_DIGITS:
        raise WeakPin(f"Use at least {MIN_PIN_DIGITS} digits for your PIN.")
    if len(set(pin)) == 1:
        raise WeakPin("Do not use the same digit all the way through.")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    # Runs wrap round (890123 is as guessable as 123456).
    if steps in ({1}, {9}):
        raise WeakPin("Do not use digits in a run, like 123456 or 654321.")
    for size in range(2, len(pin) // 2 + 1):
        if len(pin) % size == 0 and pin[:size] * (len(pin) // size) == pin:
            raise WeakPin("Do not use a repeating pattern, like 121212.")
    if pin in COMMON_PINS:
        raise WeakPin("That PIN is one of the most common; choose another.")


def _check_device_secret(device_secret: bytes) -> None:
    if not isinstance(device_secret, bytes) or len(device_secret) < MIN_DEVICE_SECRET_BYTES:
        raise VaultError("The phone's device secret is missing or too short.")


def _kek(pin: str, device_secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    # The device secret makes a copied wrapped key useless off the phone: brute-forcing the
    # PIN needs the keystore too. The stretched PIN still guards a phone whose keystore leaks.
    stretched = stretch(pin.encode("utf-8"), salt, params)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEK_INFO)
    return hkdf.derive(stretched + device_secret)


def _dek_aad(params: KdfParams) -> bytes:
    # Binding the settings means editing them (a downgrade) breaks the unwrap.
    return DEK_AAD_PREFIX + canonical_json(params.to_dict())


def rewrap_dek(
    dek: bytes, new_pin: str, device_secret: bytes, params: KdfParams, *,
    salt: bytes | None = None,
) -> dict[str, Any]:
    """Wrap an existing DEK under a (new) PIN and settings; the old wrapping stays valid until
    the caller replaces it, so store the result in one transaction.

    Pass the current `salt` to keep extra slots (wrap_slot) openable after a PIN change.
    """
    if not isinstance(dek, bytes) or len(dek) != DEK_BYTES:
        raise ValueError("the data key must be 32 bytes")
    check_pin_policy(new_pin)
    _check_device_secret(device_secret)
    require_usable(params)
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    elif len(salt) != SALT_BYTES:
        raise ValueError("the salt must be 16 bytes")
    nonce = os.urandom(NONCE_BYTES)
    kek = _kek(new_pin, device_secret, salt, params)
    return {
        "kdf": params.to_dict(),
        "salt": b64e(salt),
        "nonce": b64e(nonce),
        "ct": b64e(AESGCM(kek).encrypt(nonce, dek, _dek_aad(params))),
    }


def create_dek(pin: str, device_secret: bytes, params: KdfParams) -> tuple[bytes, dict[str, Any]]:
    """A fresh random DEK and its wrapping, as a JSON-able dict to store on the phone."""
    dek = AESGCM.generate_key(bit_length=256)
    return dek, rewrap_dek(dek, pin, device_secret, params)


def unwrap_dek(pin: str, device_secret: bytes, wrapped: dict[str, Any]) -> bytes:
    """The DEK, or WrongPin (tries_left is None: the caller counts), or KdfRefused."""
    _check_device_secret(device_secret)
    if not isinstance(wrapped, dict) or set(wrapped) != _WRAPPED_FIELDS:
        raise VaultError("The stored key on this phone is damaged.")
    params = KdfParams.from_dict(wrapped["kdf"])
    require_usable(params)
    try:
        salt = b64d(wrapped["salt"], SALT_BYTES)
        nonce = b64d(wrapped["nonce"], NONCE_BYTES)
        ct = b64d(wrapped["ct"])
    except DamagedRecord as exc:
        raise VaultError("The stored key on this phone is damaged.") from exc
    kek = _kek(pin, device_secret, salt, params)
    try:
        dek = AESGCM(kek).decrypt(nonce, ct, _dek_aad(params))
    except (InvalidTag, binascii.Error, ValueError) as exc:
        # Wrong PIN, wrong device secret and tampering look alike, by design of AES-GCM.
        raise WrongPin() from exc
    if len(dek) != DEK_BYTES:
        raise VaultError("The stored key on this phone is damaged.")
    return dek


# --- extra key slots (the duress PIN) ---------------------------------------------------------
# A slot is the DEK wrapped under another PIN with the main wrapping's salt and settings, so one
# scrypt run tests a typed PIN against every slot: unlocking with either PIN costs the same time.
_SLOT_FIELDS = {"nonce", "ct"}
_WRAPPED_DEK_CT_BYTES = DEK_BYTES + 16  # AES-GCM adds a 16-byte tag


def _slot_aad(params: KdfParams, index: int) -> bytes:
    return _dek_aad(params) + f"|slot{index}".encode()


def _main_parts(wrapped: dict[str, Any]) -> tuple[KdfParams, bytes]:
    if not isinstance(wrapped, dict) or set(wrapped) != _WRAPPED_FIELDS:
        raise VaultError("The stored key on this phone is damaged.")
    params = KdfParams.from_dict(wrapped["kdf"])
    require_usable(params)
    try:
        return params, b64d(wrapped["salt"], SALT_BYTES)
    except DamagedRecord as exc:
        raise VaultError("The stored key on this phone is damaged.") from exc


def wrap_slot(
    dek: bytes, pin: str, device_secret: bytes, wrapped: dict[str, Any], index: int = 1
) -> dict[str, Any]:
    """The DEK wrapped under `pin` for slot `index`, sharing `wrapped`'s salt and settings."""
    check_pin_policy(pin)
    _check_device_secret(device_secret)
    params, salt = _main_parts(wrapped)
    nonce = os.urandom(NONCE_BYTES)
    kek = _kek(pin, device_secret, salt, params)
    return {"nonce": b64e(nonce),
            "ct": b64e(AESGCM(kek).encrypt(nonce, dek, _slot_aad(params, index)))}


def decoy_slot() -> dict[str, Any]:
    """Random bytes shaped like a slot: a file reader cannot tell whether a duress PIN is set."""
    return {"nonce": b64e(os.urandom(NONCE_BYTES)), "ct": b64e(os.urandom(_WRAPPED_DEK_CT_BYTES))}


def unwrap_dek_slots(
    pin: str, device_secret: bytes, wrapped: dict[str, Any], slots: list[dict[str, Any]]
) -> tuple[bytes, int]:
    """(DEK, which slot opened): 0 is the main wrapping, i is slots[i - 1]. One scrypt run.

    Every slot is tried even after a match, so the time taken does not say which PIN was used.
    """
    _check_device_secret(device_secret)
    params, salt = _main_parts(wrapped)
    kek = AESGCM(_kek(pin, device_secret, salt, params))
    candidates = [(wrapped, _dek_aad(params))]
    candidates += [(slot, _slot_aad(params, i)) for i, slot in enumerate(slots, start=1)]
    found: tuple[bytes, int] | None = None
    for index, (slot, aad) in enumerate(candidates):
        if not isinstance(slot, dict) or not _SLOT_FIELDS <= set(slot):
            continue
        try:
            dek = kek.decrypt(b64d(slot["nonce"], NONCE_BYTES), b64d(slot["ct"]), aad)
        except (InvalidTag, DamagedRecord, binascii.Error, ValueError):
            continue
        if found is None and len(dek) == DEK_BYTES:
            found = (dek, index)
    if found is None:
        raise WrongPin()
    return found
