"""A push that PostgreSQL picks to break a deadlock with another writer is run again and
answered, not failed with a 500 (its transaction was rolled back whole)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from server import feed
from server.schema import devices, records
from server.sync_service import handle_sync
from tests.factories import small_agency
from tests.server.test_sync_contract import device_for, note, request, sealer_for
from tests.support.pg import waiting_on_a_lock


def test_a_push_chosen_to_break_a_deadlock_is_run_again_and_acknowledged(
        engine: Engine, tmp_path: Path) -> None:
    agency = small_agency(engine, tmp_path)
    device = device_for(engine, agency.worker_id)
    pushed = note(sealer_for(engine, agency.tenant_id), agency.visits[0], "Settled")
    with engine.connect() as other:
        # Another writer holds the phone's device row, and will want the agency's clock.
        tx = other.begin()
        other.execute(update(devices).where(devices.c.id == device.id).values(
            app_version="other"))
        with ThreadPoolExecutor(1) as pool:
            # The push takes the clock, stores, then waits for the device row ("last seen")...
            syncing = pool.submit(handle_sync, engine, device, request(pushed))
            assert waiting_on_a_lock(engine), "nobody waited on a lock"
            # ...while the other writer now waits for the clock: on PostgreSQL a deadlock,
            # found by the push (it waited first), whose transaction is rolled back.
            feed.lock_clock(other, agency.tenant_id)
            tx.commit()
            answer = syncing.result(timeout=60)
    assert answer.accepted == [pushed.id]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 1
