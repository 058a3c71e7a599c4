"""Office data sealed at rest: the agency's data key, sealed people, plans, medicines and feed
bodies, the blind index for look-ups by name, and a private SQLite file and folder."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from server import datakeys, escrow, feed, sealing
from server.schema import audit_log, care_plans, medicines, service_users, tenants
from server.schema import feed as feed_t
from server.services.people import find_people, open_people
from server.services.sign_in import sign_in
from server.storage import make_engine, migrate
from tests.factories import PASSWORD, SmallAgency, small_agency


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> SmallAgency:
    return small_agency(engine, tmp_path, datetime.now(UTC))


def test_the_data_key_is_wrapped_to_the_escrow_key_and_only_it_opens_it(
        engine: Engine, office: SmallAgency, tmp_path: Path) -> None:
    with engine.connect() as conn:
        wrapped = conn.execute(select(tenants.c.data_key)).scalar_one()
        held = datakeys.keys_for(conn, office.tenant_id)
    assert sealing.is_sealed(wrapped) and "ek" in wrapped and "dk" not in wrapped
    key = escrow.load_private_key(str(office.key_file))
    assert datakeys.unwrap(key, office.tenant_id, wrapped) == held

    datakeys.forget()  # a fresh process: nothing unwrapped yet
    other, _ = escrow.generate_agency_keypair()
    other_file = tmp_path / "not-ours.key"
    other_file.write_text(__import__("base64").b64encode(other).decode())
    other_file.chmod(0o600)
    datakeys.use_escrow_key(f"test-other-{uuid.uuid4()}",
                            lambda: escrow.load_private_key(str(other_file)))
    with engine.connect() as conn:
        with pytest.raises(datakeys.KeyUnavailable) as refused:
            datakeys.keys_for(conn, office.tenant_id, escrow.load_private_key(str(other_file)))
        assert "escrow key" in str(refused.value)
        # Given the agency's own escrow key, the same pair comes back (and is cached).
        assert datakeys.keys_for(conn, office.tenant_id, key) == held
        assert datakeys.keys_for(conn, office.tenant_id) == held


def test_people_plans_medicines_and_feed_bodies_are_stored_sealed_and_open_per_row(
        engine: Engine, office: SmallAgency) -> None:
    person = office.people[0]
    with engine.connect() as conn:
        keys = datakeys.keys_for(conn, office.tenant_id)
        for table, name in ((service_users, "service_users"), (care_plans, "care_plans"),
                            (medicines, "medicines")):
            rows = conn.execute(select(table)).mappings().all()
            assert rows and all(sealing.is_sealed(r["body"]) for r in rows), name
            assert all(person["name"] not in str(r["body"]) for r in rows)
        people = conn.execute(select(service_users).order_by(service_users.c.id)).all()
        first = sealing.open_body(keys, office.tenant_id, "service_users", people[0].id,
                                  people[0].version, people[0].body)
        assert first["name"] in {p["name"] for p in office.people}
        # A body pasted into another row, or read at another version, does not open.
        with pytest.raises(sealing.EnvelopeDamaged):
            sealing.open_body(keys, office.tenant_id, "service_users", people[1].id,
                              people[1].version, people[0].body)
        with pytest.raises(sealing.EnvelopeDamaged):
            sealing.open_body(keys, office.tenant_id, "service_users", people[0].id,
                              people[0].version + 1, people[0].body)
        stored = conn.execute(select(feed_t).where(feed_t.c.body.is_not(None))).all()
        assert stored and all(sealing.is_sealed(r.body) for r in stored)
        served = feed.pull(conn, office.tenant_id, office.worker_id, 0, 1000)
    mine = {c["entity_id"]: c["body"] for c in served}
    assert mine[person["id"]]["name"] == person["name"]
    assert mine[person["id"]]["allergies"] == person["allergies"]


def test_the_office_finds_a_person_by_name_through_the_blind_index_audited(
        engine: Engine, office: SmallAgency) -> None:
    who = sign_in(engine, office.coordinator_email, PASSWORD)
    margaret = office.people[0]
    with engine.connect() as conn:
        keys = datakeys.keys_for(conn, office.tenant_id)
        index = conn.execute(select(service_users.c.name_index)
                             .where(service_users.c.id == margaret["id"])).scalar_one()
    # Keyed: neither the name nor a plain hash of it, so no list of names can be run on it.
    assert index == sealing.name_index(keys, "Margaret Ellison")
    assert index != hashlib.sha256(b"margaret ellison").hexdigest()
    assert "margaret" not in index.lower()

    found = find_people(engine, who, "  margaret   ELLISON ")
    assert [(m.id, m.name) for m in found] == [(margaret["id"], "Margaret Ellison")]
    assert find_people(engine, who, "Margaret") == []  # whole names only, no partial scans
    assert find_people(engine, who, "Nobody Here") == []
    assert find_people(engine, who, "   ") == []
    with engine.connect() as conn:
        reads = conn.execute(select(audit_log.c.action, audit_log.c.target_id)
                             .where(audit_log.c.action == "read_person")).all()
    assert reads == [("read_person", margaret["id"])]


def test_a_person_whose_record_does_not_open_is_left_out_not_a_crash(
        engine: Engine, office: SmallAgency) -> None:
    who = sign_in(engine, office.coordinator_email, PASSWORD)
    a, b = office.people
    with engine.begin() as conn:
        b_body = conn.execute(select(service_users.c.body)
                              .where(service_users.c.id == b["id"])).scalar_one()
        conn.execute(update(service_users).where(service_users.c.id == a["id"])
                     .values(body=b_body))
        opened = open_people(conn, who, [a["id"], b["id"]], datetime.now(UTC))
    assert set(opened) == {b["id"]}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_sqlite_file_is_0600_and_its_folder_0700_on_creation_and_on_start(
        tmp_path: Path) -> None:
    folder = tmp_path / "var" / "office"
    db = folder / "fieldapp.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with engine.begin() as conn:  # a write, so the WAL and shared-memory files exist
        conn.execute(update(tenants).values(name="x"))
    assert _mode(folder) == 0o700 and _mode(db) == 0o600
    for side in ("-wal", "-shm"):
        if Path(f"{db}{side}").exists():
            assert _mode(Path(f"{db}{side}")) == 0o600, side
    engine.dispose()

    # Loosened by hand (a restore, a copy): the next start takes it back.
    folder.chmod(0o755)
    db.chmod(0o644)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tenants)).scalar_one() == 0
    assert _mode(folder) == 0o700 and _mode(db) == 0o600
    engine.dispose()
