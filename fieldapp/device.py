"""This phone's identity and its keys: enrolment, PIN unlock, lock, and the sync token."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fieldapp.clock import Clock, parse_utc
from fieldapp.errors import LockedOut, NotEnrolled, VaultError, WrongPin
from fieldapp.keystore import KeyStore
from fieldapp.records import Author
from fieldapp.store import DeviceStore
from fieldapp.vault import KdfParams, Sealer, check_pin_policy, create_dek, unwrap_dek

WRONG_PINS_BEFORE_DELAY = 5
WRONG_PINS_BEFORE_WIPE = 10


@dataclass(frozen=True)
class Enrolment:
    """What the office tells a phone when it is enrolled (see server /api/v1/enrol)."""

    server_url: str
    device_id: str
    device_token: str = field(repr=False)
    tenant_id: str = ""
    worker_id: str = ""
    worker_name: str = ""
    agency_name: str = ""
    office_phone: str = ""
    escrow_public_key: str = ""  # base64 raw X25519
    timezone: str = "Europe/London"

    @classmethod
    def from_server(cls, server_url: str, data: dict[str, Any]) -> Enrolment:
        try:
            return cls(
                server_url=server_url.rstrip("/"),
                device_id=str(data["device_id"]),
                device_token=str(data["device_token"]),
                tenant_id=str(data["tenant_id"]),
                worker_id=str(data["worker_id"]),
                worker_name=str(data["worker_name"]),
                agency_name=str(data.get("agency_name", "")),
                office_phone=str(data.get("office_phone", "")),
                escrow_public_key=str(data["escrow_public_key"]),
                timezone=str(data.get("timezone", "Europe/London")),
            )
        except KeyError as exc:
            raise VaultError("The office sent an incomplete enrolment answer.") from exc


class Device:
    """Owns the keys. The data key lives in memory only while the app is unlocked."""

    def __init__(self, store: DeviceStore, keystore: KeyStore, clock: Clock, kdf: KdfParams):
        self.store = store
        self.keystore = keystore
        self.clock = clock
        self.kdf = kdf
        self._sealer: Sealer | None = None

    # --- identity -------------------------------------------------------------------------
    @property
    def enrolled(self) -> bool:
        return self.store.get_meta("device_id") is not None

    @property
    def has_key(self) -> bool:
        return self.store.get_meta("wrapped_dek") is not None

    def identity(self) -> Enrolment:
        raw = self.store.get_json("enrolment")
        if raw is None:
            raise NotEnrolled("This phone is not enrolled yet.")
        plain = self._token_cipher().decrypt(
            base64.b64decode(raw["nonce"]), base64.b64decode(raw["ct"]), b"enrolment"
        )
        return Enrolment(**json.loads(plain))

    def author(self) -> Author:
        ident = self.identity()
        return Author(tenant_id=ident.tenant_id, worker_id=ident.worker_id,
                      device_id=ident.device_id)

    def complete_enrolment(self, enrolment: Enrolment, pin: str) -> None:
        """Store who this phone belongs to and wrap a fresh data key under the chosen PIN."""
        check_pin_policy(pin)
        dek, wrapped = create_dek(pin, self.keystore.device_secret(), self.kdf)
        # Who this phone belongs to is personal too: sealed under the device secret, so the
        # lock screen can greet the worker without the PIN, but the file alone reveals nothing.
        nonce = os.urandom(12)
        ct = self._token_cipher().encrypt(
            nonce, json.dumps(enrolment.__dict__).encode(), b"enrolment"
        )
        stored = {"nonce": base64.b64encode(nonce).decode(), "ct": base64.b64encode(ct).decode()}
        with self.store.transaction():
            self.store.set_json("enrolment", stored)
            self.store.set_meta("device_id", enrolment.device_id)
            self.store.set_meta("wrapped_dek", json.dumps(wrapped))
            self.store.set_meta("failed_pins", "0")
            self.store.set_meta("last_server_contact", self.clock.now().isoformat())
        self._sealer = Sealer(dek, enrolment.tenant_id, base64.b64decode(enrolment.escrow_public_key))

    # --- lock and unlock ------------------------------------------------------------------
    @property
    def unlocked(self) -> bool:
        return self._sealer is not None

    def sealer(self) -> Sealer:
        if self._sealer is None:
            raise VaultError("The app is locked. Enter your PIN.")
        return self._sealer

    def outbox_sealer(self) -> Sealer | None:
        return self._sealer

    def unlock(self, pin: str) -> None:
        wrapped_raw = self.store.get_meta("wrapped_dek")
        if wrapped_raw is None:
            raise LockedOut(
                "Too many wrong PINs: this phone's records were locked for safety. "
                "Ask the office for a new enrolment code."
            )
        wait = self.seconds_until_next_try()
        if wait > 0:
            raise WrongPin(f"Too many wrong PINs. Try again in {wait} seconds.", tries_left=None)
        ident = self.identity()
        try:
            dek = unwrap_dek(pin, self.keystore.device_secret(), json.loads(wrapped_raw))
        except WrongPin:
            self._record_wrong_pin()
            raise self._wrong_pin_error() from None
        with self.store.transaction():
            self.store.set_meta("failed_pins", "0")
            self.store.delete_meta("next_try_at")
        self._sealer = Sealer(dek, ident.tenant_id, base64.b64decode(ident.escrow_public_key))

    def lock(self) -> None:
        if self._sealer is not None:
            self._sealer.forget()
        self._sealer = None

    def failed_pins(self) -> int:
        return int(self.store.get_meta("failed_pins", "0") or 0)

    def seconds_until_next_try(self) -> int:
        raw = self.store.get_meta("next_try_at")
        if raw is None:
            return 0
        return max(0, int((parse_utc(raw) - self.clock.now()).total_seconds() + 0.999))

    def _record_wrong_pin(self) -> None:
        failed = self.failed_pins() + 1
        with self.store.transaction():
            self.store.set_meta("failed_pins", str(failed))
            if failed >= WRONG_PINS_BEFORE_WIPE:
                # Crypto-shred: without the wrapped key nothing sealed here can be opened again.
                # Queued records are sealed to the office too, so they still sync.
                self.store.delete_meta("wrapped_dek")
            elif failed >= WRONG_PINS_BEFORE_DELAY:
                delay = timedelta(seconds=30 * 2 ** (failed - WRONG_PINS_BEFORE_DELAY))
                self.store.set_meta("next_try_at", (self.clock.now() + delay).isoformat())
        self.lock()

    def _wrong_pin_error(self) -> VaultError:
        failed = self.failed_pins()
        left = WRONG_PINS_BEFORE_WIPE - failed
        if left <= 0:
            return LockedOut(
                "Too many wrong PINs: this phone's records were locked for safety. "
                "Anything not yet sent will still go to the office. "
                "Ask the office for a new enrolment code."
            )
        return WrongPin(
            f"That PIN is not right. {left} {'try' if left == 1 else 'tries'} left.",
            tries_left=left,
        )

    # --- token ----------------------------------------------------------------------------
    def _token_cipher(self) -> AESGCM:
        key = HKDF(hashes.SHA256(), 32, salt=None, info=b"fieldapp-token-v1").derive(
            self.keystore.device_secret()
        )
        return AESGCM(key)

    def note_server_contact(self, at: datetime) -> None:
        self.store.set_meta("last_server_contact", at.isoformat())
