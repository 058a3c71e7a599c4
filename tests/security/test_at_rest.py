"""What a thief with the phone's files can read: nothing personal, and no way to fake a row."""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldapp.errors import DamagedRecord, KdfRefused, VaultError, WrongPin
from fieldapp.store.replica import open_row
from fieldapp.vault.dek import envelope_from_bytes
from fieldapp.vault.keystore import FileKeyStore
from server import demo
from server.app import create_app
from server.settings import ServerSettings
from sync.client import SyncState
from tests.security.conftest import PIN, Office, Phone

NOTE = "Zebrafinch quokka marmalade; Peggy's rollator squeaks"
_CODE = re.compile(r"^[a-z_]+$|^[0-9a-f-]{36}$|^\d{4}-\d\d-\d\d|^\d\d:\d\d$")


def strings(value: Any) -> set[str]:
    """Every text leaf in a JSON-able value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


def personal(values: set[str]) -> set[str]:
    """The texts worth hunting for: long enough to be telling, and not ids, dates or codes."""
    return {v for v in values if len(v) >= 7 and not _CODE.match(v)}


@pytest.fixture
def demo_office(tmp_path: Path) -> tuple[Office, Any]:
    logins = demo.seed(tmp_path / "demo")
    settings = ServerSettings(database_url=logins.database_url, escrow_key_file=logins.key_file,
                              run_monitors=False)
    app = create_app(settings, with_console=False)
    return Office(app, agency=None), logins  # type: ignore[arg-type]


def test_after_a_real_session_no_personal_text_is_in_any_phone_file_or_log(
        tmp_path: Path, demo_office: tuple[Office, Any], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    from server.demo_data import build_demo_agency

    office, logins = demo_office
    sqlite_tmp = tmp_path / "sqlite-tmp"
    sqlite_tmp.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(sqlite_tmp))  # where SQLite would spill temp files
    caplog.set_level(logging.DEBUG)
    phone = Phone(tmp_path, office)
    try:
        s = phone.session()
        phone.enrol(s, code=logins.enrolment_code)
        assert phone.sync(s).state is SyncState.OK
        today = s.visits.day()
        assert today, "the demo worker has visits today"
        visit = today[0]
        detail = s.visits.visit(visit.id)
        s.visits.check_in(visit.id, "Traffic on the ring road")
        s.visits.add_note(visit.id, NOTE, ["In good spirits"])
        detail = s.visits.visit(visit.id)
        assert detail.person["name"] and detail.notes[0]["text"] == NOTE
        phone.sync(s)
        s.device.lock()
        s.store.close()  # as the app does when it closes (WAL stays if another reader had it)
        s2 = phone.session()  # reopen without the PIN: what a thief's tool would see
        s2.store.db.execute("SELECT COUNT(*) FROM records").fetchone()
        # While a connection is open the WAL and SHM exist: take them as they are now.
        live = {f"live {p.name}": p.read_bytes() for p in phone.files()}
        assert any(name.endswith("-wal") for name in live)
    finally:
        phone.close()

    # What this worker's phone was given: the people they visit, plans, medicines, the worker.
    agency = build_demo_agency(datetime.now(ZoneInfo("Europe/London")).date())
    mine = {v["service_user_id"] for v in agency.visits
            if v["worker_id"] == agency.workers[0]["id"]}
    secrets_ = personal(
        strings([p for p in agency.service_users if p["id"] in mine])
        | strings([m for m in agency.medicines if m["service_user_id"] in mine])
        | strings([c for c in agency.care_plans if c["service_user_id"] in mine])
        | {agency.workers[0]["name"], NOTE, "Traffic on the ring road", "In good spirits"}
    )
    assert len(secrets_) > 50 and "Margaret Holroyd" in secrets_ and "Co-careldopa" in secrets_

    files = [*phone.files(), *sorted(p for p in sqlite_tmp.rglob("*") if p.is_file())]
    assert any(p.name.endswith(".sqlite") for p in files)
    blobs = {**live, **{p.name: p.read_bytes() for p in files}}
    out, err = capfd.readouterr()
    blobs["log records"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    blobs["stdout+stderr"] = (out + err).encode()
    found = {(name, word) for name, data in blobs.items() for word in secrets_
             if word.encode() in data or word.lower().encode() in data.lower()}
    assert not found, sorted(found)[:10]
    # Control: the same hunt finds them in what the phone was served (its sync answers), and
    # not in the office database either, where people are sealed under the agency's key
    # (tests/security/test_office_dump.py hunts the whole dump).
    served = "\n".join(str(c) for c in detail.person.values()).encode()
    assert any(w.encode() in served for w in secrets_)
    server_db = Path(logins.database_url.removeprefix("sqlite:///")).read_bytes()
    assert b"Margaret Holroyd" not in server_db


def test_sqlite_settings_keep_plaintext_out_of_side_files(phone: Phone, office: Office) -> None:
    s = phone.session()
    pragma = {name: s.store.db.execute(f"PRAGMA {name}").fetchone()[0]
              for name in ("secure_delete", "temp_store", "journal_mode")}
    assert pragma == {"secure_delete": 1, "temp_store": 2, "journal_mode": "wal"}


def flip_one_bit(store: Any, person_row: dict[str, Any]) -> None:
    """Damage one bit of a sealed people row's ciphertext, as storage corruption would."""
    env = envelope_from_bytes(person_row["sealed"])
    ct = bytearray(base64.b64decode(env["ct"]))
    ct[len(ct) // 2] ^= 0x01
    env["ct"] = base64.b64encode(bytes(ct)).decode()
    with store.transaction() as db:
        db.execute("UPDATE people SET sealed = ? WHERE id = ?",
                   [json.dumps(env, sort_keys=True, separators=(",", ":")).encode(),
                    person_row["id"]])


def test_one_flipped_byte_damages_that_record_only(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    phone.sync(s)
    rows = s.store.rows("SELECT * FROM people ORDER BY id")
    plans = s.store.rows("SELECT * FROM care_plans")
    assert rows and plans
    flip_one_bit(s.store, rows[0])
    sealer = s.device.sealer()
    outcomes = []
    tables = [("people", r) for r in s.store.rows("SELECT * FROM people ORDER BY id")]
    for table, row in tables + [("care_plans", r) for r in plans]:
        try:
            open_row(sealer, table, row)
            outcomes.append("ok")
        except DamagedRecord as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == "This record is damaged and cannot be read."
    assert outcomes[1:] == ["ok"] * (len(outcomes) - 1)


def test_a_damaged_person_row_does_not_break_the_day_view(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    phone.sync(s)
    visits = s.visits
    before = visits.day()
    assert before
    first_person = s.store.rows("SELECT service_user_id FROM visits WHERE id = ?",
                                [before[0].id])[0]["service_user_id"]
    flip_one_bit(s.store, s.store.rows("SELECT * FROM people WHERE id = ?", [first_person])[0])
    after = visits.day()
    assert [v.id for v in after] == [v.id for v in before]  # every visit still listed
    assert after[0].person_name == "(record unreadable)"
    assert visits.unreadable == 1


def test_a_sealed_blob_pasted_into_another_row_or_version_is_refused(
        phone: Phone, office: Office) -> None:
    s, visit_id = phone.checked_in()
    s.visits.add_note(visit_id, "first")
    check_in, note = s.store.rows("SELECT * FROM records ORDER BY recorded_at, id")
    sealer = s.device.sealer()
    from fieldapp.store.records import open_record

    # The note's content pasted over the check-in row: it does not open there.
    with pytest.raises(DamagedRecord):
        open_record(sealer, {**check_in, "envelope": note["envelope"]})
    # The same row under another version number: refused too.
    with pytest.raises(DamagedRecord):
        open_record(sealer, {**note, "version": note["version"] + 1})
    # A person's sealed row moved under another id, or into another table.
    people = s.store.rows("SELECT * FROM people")
    plans = s.store.rows("SELECT * FROM care_plans")
    with pytest.raises(DamagedRecord):
        open_row(sealer, "people", {**people[0], "id": plans[0]["id"]})
    with pytest.raises(DamagedRecord):
        open_row(sealer, "care_plans", {**plans[0], "sealed": people[0]["sealed"]})


def test_a_copied_database_does_not_open_without_the_device_secret(
        tmp_path: Path, phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    phone.sync(s)
    s.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    (stolen / "fieldapp.sqlite").write_bytes(phone.db_path.read_bytes())
    from fieldapp.services.device import Device
    from fieldapp.store.db import DeviceStore
    from fieldapp.vault.dek import KDF_FLOOR

    thief = Device(DeviceStore(stolen / "fieldapp.sqlite"), FileKeyStore(stolen / "device.key"),
                   phone.clock, KDF_FLOOR)
    try:
        # Even the enrolment (who this phone belongs to) is sealed under the missing secret.
        with pytest.raises(Exception) as caught:
            thief.unlock(PIN)
        assert not isinstance(caught.value, AssertionError)
        assert not thief.unlocked
        # And the wrapped data key itself does not open with the right PIN and another secret.
        from fieldapp.vault.dek import unwrap_dek

        with pytest.raises(WrongPin):
            unwrap_dek(PIN, b"\x01" * 32, json.loads(thief.store.get_meta("wrapped_dek")))
    finally:
        thief.store.close()


def test_weakened_kdf_settings_in_the_file_are_refused(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    s.device.lock()
    wrapped = json.loads(s.store.get_meta("wrapped_dek"))
    for n in (2**10, 2**13):
        wrapped["kdf"]["n"] = n
        with s.store.transaction():
            s.store.set_meta("wrapped_dek", json.dumps(wrapped))
        with pytest.raises(KdfRefused):
            s.device.unlock(PIN)
    assert s.device.failed_pins() == 0  # a refusal is not a guess
    wrapped["kdf"]["name"] = "pbkdf2"
    with s.store.transaction():
        s.store.set_meta("wrapped_dek", json.dumps(wrapped))
    with pytest.raises(VaultError):
        s.device.unlock(PIN)


def test_nothing_secret_in_reprs(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    ident = s.device.identity()
    assert ident.device_token not in repr(ident)
    assert "unlocked" in repr(s.device.sealer())
    assert ident.device_token not in repr(s.device.sealer())
    conn = sqlite3.connect(phone.db_path)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    finally:
        conn.close()
    assert ident.device_token not in json.dumps(meta)
    assert ident.worker_name not in json.dumps(meta)
