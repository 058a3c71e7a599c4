"""The one sealed-record format (sync/envelope.py): both versions, both keys, defined once."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from fieldapp.errors import DamagedRecord
from fieldapp.vault.sealing import Sealer
from server.escrow import open_envelope
from sync import envelope
from sync.envelope import EnvelopeDamaged, open_with_dek, open_with_escrow, seal
from sync.protocol import uuid7

ROOT = Path(__file__).resolve().parents[2]
TENANT = "0191f4c2-7c1e-7000-8000-000000000001"
RECORD = "0191f4c2-7c1e-7000-8000-0000000000aa"
PAYLOAD = {"note": "Ate well; Ünïcode ✓", "outcome": "taken", "n": 3}
PRIVATE_RAW, PUBLIC_RAW = envelope.generate_agency_keypair()
AGENCY = X25519PrivateKey.from_private_bytes(PRIVATE_RAW)
DEK = secrets.token_bytes(32)


def test_the_version_2_dictionary_is_pinned() -> None:
    # Version 2 records can only ever be opened with exactly these bytes: editing them would make
    # every record sealed since unreadable. A new dictionary is a new version.
    pinned = "20eebadc77cb8ecd22adf70caa8839b3762c0610d2b6e00dee12d627d80d61cd"
    assert hashlib.sha256(envelope.PAYLOAD_DICTIONARY_V2).hexdigest() == pinned


def test_the_format_is_written_once() -> None:
    # The phone's vault, the office's escrow and the office's own sealing all call this module;
    # a second copy of the dictionary, the escrow HKDF label or the wrapping labels is a fork.
    marks = re.compile(r'zdict\s*=|PAYLOAD_DICTIONARY_V2\s*=|fieldapp-escrow-v1|b"\|escrow"'
                       r'|b"\|dek"')
    found = [
        str(path.relative_to(ROOT))
        for package in ("fieldapp", "server", "screens", "sync", "bench")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "sync" / "envelope.py" and marks.search(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize("version", [1, 2])
def test_both_versions_open_with_either_key(version: int) -> None:
    env = seal(PAYLOAD, TENANT, "records", RECORD, 1, dek=DEK, escrow_to=PUBLIC_RAW,
               envelope_version=version)
    assert env["v"] == version
    assert open_with_dek(DEK, TENANT, "records", RECORD, 1, env) == PAYLOAD
    assert open_with_escrow(AGENCY, TENANT, "records", RECORD, 1, env) == PAYLOAD


def test_today_seals_version_2_and_it_is_smaller_than_version_1() -> None:
    check_in = {"at": "2026-11-23T07:02:00+00:00", "location": None, "location_consent": False,
                "minutes": 2, "reason": None, "timing": "on_time"}
    v2 = seal(check_in, TENANT, "records", RECORD, 1, dek=DEK)
    v1 = seal(check_in, TENANT, "records", RECORD, 1, dek=DEK, envelope_version=1)
    assert v2["v"] == envelope.ENVELOPE_VERSION == 2
    assert len(v2["ct"]) < len(v1["ct"]) // 2


def test_the_phone_and_the_office_open_each_others_envelopes() -> None:
    phone = Sealer(DEK, TENANT, PUBLIC_RAW)
    from_phone = phone.seal("records", RECORD, 1, PAYLOAD, escrow=True)
    assert open_envelope(AGENCY, TENANT, "records", RECORD, 1, from_phone) == PAYLOAD
    # What the office seals carries the office copy only: no phone can open it with its key.
    from_office = seal(PAYLOAD, TENANT, "records", RECORD, 1, escrow_to=PUBLIC_RAW)
    assert set(from_office) == {"v", "alg", "nonce", "ct", "ek"}
    assert open_envelope(AGENCY, TENANT, "records", RECORD, 1, from_office) == PAYLOAD
    with pytest.raises(DamagedRecord):
        phone.open("records", RECORD, 1, from_office)


def test_sealing_needs_a_key_a_dict_and_a_valid_address() -> None:
    with pytest.raises(ValueError, match="both"):
        seal(PAYLOAD, TENANT, "records", RECORD, 1)
    with pytest.raises(ValueError, match="32 bytes"):
        seal(PAYLOAD, TENANT, "records", RECORD, 1, dek=b"short")
    with pytest.raises(ValueError, match="version"):
        seal(PAYLOAD, TENANT, "records", RECORD, 1, dek=DEK, envelope_version=3)
    with pytest.raises(ValueError):
        seal(PAYLOAD, TENANT, "records|x", RECORD, 1, dek=DEK)
    with pytest.raises(TypeError):
        seal([1], TENANT, "records", RECORD, 1, dek=DEK)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e.pop("dk"),
        lambda e: e.update(v=3),
        lambda e: e.update(alg="A128GCM"),
        lambda e: e["dk"].update(ct="%%%"),
        lambda e: e.update(nonce=envelope.b64e(b"\x00" * 8)),
    ],
)
def test_damage_is_envelope_damaged_with_no_content_in_the_message(damage: Any) -> None:
    env = seal(PAYLOAD, TENANT, "records", RECORD, 1, dek=DEK)
    damage(env)
    with pytest.raises(EnvelopeDamaged) as caught:
        open_with_dek(DEK, TENANT, "records", RECORD, 1, env)
    assert "Ate well" not in str(caught.value)


def test_an_invalid_address_when_opening_is_damage_not_a_crash() -> None:
    env = seal(PAYLOAD, TENANT, "records", RECORD, 1, dek=DEK)
    with pytest.raises(EnvelopeDamaged, match="address"):
        open_with_dek(DEK, TENANT, "records|x", RECORD, 1, env)


def test_content_that_inflates_past_1_mib_is_damaged() -> None:
    huge = {"text": " " * envelope.MAX_PLAINTEXT_BYTES}
    env = seal(huge, TENANT, "records", RECORD, 1, dek=DEK)
    assert len(env["ct"]) < 8000  # small on the wire, over the cap once inflated
    with pytest.raises(EnvelopeDamaged, match="too large"):
        open_with_dek(DEK, TENANT, "records", RECORD, 1, env)
    room = envelope.MAX_PLAINTEXT_BYTES - len(envelope.canonical_json({"text": ""}))
    just_under = {"text": " " * room}  # exactly 1 MiB of JSON still opens
    env = seal(just_under, TENANT, "records", RECORD, 1, dek=DEK)
    assert open_with_dek(DEK, TENANT, "records", RECORD, 1, env) == just_under


def test_uuid7_ids_sort_by_time_and_carry_their_version() -> None:
    early, late = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert uuid.UUID(early).version == 7 and uuid.UUID(early).variant == uuid.RFC_4122
    assert early < late
    assert int(uuid.UUID(early).hex[:12], 16) == 1_700_000_000_000
    assert len({uuid7(5) for _ in range(100)}) == 100
