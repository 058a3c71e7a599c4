"""This phone's identity and its keys: enrolment, PIN unlock, lock, and the sync token."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldapp.domain.clock import Clock, parse_utc
from fieldapp.errors import (
    KdfRefused,
    LeaseExpired,
    LockedOut,
    NotEnrolled,
    VaultError,
    WeakPin,
    WrongPin,
)
from fieldapp.services.duress import write_duress_alert
from fieldapp.store import wipe
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author
from fieldapp.vault.dek import (
    KdfParams,
    Sealer,
    calibrate_kdf,
    check_pin_policy,
    create_dek,
    decoy_slot,
    rewrap_dek,
    unwrap_dek_slots,
    wrap_slot,
)
from fieldapp.vault.identity import contact_mac, open_enrolment, seal_enrolment
from fieldapp.vault.kdf import require_usable
from fieldapp.vault.keystore import KeyStore
from fieldapp.vault.lock import (
    WRONG_PINS_BEFORE_DELAY,
    WRONG_PINS_BEFORE_WIPE,
    LockPolicy,
    tries_left,
    wait_words,
    wrong_pin_delay,
)
from fieldapp.vault.sealing import b64d

__all__ = ["WRONG_PINS_BEFORE_DELAY", "WRONG_PINS_BEFORE_WIPE", "Device", "Enrolment"]

WRAPPED_KEY = "wrapped_dek"
DURESS_SLOT_KEY = "dek_slot1"
CONTACT_KEY = "lease_contact"
KDF_CACHE_KEY = "kdf_calibrated"
LOCKED_OUT_MESSAGE = (
    "Too many wrong PINs: this phone's records were locked for safety. Anything not yet sent "
    "will still go to the office. Ask the office for a new enrolment code."
)


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

    def __init__(self, store: DeviceStore, keystore: KeyStore, clock: Clock,
                 kdf: KdfParams | None = None, *, policy: LockPolicy | None = None,
                 calibrate: Callable[[], KdfParams] = calibrate_kdf):
        self.store = store
        self.keystore = keystore
        self.clock = clock
        self.kdf = kdf  # fixed settings (tests, FIELDAPP_KDF_N); None = calibrate once, cached
        self.policy = policy or LockPolicy()
        self._calibrate = calibrate
        self._sealer: Sealer | None = None

    # --- identity -------------------------------------------------------------------------
    @property
    def enrolled(self) -> bool:
        return self.store.get_meta("device_id") is not None

    @property
    def has_key(self) -> bool:
        return self.store.get_meta(WRAPPED_KEY) is not None

    @property
    def locked_out(self) -> bool:
        """Enrolled, but the data key was shredded after too many wrong PINs."""
        return self.enrolled and not self.has_key

    def identity(self) -> Enrolment:
        raw = self.store.get_json("enrolment")
        if raw is None:
            raise NotEnrolled("This phone is not enrolled yet.")
        plain = open_enrolment(self.keystore.device_secret(), raw)
        return Enrolment(**json.loads(plain))

    def author(self) -> Author:
        ident = self.identity()
        return Author(tenant_id=ident.tenant_id, worker_id=ident.worker_id,
                      device_id=ident.device_id)

    def kdf_params(self) -> KdfParams:
        """The settings for a new wrapping: fixed, or calibrated once on this phone and kept."""
        if self.kdf is not None:
            return self.kdf
        cached = self.store.get_json(KDF_CACHE_KEY)
        if cached is not None:
            try:
                params = KdfParams.from_dict(cached)
                require_usable(params)
                return params
            except KdfRefused:
                pass  # edited or from an older app: measure again rather than trust it
        params = self._calibrate()
        with self.store.transaction():
            self.store.set_json(KDF_CACHE_KEY, params.to_dict())
        return params

    def complete_enrolment(self, enrolment: Enrolment, pin: str) -> None:
        """Store who this phone belongs to and wrap a fresh data key under the chosen PIN."""
        check_pin_policy(pin)
        dek, wrapped = create_dek(pin, self.keystore.device_secret(), self.kdf_params())
        # Who this phone belongs to is personal too: sealed under the device secret, so the
        # lock screen can greet the worker without the PIN, but the file alone reveals nothing.
        stored = seal_enrolment(self.keystore.device_secret(),
                                json.dumps(enrolment.__dict__).encode())
        with self.store.transaction():
            self.store.set_json("enrolment", stored)
            self.store.set_meta("device_id", enrolment.device_id)
            self.store.set_meta(WRAPPED_KEY, json.dumps(wrapped))
            # Always a slot, real or decoy: the file does not say whether a duress PIN is set.
            self.store.set_json(DURESS_SLOT_KEY, decoy_slot())
            self.store.set_meta("failed_pins", "0")
            self._write_contact(self.clock.now())
        self._sealer = Sealer(dek, enrolment.tenant_id,
                              base64.b64decode(enrolment.escrow_public_key))

    def reset_for_reenrolment(self) -> int:
        """After a lockout: clear the phone for a new code and PIN, keeping queued records."""
        self.lock()
        return wipe.reset_for_reenrolment(self.store, self.keystore)

    def erase(self) -> None:
        """Revoked by the office: destroy keys, records and the data file (queue already sent)."""
        self.lock()
        wipe.erase(self.store, self.keystore)

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
        """Open the data key with the main or the duress PIN; both look the same to the caller."""
        if self.locked_out:
            raise LockedOut(LOCKED_OUT_MESSAGE)
        self._check_may_try()
        ident = self.identity()
        if self.lease_expired():
            raise LeaseExpired(self.policy.lease_message(ident.office_phone))
        dek, slot = self._open_slots(pin)
        sealer = Sealer(dek, ident.tenant_id, base64.b64decode(ident.escrow_public_key))
        with self.store.transaction() as db:
            self.store.set_meta("failed_pins", "0")
            self.store.delete_meta("next_try_at")
            if slot == 1:
                write_duress_alert(db, sealer, self.author(), self.clock.now())
        self._sealer = sealer

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

    def _check_may_try(self) -> None:
        wait = self.seconds_until_next_try()
        if wait > 0:
            raise WrongPin(f"Too many wrong PINs. Try again in {wait_words(wait)}.",
                           tries_left=None)

    def _open_slots(self, pin: str, *, lock_on_wrong: bool = True) -> tuple[bytes, int]:
        wrapped = json.loads(self.store.get_meta(WRAPPED_KEY) or "null")
        slot = self.store.get_json(DURESS_SLOT_KEY)
        try:
            return unwrap_dek_slots(pin, self.keystore.device_secret(), wrapped,
                                    [slot] if slot else [])
        except WrongPin:
            self._record_wrong_pin(lock_app=lock_on_wrong)
            raise self._wrong_pin_error() from None

    def _record_wrong_pin(self, *, lock_app: bool = True) -> None:
        failed = self.failed_pins() + 1
        with self.store.transaction():
            self.store.set_meta("failed_pins", str(failed))
            delay = wrong_pin_delay(failed)
            if delay:
                self.store.set_meta("next_try_at", (self.clock.now() + delay).isoformat())
        if failed >= WRONG_PINS_BEFORE_WIPE:
            # Crypto-shred: without a wrapped key nothing sealed here can be opened again.
            # Queued records are sealed to the office too, so they still sync.
            wipe.shred_keys(self.store)
            self.lock()
        elif lock_app:
            self.lock()

    def _wrong_pin_error(self) -> VaultError:
        left = tries_left(self.failed_pins())
        if left <= 0:
            return LockedOut(LOCKED_OUT_MESSAGE)
        wait = self.seconds_until_next_try()
        then = f" Wait {wait_words(wait)} before the next try." if wait else ""
        return WrongPin(
            f"That PIN is not right. {left} {'try' if left == 1 else 'tries'} left.{then}",
            tries_left=left,
        )

    # --- PIN change and the duress PIN ----------------------------------------------------
    def _verify_main_pin(self, pin: str) -> bytes:
        """The DEK if `pin` is the main PIN; a wrong one counts like a wrong PIN at unlock."""
        if self.locked_out:
            raise LockedOut(LOCKED_OUT_MESSAGE)
        self._check_may_try()
        dek, slot = self._open_slots(pin, lock_on_wrong=False)
        if slot != 0:
            # The duress PIN cannot manage PINs: someone forcing a change gets "not right".
            self._record_wrong_pin(lock_app=False)
            raise self._wrong_pin_error()
        with self.store.transaction():
            self.store.set_meta("failed_pins", "0")
        return dek

    def _another_pin(self, current_pin: str, pin: str, same: str) -> tuple[bytes, Any]:
        """Before a PIN is changed or added: the current PIN opens the keys, the other PIN
        passes the policy and differs from it (`same` says so). The keys and the wrapped DEK."""
        dek = self._verify_main_pin(current_pin)
        check_pin_policy(pin)
        if pin == current_pin:
            raise WeakPin(same)
        return dek, json.loads(self.store.get_meta(WRAPPED_KEY) or "null")

    def change_pin(self, current_pin: str, new_pin: str) -> None:
        """Re-wrap the same DEK under a new PIN; no record is re-sealed."""
        dek, wrapped = self._another_pin(
            current_pin, new_pin, "That is the PIN you have now; choose a different one.")
        secret = self.keystore.device_secret()
        slot = self.store.get_json(DURESS_SLOT_KEY)
        try:
            unwrap_dek_slots(new_pin, secret, wrapped, [slot] if slot else [])
        except WrongPin:
            pass
        else:
            raise WeakPin("That is your duress PIN; choose a different main PIN.")
        # Same salt and settings: the duress slot was made with them and must still open.
        params = KdfParams.from_dict(wrapped["kdf"])
        new = rewrap_dek(dek, new_pin, secret, params, salt=b64d(wrapped["salt"], 16))
        with self.store.transaction():
            self.store.set_meta(WRAPPED_KEY, json.dumps(new))

    def set_duress_pin(self, current_pin: str, duress_pin: str) -> None:
        """A second PIN that opens the app normally and silently raises a red alert."""
        dek, wrapped = self._another_pin(
            current_pin, duress_pin, "Your duress PIN must be different from your main PIN.")
        slot = wrap_slot(dek, duress_pin, self.keystore.device_secret(), wrapped, 1)
        with self.store.transaction():
            self.store.set_json(DURESS_SLOT_KEY, slot)

    def clear_duress_pin(self, current_pin: str) -> None:
        self._verify_main_pin(current_pin)
        with self.store.transaction():
            self.store.set_json(DURESS_SLOT_KEY, decoy_slot())

    # --- offline lease --------------------------------------------------------------------
    def _contact_mac(self, at: str) -> str:
        return contact_mac(self.keystore.device_secret(), at)

    def _write_contact(self, at: datetime) -> None:
        text = at.isoformat()
        self.store.set_json(CONTACT_KEY, {"at": text, "mac": self._contact_mac(text)})

    def note_server_contact(self, at: datetime) -> None:
        """The office answered: the offline lease starts again from `at`, and records left
        from before a lockout that the office now holds are let go."""
        with self.store.transaction():
            self._write_contact(at)
        wipe.drop_delivered_legacy(self.store)

    def last_server_contact(self) -> datetime | None:
        """When the office last answered; None if unknown or edited (the MAC does not match)."""
        raw = self.store.get_json(CONTACT_KEY)
        if not isinstance(raw, dict) or not isinstance(raw.get("at"), str):
            return None
        if not hmac.compare_digest(str(raw.get("mac", "")), self._contact_mac(raw["at"])):
            return None
        try:
            return parse_utc(raw["at"])
        except ValueError:
            return None

    def lease_expired(self) -> bool:
        return self.policy.lease_expired(self.last_server_contact(), self.clock.now())
