"""The office's answer to a worker's escalation (feed entity "escalation") on the phone: a clear
row of codes and times, newer versions only, purged with its record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import Author, write_record
from fieldapp.vault.dek import Sealer, generate_agency_keypair

AUTHOR = Author("tenant-1", "worker-1", "device-1")
ACK = "2026-11-23T09:12:00+00:00"


def answer(rid: str, version: int, state: str, **extra: Any) -> dict[str, Any]:
    return {"entity": "escalation", "id": rid, "op": "upsert", "version": version,
            "body": {"record_id": rid, "reference": "E-7", "state": state,
                     "acknowledged_at": None, "resolved_at": None, "outcome": None, **extra}}


def apply(store: DeviceStore, sealer: Sealer, changes: list[dict[str, Any]]) -> None:
    replica.apply_response(store, accepted=[], rejected=[], changes=changes, cursor="c1.9",
                           reset=False, at="2026-11-23T09:30:00+00:00", sealer=sealer)


def status(store: DeviceStore) -> list[dict[str, Any]]:
    return store.rows("SELECT * FROM escalation_status")


def test_the_offices_answer_is_kept_in_clear_and_only_moves_forward(tmp_path: Path) -> None:
    store = DeviceStore(tmp_path / "phone.sqlite")
    sealer = Sealer(b"d" * 32, "tenant-1", generate_agency_keypair()[1])
    apply(store, sealer, [answer("e-1", 2, "acknowledged", acknowledged_at=ACK)])
    assert status(store) == [{"record_id": "e-1", "state": "acknowledged",
                              "acknowledged_at": ACK, "resolved_at": None, "outcome": None,
                              "version": 2}]
    apply(store, sealer, [answer("e-1", 1, "raised")])  # a late, older copy
    assert status(store)[0]["state"] == "acknowledged"
    apply(store, sealer, [answer("e-1", 3, "resolved", acknowledged_at=ACK,
                                 resolved_at=ACK, outcome="gp_visit")])
    assert (status(store)[0]["state"], status(store)[0]["outcome"]) == ("resolved", "gp_visit")
    apply(store, sealer, [{"entity": "escalation", "id": "e-1", "op": "delete", "version": 4}])
    assert status(store) == []


def test_purging_an_old_visit_drops_its_escalations_answer(tmp_path: Path) -> None:
    store = DeviceStore(tmp_path / "phone.sqlite")
    sealer = Sealer(b"d" * 32, "tenant-1", generate_agency_keypair()[1])
    apply(store, sealer, [{"entity": "visit", "id": "v-old", "op": "upsert", "version": 1,
                           "body": {"worker_id": "worker-1", "service_user_id": "p-1",
                                    "visit_type": "morning",
                                    "start": "2026-10-01T08:00:00+00:00",
                                    "end": "2026-10-01T08:30:00+00:00"}}])
    with store.transaction() as db:
        rid = write_record(db, sealer, AUTHOR, kind="escalation", visit_id="v-old",
                           service_user_id="p-1", recorded_at="2026-10-01T08:10:00+00:00",
                           payload={"text": "x"}, facts={"type": "fall", "severity": "urgent"})
    replica.apply_response(store, accepted=[rid], rejected=[],
                           changes=[answer(rid, 2, "acknowledged")], cursor="c1.10",
                           reset=False, at=ACK, sealer=sealer)
    assert len(status(store)) == 1
    assert replica.purge_older_than(store, "2026-11-01T00:00:00+00:00") == 1
    assert status(store) == []
