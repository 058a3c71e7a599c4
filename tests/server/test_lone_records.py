"""The office reads what a sealed lone-worker record says with its own agency's escrow key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.schema import escalations
from server.sync_service import handle_sync
from sync.protocol import PushedRecord, uuid7
from tests.server.test_agencies import sealer, two
from tests.server.test_sync_contract import device_for, request

__all__ = ["two"]  # the two-agency fixture, used by name


def test_each_agencys_sos_is_read_with_that_agencys_own_key(two) -> None:
    engine, keyring, *sides = two
    for side in sides:
        rid, at = uuid7(), datetime.now(UTC).isoformat()
        env = sealer(engine, side.tenant_id).seal(
            "records", rid, 1, {"event": "sos", "level": "red", "at": at}, escrow=True)
        record = PushedRecord(rid, "lone_worker", None, None, at, 1, env, facts={"at": at})
        answer = handle_sync(engine, device_for(engine, side.worker_id), request(record),
                             escrow=keyring.for_agency)
        assert answer.accepted == [rid], answer.rejected
    with engine.connect() as conn:
        raised = sorted(tuple(r) for r in conn.execute(select(
            escalations.c.tenant_id, escalations.c.cause, escalations.c.level)))
    assert raised == sorted((s.tenant_id, "sos", "red") for s in sides)
