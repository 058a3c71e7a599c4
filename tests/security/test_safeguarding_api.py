"""A safeguarding concern never leaves the office through the phone API: the phone API sends
other workers clear dose facts only, so an escalation (of any type) reaches no other phone,
by feed or by full resync. The console's side is tested with the console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from server.sync_service import handle_sync
from sync.protocol import SyncRequest
from tests.factories import shared_person_agency
from tests.security.pushes import facts_for, medicine_of, record, sealer_of
from tests.server.conftest import engine  # noqa: F401  (the two-backend fixture)
from tests.server.test_sync_contract import enrolled


def test_a_safeguarding_concern_reaches_no_other_phone(engine: Engine,  # noqa: F811
                                                        tmp_path: Path) -> None:
    a = shared_person_agency(engine, tmp_path, datetime.now(UTC))
    me, colleague = enrolled(engine, a.worker_id)[0], enrolled(engine, a.other_worker_id)[0]
    cursor = handle_sync(engine, colleague, SyncRequest(1, None)).cursor
    sealer = sealer_of(engine, a.tenant_id)
    visit, person = a.visits[0]["id"], a.people[0]["id"]
    concern = record(sealer, "escalation", visit, person,
                     {"type": "safeguarding", "severity": "urgent"})
    dose = record(sealer, "dose_outcome", visit, person,
                  facts_for("dose_outcome", medicine_of(engine, person)))
    answer = handle_sync(engine, me, SyncRequest(1, None, [concern, dose]))
    assert sorted(answer.accepted) == sorted([concern.id, dose.id])
    for seen in (handle_sync(engine, colleague, SyncRequest(1, cursor)),
                 handle_sync(engine, colleague, SyncRequest(1, None))):  # feed, full resync
        assert dose.id in {c.id for c in seen.changes}  # the dose is shared, as it must be
        assert concern.id not in str([c.to_dict() for c in seen.changes])
        assert "safeguarding" not in str([c.to_dict() for c in seen.changes])
