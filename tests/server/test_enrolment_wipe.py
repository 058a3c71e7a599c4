"""Revocation on the office side: the push policy and the phone's wipe confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from server import enrolment
from server.errors import Conflict, NotFound
from server.schema import devices
from server.storage import make_engine, migrate
from tests.factories import code_for, small_agency


@pytest.fixture
def engine(tmp_path: Path):
    e = make_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    migrate(e)
    yield e
    e.dispose()


def test_revoked_phones_may_push_unless_the_agency_says_no(engine, tmp_path: Path) -> None:
    agency = small_agency(engine, tmp_path)
    assert enrolment.revoked_devices_may_push(engine, agency.tenant_id)
    enrolment.set_revoked_push_policy(engine, agency.tenant_id, allow=False)
    assert not enrolment.revoked_devices_may_push(engine, agency.tenant_id)
    with pytest.raises(NotFound):
        enrolment.set_revoked_push_policy(engine, "no-such-agency", allow=True)


def test_the_first_wipe_confirmation_is_kept(engine, tmp_path: Path) -> None:
    agency = small_agency(engine, tmp_path)
    phone = enrolment.enrol(engine, code_for(engine, agency.worker_id))
    device = enrolment.authenticate(engine, phone["device_token"])
    with pytest.raises(Conflict):
        enrolment.confirm_wipe(engine, device)
    enrolment.revoke(engine, phone["device_id"], by="coordinator")
    device = enrolment.authenticate(engine, phone["device_token"])
    first = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert enrolment.confirm_wipe(engine, device, first) == first.isoformat()
    later = enrolment.confirm_wipe(engine, device, first + timedelta(hours=1))
    assert later == first.isoformat()
    with engine.begin() as conn:
        assert conn.execute(select(devices.c.wiped_at)).scalar_one() == first.isoformat()
