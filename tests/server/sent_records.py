"""One worker's phone sends one sealed record about a visit, through the real sync service."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from fieldapp.vault.dek import Sealer
from server.schema import tenants
from server.sync_service import handle_sync
from sync.protocol import PushedRecord, SyncRequest, uuid7
from tests.server.test_sync_contract import device_for


def sealed(engine: Engine, tenant_id: str, kind: str, visit: dict[str, Any],
           content: dict[str, Any], facts: dict[str, Any] | None = None,
           at: datetime | None = None) -> PushedRecord:
    with engine.connect() as conn:
        pub = conn.execute(select(tenants.c.escrow_public_key)
                           .where(tenants.c.id == tenant_id)).scalar_one()
    rid = uuid7()
    env = Sealer(b"k" * 32, tenant_id, base64.b64decode(pub)).seal(
        "records", rid, 1, content, escrow=True)
    return PushedRecord(rid, kind, visit["id"], visit["service_user_id"],
                        (at or datetime.now(UTC)).isoformat(), 1, env, facts=facts or {})


def send(engine: Engine, tenant_id: str, worker_id: str, visit: dict[str, Any], kind: str,
         content: dict[str, Any], facts: dict[str, Any] | None = None,
         at: datetime | None = None) -> str:
    """Push the record from a new phone of `worker_id`; its id once the office took it."""
    rec = sealed(engine, tenant_id, kind, visit, content, facts, at)
    answer = handle_sync(engine, device_for(engine, worker_id),
                         SyncRequest(protocol=1, cursor=None, push=[rec]))
    assert answer.accepted == [rec.id], answer.rejected
    return rec.id
