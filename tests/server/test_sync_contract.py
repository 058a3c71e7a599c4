"""The sync contract (server/sync_service.py rules 1-5), run on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from fieldapp.vault.dek import Sealer
from server import enrolment
from server.enrolment import DeviceIdentity
from server.errors import UpgradeRequired
from server.schema import records, tenants
from server.sync_service import handle_sync
from sync.protocol import MAX_PULL_CHANGES, PushedRecord, SyncRequest
from tests.factories import code_for, small_agency


def enrolled(engine: Engine, worker_id: str) -> tuple[DeviceIdentity, str]:
    data = enrolment.enrol(engine, code_for(engine, worker_id))
    return enrolment.authenticate(engine, data["device_token"]), data["device_token"]


def device_for(engine: Engine, worker_id: str) -> DeviceIdentity:
    return enrolled(engine, worker_id)[0]


def sealer_for(engine: Engine, tenant_id: str) -> Sealer:
    with engine.begin() as conn:
        pub = conn.execute(select(tenants.c.escrow_public_key)).scalar_one()
    return Sealer(b"k" * 32, tenant_id, base64.b64decode(pub))


def note(sealer: Sealer, visit: dict[str, Any], text: str, rid: str | None = None,
         escrow: bool = True) -> PushedRecord:
    """A visit note about `visit` (a visit row: its id and its person's)."""
    rid = rid or str(uuid.uuid4())
    env = sealer.seal("records", rid, 1, {"text": text}, escrow=escrow)
    return PushedRecord(rid, "note", visit["id"], visit["service_user_id"],
                        datetime.now(UTC).isoformat(), 1, env)


def request(*push: PushedRecord, cursor: str | None = None) -> SyncRequest:
    return SyncRequest(protocol=1, cursor=cursor, push=list(push))


def stored(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def test_the_same_push_twice_has_one_effect(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev, sealer = device_for(engine, a.worker_id), sealer_for(engine, a.tenant_id)
    rec = note(sealer, a.visits[0], "Settled and comfortable")
    first = handle_sync(engine, dev, request(rec))
    again = handle_sync(engine, dev, request(rec))
    assert first.accepted == again.accepted == [rec.id]
    assert stored(engine) == 1


def test_same_id_with_different_content_is_refused_not_merged(engine: Engine,
                                                               tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev, sealer = device_for(engine, a.worker_id), sealer_for(engine, a.tenant_id)
    rid = str(uuid.uuid4())
    handle_sync(engine, dev, request(note(sealer, a.visits[0], "first", rid)))
    answer = handle_sync(engine, dev, request(note(sealer, a.visits[0], "second", rid)))
    assert answer.accepted == []
    assert answer.rejected[0].id == rid and "same id" in answer.rejected[0].reason
    assert stored(engine) == 1


def test_records_for_a_colleagues_visit_or_unsealed_are_refused(engine: Engine,
                                                               tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev, sealer = device_for(engine, a.worker_id), sealer_for(engine, a.tenant_id)
    theirs = note(sealer, a.visits[1], "not my visit")
    unsealed = note(sealer, a.visits[0], "no escrow", escrow=False)
    answer = handle_sync(engine, dev, request(theirs, unsealed))
    reasons = {r.id: r.reason for r in answer.rejected}
    assert "not on your rota" in reasons[theirs.id]
    assert "not sealed for the office" in reasons[unsealed.id]
    assert stored(engine) == 0


def test_a_worker_pulls_only_their_scope_and_the_cursor_moves_on(engine: Engine,
                                                                tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev = device_for(engine, a.worker_id)
    answer = handle_sync(engine, dev, request())
    entities = {(c.entity, c.id) for c in answer.changes}
    assert ("visit", a.visits[0]["id"]) in entities
    assert ("service_user", a.people[0]["id"]) in entities
    assert ("visit", a.visits[1]["id"]) not in entities
    assert ("service_user", a.people[1]["id"]) not in entities
    assert {c.entity for c in answer.changes} == {"visit", "service_user", "care_plan",
                                                  "medicine", "worker"}  # + their own profile
    assert ("worker", a.worker_id) in entities
    assert not answer.more and answer.reset  # a new phone starts from its current scope
    later = handle_sync(engine, dev, request(cursor=answer.cursor))
    assert later.changes == [] and later.cursor == answer.cursor and not later.reset


def test_an_unknown_cursor_triggers_a_full_resync(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev = device_for(engine, a.worker_id)
    full = handle_sync(engine, dev, request())
    answer = handle_sync(engine, dev, request(cursor="something-else"))
    assert answer.reset
    assert [c.id for c in answer.changes] == [c.id for c in full.changes]


def test_pull_is_paged_and_in_order(engine: Engine, tmp_path: Path) -> None:
    from server import agency

    a = small_agency(engine, tmp_path)
    dev = device_for(engine, a.worker_id)
    cursor = handle_sync(engine, dev, request()).cursor
    start = datetime.now(UTC).replace(microsecond=0)
    agency.add_visits(engine, a.tenant_id, [
        {"id": str(uuid.uuid4()), "worker_id": a.worker_id,
         "service_user_id": a.people[0]["id"], "visit_type": "morning",
         "start": start.isoformat(), "end": start.isoformat()}
        for _ in range(MAX_PULL_CHANGES + 20)
    ])
    first = handle_sync(engine, dev, request(cursor=cursor))
    assert first.more and len(first.changes) == MAX_PULL_CHANGES
    second = handle_sync(engine, dev, request(cursor=first.cursor))
    assert not second.more and len(second.changes) == 20
    ids = [c.id for c in first.changes + second.changes]
    assert len(ids) == len(set(ids))


def test_an_expired_cursor_gets_the_current_scope_not_a_gap(engine: Engine,
                                                           tmp_path: Path) -> None:
    from server import agency, scope

    a = small_agency(engine, tmp_path)
    dev = device_for(engine, a.worker_id)
    old_cursor = handle_sync(engine, dev, request()).cursor
    start = datetime.now(UTC).replace(microsecond=0)
    new_visit = str(uuid.uuid4())
    agency.add_visits(engine, a.tenant_id, [
        {"id": new_visit, "worker_id": a.worker_id, "service_user_id": a.people[0]["id"],
         "visit_type": "morning", "start": start.isoformat(), "end": start.isoformat()}])
    with engine.begin() as conn:
        scope.compact_feed(conn, a.tenant_id, scope.clock(conn, a.tenant_id))
    answer = handle_sync(engine, dev, request(cursor=old_cursor))
    assert answer.reset
    visits = {c.id for c in answer.changes if c.entity == "visit"}
    assert visits == {a.visits[0]["id"], new_visit}
    assert handle_sync(engine, dev, request(cursor=answer.cursor)).changes == []


def test_a_full_resync_leaves_out_visits_older_than_the_retention_window(
    engine: Engine, tmp_path: Path
) -> None:
    from server import agency

    a = small_agency(engine, tmp_path)
    long_ago = (datetime.now(UTC) - timedelta(days=40)).replace(microsecond=0)
    agency.add_visits(engine, a.tenant_id, [
        {"id": str(uuid.uuid4()), "worker_id": a.worker_id,
         "service_user_id": a.people[0]["id"], "visit_type": "morning",
         "start": long_ago.isoformat(), "end": long_ago.isoformat()}])
    answer = handle_sync(engine, device_for(engine, a.worker_id), request(), retention_days=14)
    assert {c.id for c in answer.changes if c.entity == "visit"} == {a.visits[0]["id"]}
    assert answer.retention_days == 14


def test_a_revoked_phone_still_delivers_its_records_then_is_told_to_wipe(
    engine: Engine, tmp_path: Path
) -> None:
    a = small_agency(engine, tmp_path)
    (dev, token), sealer = enrolled(engine, a.worker_id), sealer_for(engine, a.tenant_id)
    enrolment.revoke(engine, dev.id, by="test")
    dev = enrolment.authenticate(engine, token)
    assert dev.revoked
    rec = note(sealer, a.visits[0], "written before the phone was lost")
    answer = handle_sync(engine, dev, request(rec))
    assert answer.accepted == [rec.id] and answer.wipe and answer.changes == []


def test_a_different_protocol_version_is_told_to_upgrade(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    dev = device_for(engine, a.worker_id)
    with pytest.raises(UpgradeRequired):
        handle_sync(engine, dev, SyncRequest(protocol=99, cursor=None))
