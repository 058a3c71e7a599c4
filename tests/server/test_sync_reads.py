"""Pull-only syncs read without taking the write lock; "last seen" is written only when stale;
pushed fields too long for the office's columns are refused by name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from server import enrolment
from server.schema import devices
from server.storage import make_engine, migrate
from server.sync_service import handle_sync
from sync.protocol import ProtocolError, SyncRequest
from tests.factories import small_agency
from tests.server.test_sync_contract import enrolled, note, sealer_for


def seen(engine: Engine, device_id: str) -> tuple[str | None, str | None]:
    with engine.begin() as conn:
        row = conn.execute(select(devices.c.last_seen_at, devices.c.app_version)
                           .where(devices.c.id == device_id)).one()
    return row.last_seen_at, row.app_version


def pull(app_version: str = "1.4.0", cursor: str | None = None) -> SyncRequest:
    return SyncRequest(protocol=1, cursor=cursor, push=[], app_version=app_version)


def test_last_seen_is_written_when_stale_or_the_app_changed_not_on_every_sync(
    engine: Engine, tmp_path: Path
) -> None:
    a = small_agency(engine, tmp_path)
    dev, token = enrolled(engine, a.worker_id)
    assert seen(engine, dev.id)[0] is None
    answer = handle_sync(engine, dev, pull())
    first, version = seen(engine, dev.id)
    assert first is not None and version == "1.4.0" and answer.reset
    # The office reads the device afresh at every sync.
    handle_sync(engine, enrolment.authenticate(engine, token), pull(cursor=answer.cursor))
    assert seen(engine, dev.id) == (first, "1.4.0")  # minutes later: nothing written
    handle_sync(engine, enrolment.authenticate(engine, token),
                pull(app_version="1.5.0", cursor=answer.cursor))
    later, version = seen(engine, dev.id)
    assert version == "1.5.0" and later is not None and later >= first


def test_a_pull_only_sync_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    a = small_agency(engine, tmp_path)
    dev, token = enrolled(engine, a.worker_id)
    sealer = sealer_for(engine, a.tenant_id)
    cursor = handle_sync(engine, dev, SyncRequest(1, None, [note(sealer, a.visits[0],
                                                                  "Settled")], "1.4.0")).cursor
    fresh = enrolment.authenticate(engine, token)  # last seen just now
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds SQLite's write lock
    try:
        full = handle_sync(engine, fresh, pull())  # a full resync: reads only
        since = handle_sync(engine, fresh, pull(cursor=cursor))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert {c.entity for c in full.changes} >= {"visit", "service_user"}
    assert since.changes == [] and since.cursor == cursor
    engine.dispose()


@pytest.mark.parametrize(("field", "value"), [
    ("visit_id", "v" * 37), ("service_user_id", "p" * 37),
    ("corrects", "c" * 37), ("recorded_at", "2026-11-23T08:00:00+00:00" + "0" * 20),
])
def test_fields_longer_than_the_office_keeps_are_refused_by_name(
    engine: Engine, tmp_path: Path, field: str, value: str
) -> None:
    a = small_agency(engine, tmp_path)
    record = note(sealer_for(engine, a.tenant_id), a.visits[0], "Ate well").to_dict()
    record[field] = value
    # The record is refused on its own, by field name; a record without a proper id makes
    # the whole request wrong (there is nothing to refuse it by).
    request = SyncRequest.from_dict({"protocol": 1, "cursor": None, "push": [record]})
    assert request.push == [] and f"'{field}'" in request.refused[0].reason
    record["id"] = "x" * 37
    with pytest.raises(ProtocolError, match="push\\[0\\]: field 'id' must be a UUID"):
        SyncRequest.from_dict({"protocol": 1, "cursor": None, "push": [record]})
