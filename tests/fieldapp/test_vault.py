"""The device vault: PIN policy, KDF settings, the wrapped data key and sealed envelopes."""

from __future__ import annotations

import base64
import copy
import json
import os
import secrets
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.errors import DamagedRecord, KdfRefused, VaultError, WeakPin, WrongPin
from fieldapp.vault.dek import (
    KDF_FLOOR,
    KdfParams,
    Sealer,
    calibrate_kdf,
    check_pin_policy,
    create_dek,
    envelope_from_bytes,
    envelope_to_bytes,
    generate_agency_keypair,
    rewrap_dek,
    unwrap_dek,
)
from fieldapp.vault.sealing import canonical_json, record_aad
from tests.support.envelopes import HEADER_DAMAGE

PIN = "583029"
TENANT = "0191f4c2-7c1e-7000-8000-000000000001"
RECORD = "0191f4c2-7c1e-7000-8000-0000000000aa"
FAST = KdfParams(n=2**14)  # the floor: keeps the suite fast


def flip(b64: str, index: int = 0) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.fixture
def device_secret() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(secrets.token_bytes(32), TENANT, None)


# --- PIN policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("12345", "at least 6"),
        ("", "digits only"),
        ("58302a", "digits only"),
        ("583 029", "digits only"),
        ("５８３０２９", "digits only"),  # full-width digits pass str.isdigit
        ("000000", "same digit"),
        ("77777777", "same digit"),
        ("123456", "run"),
        ("654321", "run"),
        ("345678", "run"),
        ("890123", "run"),
        ("121212", "repeating"),
        ("123123", "repeating"),
        ("10101010", "repeating"),
        ("112233", "common"),
        ("159753", "common"),
        ("147258", "common"),
    ],
)
def test_weak_pins_are_refused_with_a_plain_reason(pin: str, reason: str) -> None:
    with pytest.raises(WeakPin, match=reason):
        check_pin_policy(pin)


@pytest.mark.parametrize("pin", ["34567", "345678", "10101010", "998877", "8888888"])
def test_weak_pin_reasons_never_quote_the_pin(pin: str) -> None:
    with pytest.raises(WeakPin) as caught:
        check_pin_policy(pin)
    assert pin not in str(caught.value)


@pytest.mark.parametrize("pin", ["583029", "904712", "2718281", "31415926", "135790"])
def test_reasonable_pins_pass(pin: str) -> None:
    check_pin_policy(pin)


# --- KDF settings -----------------------------------------------------------------------------


def test_kdf_params_round_trip_and_defaults() -> None:
    params = KdfParams()
    assert params.to_dict() == {"name": "scrypt", "n": 2**15, "r": 8, "p": 1, "version": 1}
    assert KdfParams.from_dict(params.to_dict()) == params
    assert KDF_FLOOR == KdfParams(n=2**14, r=8, p=1)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "argon2id"},
        {"version": 2},
        {"n": 1000},
        {"n": True},
        {"r": "8"},
        {"extra": 1},
    ],
)
def test_unrecognised_kdf_settings_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(KdfRefused):
        KdfParams.from_dict({**KdfParams().to_dict(), **change})


@pytest.mark.parametrize("weak", [KdfParams(n=2**13), KdfParams(n=2**14, r=4), KdfParams(n=2)])
def test_creating_below_the_floor_is_refused(weak: KdfParams, device_secret: bytes) -> None:
    with pytest.raises(KdfRefused):
        create_dek(PIN, device_secret, weak)


def test_absurd_costs_are_refused_rather_than_run(device_secret: bytes) -> None:
    with pytest.raises(KdfRefused):
        create_dek(PIN, device_secret, KdfParams(n=2**24))


def test_calibration_search_lands_in_the_window_without_timing() -> None:
    # A fake machine where each doubling of n doubles the time: 2**15 takes 40 ms.
    def fake(params: KdfParams) -> float:
        return 40.0 * params.n / 2**15

    assert calibrate_kdf((250, 500), measure=fake).n == 2**18  # 320 ms
    assert calibrate_kdf((1, 10), measure=fake) == KDF_FLOOR  # never below the floor
    assert calibrate_kdf((10**9, 10**10), measure=fake).n == 2**20  # never above the ceiling
    # A window narrower than one doubling: keep the nearer of the two neighbours.
    assert calibrate_kdf((170, 190), measure=fake).n == 2**17  # 160 ms beats 320 ms


def test_calibration_on_this_machine_returns_usable_settings(device_secret: bytes) -> None:
    # A wide window keeps this to a probe or two; the search itself is tested above.
    params = calibrate_kdf((20, 5000))
    assert params.n >= KDF_FLOOR.n
    assert KdfParams.from_dict(params.to_dict()) == params


# --- wrapped data key -------------------------------------------------------------------------


def test_right_pin_and_device_secret_unwrap_the_dek(device_secret: bytes) -> None:
    dek, wrapped = create_dek(PIN, device_secret, FAST)
    assert len(dek) == 32
    assert json.loads(json.dumps(wrapped)) == wrapped  # JSON-able
    assert set(wrapped) == {"kdf", "salt", "nonce", "ct"}
    assert unwrap_dek(PIN, device_secret, wrapped) == dek


def test_wrong_pin_is_wrong_pin_and_leaves_counting_to_the_caller(device_secret: bytes) -> None:
    _, wrapped = create_dek(PIN, device_secret, FAST)
    with pytest.raises(WrongPin) as caught:
        unwrap_dek("583028", device_secret, wrapped)
    assert caught.value.tries_left is None


def test_copied_wrapped_key_is_useless_without_the_device_secret(device_secret: bytes) -> None:
    _, wrapped = create_dek(PIN, device_secret, FAST)
    with pytest.raises(WrongPin):
        unwrap_dek(PIN, secrets.token_bytes(32), copy.deepcopy(wrapped))


def test_lowering_stored_settings_below_the_floor_is_refused(device_secret: bytes) -> None:
    _, wrapped = create_dek(PIN, device_secret, FAST)
    wrapped["kdf"]["n"] = 2**10
    with pytest.raises(KdfRefused):
        unwrap_dek(PIN, device_secret, wrapped)


def test_editing_stored_settings_above_the_floor_breaks_the_unwrap(device_secret: bytes) -> None:
    dek, wrapped = create_dek(PIN, device_secret, KdfParams(n=2**15))
    wrapped["kdf"]["n"] = 2**14  # a downgrade the floor would allow
    with pytest.raises((WrongPin, KdfRefused)):
        unwrap_dek(PIN, device_secret, wrapped)


@pytest.mark.parametrize("field", ["ct", "nonce", "salt"])
def test_flipped_byte_in_the_wrapped_key_is_refused(field: str, device_secret: bytes) -> None:
    _, wrapped = create_dek(PIN, device_secret, FAST)
    wrapped[field] = flip(wrapped[field])
    with pytest.raises(WrongPin):
        unwrap_dek(PIN, device_secret, wrapped)


@pytest.mark.parametrize(
    "damage",
    [
        lambda w: w.pop("salt"),
        lambda w: w.update(salt="not base64!"),
        lambda w: w.update(nonce=base64.b64encode(b"short").decode()),
        lambda w: w.update(extra=1),
    ],
)
def test_damaged_wrapped_key_is_a_vault_error(damage: Any, device_secret: bytes) -> None:
    _, wrapped = create_dek(PIN, device_secret, FAST)
    damage(wrapped)
    with pytest.raises(VaultError):
        unwrap_dek(PIN, device_secret, wrapped)


def test_rewrap_changes_the_pin_and_keeps_the_dek(device_secret: bytes) -> None:
    dek, wrapped = create_dek(PIN, device_secret, FAST)
    rewrapped = rewrap_dek(dek, "904712", device_secret, FAST)
    assert unwrap_dek("904712", device_secret, rewrapped) == dek
    with pytest.raises(WrongPin):
        unwrap_dek(PIN, device_secret, rewrapped)
    assert rewrapped["salt"] != wrapped["salt"]


def test_weak_pins_and_short_device_secrets_are_refused_when_wrapping() -> None:
    with pytest.raises(WeakPin):
        create_dek("123456", secrets.token_bytes(32), FAST)
    with pytest.raises(VaultError):
        create_dek(PIN, b"short", FAST)


# --- sealed envelopes -------------------------------------------------------------------------

PAYLOAD = {"note": "Mrs Example ate well; Ünïcode ✓", "dose": {"mg": 5, "given": True}}


def test_seal_then_open_gives_back_the_payload(sealer: Sealer) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    assert set(env) == {"v", "alg", "nonce", "ct", "dk"}
    assert env["v"] == 2 and env["alg"] == "A256GCM"
    assert sealer.open("records", RECORD, 1, env) == PAYLOAD
    assert b"Example" not in envelope_to_bytes(env)


def test_rows_sealed_as_version_1_before_the_update_still_open() -> None:
    # Version 1 (plain JSON inside) is what phones sealed before version 2 (deflated JSON);
    # a phone updated mid-week must still read everything it already holds.
    dek = secrets.token_bytes(32)
    aad = record_aad(TENANT, "records", RECORD, 1)
    key, nonce, dk_nonce = os.urandom(32), os.urandom(12), os.urandom(12)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    v1 = {"v": 1, "alg": "A256GCM", "nonce": b64(nonce),
          "ct": b64(AESGCM(key).encrypt(nonce, canonical_json(PAYLOAD), aad)),
          "dk": {"nonce": b64(dk_nonce),
                 "ct": b64(AESGCM(dek).encrypt(dk_nonce, key, aad + b"|dek"))}}
    assert Sealer(dek, TENANT, None).open("records", RECORD, 1, v1) == PAYLOAD


def test_escrow_adds_an_ek_and_needs_an_escrow_key(sealer: Sealer) -> None:
    with pytest.raises(VaultError):
        sealer.seal("records", RECORD, 1, PAYLOAD, escrow=True)
    _, public = generate_agency_keypair()
    escrowing = Sealer(secrets.token_bytes(32), TENANT, public)
    env = escrowing.seal("records", RECORD, 1, PAYLOAD, escrow=True)
    assert set(env["ek"]) == {"epk", "nonce", "ct"}
    assert len(base64.b64decode(env["ek"]["epk"])) == 32
    assert escrowing.open("records", RECORD, 1, env) == PAYLOAD


@pytest.mark.parametrize("path", [("ct",), ("nonce",), ("dk", "ct"), ("dk", "nonce")])
def test_one_flipped_byte_anywhere_is_a_damaged_record(
    sealer: Sealer, path: tuple[str, ...]
) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    target = env
    for key in path[:-1]:
        target = target[key]
    for index in (0, -1):
        tampered = copy.deepcopy(env)
        holder = tampered
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = flip(target[path[-1]], index)
        with pytest.raises(DamagedRecord):
            sealer.open("records", RECORD, 1, tampered)


@pytest.mark.parametrize(
    ("table", "record_id", "version"),
    [
        ("records", "0191f4c2-7c1e-7000-8000-0000000000bb", 1),
        ("records", RECORD, 2),
        ("people", RECORD, 1),
    ],
)
def test_envelope_pasted_into_another_row_is_a_damaged_record(
    sealer: Sealer, table: str, record_id: str, version: int
) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    with pytest.raises(DamagedRecord):
        sealer.open(table, record_id, version, env)


def test_envelope_from_another_tenant_is_a_damaged_record() -> None:
    dek = secrets.token_bytes(32)
    env = Sealer(dek, TENANT, None).seal("records", RECORD, 1, PAYLOAD)
    with pytest.raises(DamagedRecord):
        Sealer(dek, "another-tenant", None).open("records", RECORD, 1, env)


def test_another_devices_key_cannot_open(sealer: Sealer) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    with pytest.raises(DamagedRecord):
        Sealer(secrets.token_bytes(32), TENANT, None).open("records", RECORD, 1, env)


@pytest.mark.parametrize(
    "damage",
    [
        *HEADER_DAMAGE,
        lambda e: e.update(alg="A128GCM"),
        lambda e: e.pop("dk"),
        lambda e: e.update(ct="%%%"),
        lambda e: e.update(ct=123),
        lambda e: e.update(nonce=base64.b64encode(b"\x00" * 8).decode()),
    ],
)
def test_malformed_envelopes_are_damaged_records(sealer: Sealer, damage: Any) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    damage(env)
    with pytest.raises(DamagedRecord):
        sealer.open("records", RECORD, 1, env)


def test_a_non_canonical_base64_spelling_is_refused(sealer: Sealer) -> None:
    # Base64 decoders ignore the unused low bits of the last symbol; we must not, or one
    # envelope would have many spellings.
    env = next(
        e
        for e in (sealer.seal("records", RECORD, 1, {"pad": "a" * k}) for k in range(3))
        if e["ct"].endswith("=")
    )
    data = env["ct"].rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    respelled = data[:-1] + alphabet[alphabet.index(data[-1]) | 1] + env["ct"][len(data) :]
    assert respelled != env["ct"]
    assert base64.b64decode(respelled) == base64.b64decode(env["ct"])
    with pytest.raises(DamagedRecord):
        sealer.open("records", RECORD, 1, {**env, "ct": respelled})


def test_forget_locks_the_sealer(sealer: Sealer) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    sealer.forget()
    assert sealer.locked
    with pytest.raises(VaultError, match="locked"):
        sealer.open("records", RECORD, 1, env)
    with pytest.raises(VaultError, match="locked"):
        sealer.seal("records", RECORD, 2, PAYLOAD)


def test_nothing_secret_in_reprs(sealer: Sealer) -> None:
    dek = sealer._dek
    assert dek is not None
    text = repr(sealer)
    assert dek.hex() not in text and repr(dek) not in text and "unlocked" in text


def test_ambiguous_row_addresses_are_refused(sealer: Sealer) -> None:
    with pytest.raises(ValueError):
        sealer.seal("records|x", RECORD, 1, PAYLOAD)
    with pytest.raises(ValueError):
        Sealer(None, "a|b", None)


def test_envelope_bytes_round_trip_and_refuse_garbage(sealer: Sealer) -> None:
    env = sealer.seal("records", RECORD, 1, PAYLOAD)
    blob = envelope_to_bytes(env)
    assert b" " not in blob
    assert envelope_from_bytes(blob) == env
    for garbage in (b"\xff\xfe", b"[1,2]", b"{not json"):
        with pytest.raises(DamagedRecord):
            envelope_from_bytes(garbage)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
DEK = secrets.token_bytes(32)
_, AGENCY_PUBLIC = generate_agency_keypair()


@settings(max_examples=60, deadline=None)
@given(
    payload=st.dictionaries(st.text(max_size=10), json_values, max_size=6),
    record_id=st.text(st.characters(codec="utf-8", exclude_characters="|"), min_size=1),
    version=st.integers(min_value=0, max_value=2**31),
    escrow=st.booleans(),
)
def test_seal_open_round_trip(
    payload: dict[str, Any], record_id: str, version: int, escrow: bool
) -> None:
    sealer = Sealer(DEK, TENANT, AGENCY_PUBLIC)
    env = sealer.seal("records", record_id, version, payload, escrow=escrow)
    stored = envelope_from_bytes(envelope_to_bytes(env))
    assert sealer.open("records", record_id, version, stored) == payload
