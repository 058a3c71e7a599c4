"""The office opens what phones seal for it, and nothing else (the two ends of the envelope)."""

from __future__ import annotations

import ast
import base64
import copy
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from hypothesis import given, settings
from hypothesis import strategies as st

import server.escrow
from fieldapp.vault.dek import Sealer, envelope_from_bytes, envelope_to_bytes
from server.escrow import (
    EnvelopeDamaged,
    generate_agency_keypair,
    generate_keypair_files,
    load_private_key,
    open_envelope,
    public_key_raw,
)
from sync.envelope import ESCROW_INFO, MAX_PLAINTEXT_BYTES, canonical_json, pack_plaintext
from tests.support.envelopes import HEADER_DAMAGE

TENANT = "0191f4c2-7c1e-7000-8000-000000000001"
RECORD = "0191f4c2-7c1e-7000-8000-0000000000aa"
PAYLOAD = {"note": "Fell in the kitchen; no injury", "worker_id": "w-1"}
PRIVATE_RAW, PUBLIC_RAW = generate_agency_keypair()
AGENCY = X25519PrivateKey.from_private_bytes(PRIVATE_RAW)


def phone(public: bytes = PUBLIC_RAW, tenant: str = TENANT) -> Sealer:
    return Sealer(secrets.token_bytes(32), tenant, public)


def flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 0x80
    return base64.b64encode(bytes(raw)).decode()


def test_server_module_imports_nothing_from_the_phone() -> None:
    tree = ast.parse(Path(server.escrow.__file__).read_text())
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    allowed = ("cryptography", "sync.envelope", "__future__")
    stdlib = {"base64", "binascii", "json", "os", "stat", "pathlib", "typing", "zlib"}
    for module in modules:
        assert module and (module in stdlib or module.startswith(allowed)), module


def test_phone_seals_with_escrow_and_the_office_opens_it() -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD, escrow=True)
    stored = envelope_from_bytes(envelope_to_bytes(env))
    assert open_envelope(AGENCY, TENANT, "records", RECORD, 1, stored) == PAYLOAD


def test_an_envelope_without_escrow_cannot_be_opened_by_the_office() -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD)
    with pytest.raises(EnvelopeDamaged, match="escrow"):
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, env)


def test_another_agencys_key_cannot_open() -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD, escrow=True)
    other = X25519PrivateKey.generate()
    with pytest.raises(EnvelopeDamaged):
        open_envelope(other, TENANT, "records", RECORD, 1, env)


@pytest.mark.parametrize(
    ("tenant", "table", "record_id", "version"),
    [
        ("0191f4c2-7c1e-7000-8000-000000000002", "records", RECORD, 1),
        (TENANT, "people", RECORD, 1),
        (TENANT, "records", "0191f4c2-7c1e-7000-8000-0000000000bb", 1),
        (TENANT, "records", RECORD, 2),
        (TENANT, "records|x", RECORD, 1),
    ],
)
def test_envelope_presented_for_another_row_is_damaged(
    tenant: str, table: str, record_id: str, version: int
) -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD, escrow=True)
    with pytest.raises(EnvelopeDamaged):
        open_envelope(AGENCY, tenant, table, record_id, version, env)


@pytest.mark.parametrize(
    "path", [("ct",), ("nonce",), ("ek", "ct"), ("ek", "nonce"), ("ek", "epk")]
)
def test_one_flipped_byte_is_damaged(path: tuple[str, ...]) -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD, escrow=True)
    tampered = copy.deepcopy(env)
    holder = tampered
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = flip(holder[path[-1]])
    with pytest.raises(EnvelopeDamaged):
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, tampered)


def test_escrow_copy_swapped_in_from_another_record_is_damaged() -> None:
    sealer = phone()
    mine = sealer.seal("records", RECORD, 1, PAYLOAD, escrow=True)
    other = sealer.seal("records", RECORD[:-2] + "bb", 1, {"note": "other"}, escrow=True)
    with pytest.raises(EnvelopeDamaged):
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, {**mine, "ek": other["ek"]})


@pytest.mark.parametrize(
    "damage",
    [
        *HEADER_DAMAGE,
        lambda e: e.update(alg="none"),
        lambda e: e.update(ek="x"),
        lambda e: e["ek"].update(epk=base64.b64encode(bytes(32)).decode()),  # low-order point
        lambda e: e["ek"].update(epk="%%%"),
        lambda e: e.update(ct=None),
    ],
)
def test_malformed_envelopes_are_damaged(damage: Any) -> None:
    env = phone().seal("records", RECORD, 1, PAYLOAD, escrow=True)
    damage(env)
    with pytest.raises(EnvelopeDamaged):
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, env)


@settings(max_examples=40, deadline=None)
@given(
    payload=st.dictionaries(
        st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text()), max_size=6
    ),
    version=st.integers(min_value=0, max_value=2**31),
)
def test_phone_to_office_round_trip(payload: dict[str, Any], version: int) -> None:
    env = phone().seal("records", RECORD, version, payload, escrow=True)
    assert open_envelope(AGENCY, TENANT, "records", RECORD, version, env) == payload


# --- envelope versions -----------------------------------------------------------------------

def sealed_raw(plaintext: bytes, v: int, record_id: str = RECORD) -> dict[str, Any]:
    """An envelope of version `v` around exactly `plaintext` (escrow copy only), built from the
    format in docs/architecture.md, so old and hostile envelopes can be made on purpose."""
    aad = f"{TENANT}|records|{record_id}|1".encode()
    record_key, nonce, ek_nonce = os.urandom(32), os.urandom(12), os.urandom(12)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes_raw()
    k = HKDF(hashes.SHA256(), 32, None, ESCROW_INFO + epk).derive(
        ephemeral.exchange(X25519PublicKey.from_public_bytes(PUBLIC_RAW)))
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {"v": v, "alg": "A256GCM", "nonce": b64(nonce),
            "ct": b64(AESGCM(record_key).encrypt(nonce, plaintext, aad)),
            "ek": {"epk": b64(epk), "nonce": b64(ek_nonce),
                   "ct": b64(AESGCM(k).encrypt(ek_nonce, record_key, aad + b"|escrow"))}}


def test_version_1_records_sealed_before_the_change_still_open() -> None:
    env = sealed_raw(canonical_json(PAYLOAD), v=1)
    assert open_envelope(AGENCY, TENANT, "records", RECORD, 1, env) == PAYLOAD


def test_version_2_content_is_smaller_than_its_json() -> None:
    check_in = {"at": "2026-11-23T07:02:00+00:00", "location": None, "location_consent": False,
                "minutes": 2, "reason": None, "timing": "on_time"}
    env = phone().seal("records", RECORD, 1, check_in, escrow=True)
    assert env["v"] == 2
    sealed = len(base64.b64decode(env["ct"])) - 16  # less the GCM tag
    assert sealed < len(canonical_json(check_in)) // 2
    assert open_envelope(AGENCY, TENANT, "records", RECORD, 1, env) == check_in


def test_a_record_that_inflates_past_the_limit_is_damaged_not_a_memory_blow_up() -> None:
    huge = json.dumps({"text": " " * (MAX_PLAINTEXT_BYTES + 1)}).encode()
    env = sealed_raw(pack_plaintext(huge), v=2)
    assert len(env["ct"]) < 8000  # a small push...
    with pytest.raises(EnvelopeDamaged, match="too large"):  # ...that would be over 1 MiB
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, env)


@pytest.mark.parametrize("packed", [b"\x00garbage", pack_plaintext(b'{"a":1}')[:-2],
                                    pack_plaintext(b'{"a":1}') + b"tail"])
def test_version_2_content_that_does_not_inflate_cleanly_is_damaged(packed: bytes) -> None:
    with pytest.raises(EnvelopeDamaged):
        open_envelope(AGENCY, TENANT, "records", RECORD, 1, sealed_raw(packed, v=2))


# --- the agency key pair ----------------------------------------------------------------------


def test_key_files_are_0600_and_load_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "escrow.key"
    public = generate_keypair_files(path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_private_key(str(path))
    assert public_key_raw(key) == public
    env = phone(public).seal("records", RECORD, 1, PAYLOAD, escrow=True)
    assert open_envelope(key, TENANT, "records", RECORD, 1, env) == PAYLOAD


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    generate_keypair_files(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        generate_keypair_files(path)
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    generate_keypair_files(path)
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_private_key(str(path))


def test_key_loads_from_base64_and_pem_without_echoing_it(tmp_path: Path) -> None:
    b64 = base64.b64encode(PRIVATE_RAW).decode()
    assert public_key_raw(load_private_key(b64)) == PUBLIC_RAW
    pem = tmp_path / "escrow.pem"
    pem.write_bytes(AGENCY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    pem.chmod(0o600)
    assert public_key_raw(load_private_key(str(pem))) == PUBLIC_RAW
    short = base64.b64encode(PRIVATE_RAW[:31]).decode()
    with pytest.raises(ValueError) as caught:
        load_private_key(short)
    assert short not in str(caught.value)
