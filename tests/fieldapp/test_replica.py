"""The phone's replica: applying the office's changes and purging old, acknowledged data."""

from __future__ import annotations

from pathlib import Path

from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, write_record
from fieldapp.vault.dek import Sealer, generate_agency_keypair

AUTHOR = Author("tenant-1", "worker-1", "device-1")


def store_with_two_visits(tmp_path: Path) -> tuple[DeviceStore, Sealer]:
    store = DeviceStore(tmp_path / "phone.sqlite")
    sealer = Sealer(b"d" * 32, "tenant-1", generate_agency_keypair()[1])
    changes = [
        {"entity": "service_user", "id": "p-old", "op": "upsert", "version": 1,
         "body": {"name": "Edna Marsh"}},
        {"entity": "service_user", "id": "p-new", "op": "upsert", "version": 1,
         "body": {"name": "Stanley Cope"}},
        {"entity": "visit", "id": "v-old", "op": "upsert", "version": 1,
         "body": {"worker_id": "worker-1", "service_user_id": "p-old", "visit_type": "morning",
                  "start": "2026-10-01T08:00:00+00:00", "end": "2026-10-01T08:30:00+00:00"}},
        {"entity": "visit", "id": "v-new", "op": "upsert", "version": 1,
         "body": {"worker_id": "worker-1", "service_user_id": "p-new", "visit_type": "morning",
                  "start": "2026-11-23T08:00:00+00:00", "end": "2026-11-23T08:30:00+00:00"}},
    ]
    replica.apply_response(store, accepted=[], rejected=[], changes=changes, cursor="c1.4",
                           reset=False, at="2026-11-23T09:00:00+00:00", sealer=sealer)
    return store, sealer


def note(store: DeviceStore, sealer: Sealer, visit: str, person: str) -> str:
    with store.transaction() as db:
        return write_record(db, sealer, AUTHOR, kind="note", visit_id=visit,
                            service_user_id=person, recorded_at="2026-10-01T08:10:00+00:00",
                            payload={"text": "ok"})


def test_purge_drops_old_visits_the_office_has_and_people_no_visit_needs(tmp_path: Path) -> None:
    store, sealer = store_with_two_visits(tmp_path)
    rid = note(store, sealer, "v-old", "p-old")
    replica.apply_response(store, accepted=[rid], rejected=[], changes=[], cursor=None,
                           reset=False, at="2026-11-23T09:00:00+00:00", sealer=sealer)
    assert replica.purge_older_than(store, "2026-11-09T09:00:00+00:00") == 1
    assert [r["id"] for r in store.rows("SELECT id FROM visits")] == ["v-new"]
    assert [r["id"] for r in store.rows("SELECT id FROM people")] == ["p-new"]
    assert store.rows("SELECT id FROM records") == []


def test_purge_never_drops_a_record_the_office_has_not_received(tmp_path: Path) -> None:
    store, sealer = store_with_two_visits(tmp_path)
    note(store, sealer, "v-old", "p-old")  # still only on the phone
    assert replica.purge_older_than(store, "2026-11-09T09:00:00+00:00") == 0
    assert len(store.rows("SELECT id FROM visits")) == 2
    assert replica.counts(store).on_phone == 1


def test_a_reset_replaces_the_office_data_but_keeps_the_workers_records(tmp_path: Path) -> None:
    store, sealer = store_with_two_visits(tmp_path)
    note(store, sealer, "v-old", "p-old")
    replica.apply_response(
        store, accepted=[], rejected=[], reset=True, at="2026-11-23T09:00:00+00:00",
        sealer=sealer, cursor="c1.9",
        changes=[{"entity": "visit", "id": "v-new", "op": "upsert", "version": 2,
                  "body": {"worker_id": "worker-1", "service_user_id": "p-new",
                           "visit_type": "lunch", "start": "2026-11-23T12:00:00+00:00",
                           "end": "2026-11-23T12:30:00+00:00"}}])
    assert [r["visit_type"] for r in store.rows("SELECT visit_type FROM visits")] == ["lunch"]
    assert replica.counts(store).on_phone == 1
    assert replica.cursor(store) == "c1.9"
