"""The office's phones on SQLite and PostgreSQL: the list with last contact, app version and
the pending count each phone reported; codes issued and phones withdrawn from the console's
service (audited, coordinators and admins only, never another agency's); the wipe confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from server import enrolment
from server.errors import Forbidden, NotFound
from server.roles import Role
from server.schema import audit_log
from server.services.devices import DeviceState, issue_code, list_devices, withdraw
from server.sync_service import handle_sync
from sync.protocol import ProtocolError, SyncRequest
from tests.factories import small_agency
from tests.server.sent_records import sealed
from tests.server.test_rota_board import office, other_agency


def test_a_code_enrols_a_phone_that_then_reports_itself(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    assert list_devices(engine, who) == []
    code = issue_code(engine, who, a.worker_id)
    phone = enrolment.enrol(engine, code, "1.2.0")
    [d] = list_devices(engine, who)
    assert (d.worker_name, d.app_version, d.pending, d.last_seen_at) == (
        "Amira Khan", "1.2.0", None, None)
    assert d.state is DeviceState.ACTIVE
    device = enrolment.authenticate(engine, phone["device_token"])
    handle_sync(engine, device, SyncRequest(1, None, app_version="1.2.1", pending=3))
    [d] = list_devices(engine, who)
    assert (d.app_version, d.pending) == ("1.2.1", 3) and d.last_seen_at
    with engine.connect() as conn:
        assert ("issue_enrolment_code", a.worker_id) in [
            (r.action, r.target_id) for r in conn.execute(
                select(audit_log.c.action, audit_log.c.target_id))]


def test_the_office_keeps_what_is_left_after_the_push(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a)
    phone = enrolment.enrol(engine, issue_code(engine, who, a.worker_id))
    device = enrolment.authenticate(engine, phone["device_token"])
    sent = sealed(engine, a.tenant_id, "note", a.visits[0], {"text": "Settled in her chair"})
    answer = handle_sync(engine, device, SyncRequest(1, None, [sent], pending=3))
    assert answer.accepted == [sent.id]
    assert [d.pending for d in list_devices(engine, who)] == [2]  # 3 held, 1 now at the office


def test_an_old_phone_that_does_not_say_is_served(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    phone = enrolment.enrol(engine, issue_code(engine, office(engine, a), a.worker_id))
    device = enrolment.authenticate(engine, phone["device_token"])
    old = SyncRequest.from_dict({"protocol": 1, "cursor": None, "push": [],
                                 "app_version": "0.9"})
    assert old.pending is None and "pending" not in old.to_dict()
    assert handle_sync(engine, device, old).changes
    for bad in (-1, "3", True, 2**40):
        with pytest.raises(ProtocolError, match="pending"):
            SyncRequest.from_dict({"protocol": 1, "pending": bad})


def test_a_withdrawn_phone_wipes_and_the_list_says_so(engine: Engine, tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    who = office(engine, a, Role.ADMIN)
    phone = enrolment.enrol(engine, issue_code(engine, who, a.worker_id))
    withdraw(engine, who, phone["device_id"])
    [d] = list_devices(engine, who)
    assert d.state is DeviceState.WITHDRAWN
    device = enrolment.authenticate(engine, phone["device_token"])
    assert handle_sync(engine, device, SyncRequest(1, None)).wipe
    enrolment.confirm_wipe(engine, device)
    [d] = list_devices(engine, who)
    assert d.state is DeviceState.WIPED and d.wiped_at
    with pytest.raises(NotFound):
        withdraw(engine, who, phone["device_id"])  # once is enough
    with engine.connect() as conn:
        assert conn.execute(select(audit_log.c.target_id).where(
            audit_log.c.action == "revoke_device")).scalars().all() == [phone["device_id"]]


def test_a_lead_and_another_agency_cannot_manage_these_phones(engine: Engine,
                                                              tmp_path: Path) -> None:
    a = small_agency(engine, tmp_path)
    b_worker, _, _ = other_agency(engine, tmp_path, a.visits[0]["start"])
    who = office(engine, a)
    phone = enrolment.enrol(engine, issue_code(engine, who, a.worker_id))
    lead = office(engine, a, Role.SAFEGUARDING_LEAD)
    for act in (lambda: list_devices(engine, lead),
                lambda: issue_code(engine, lead, a.worker_id),
                lambda: withdraw(engine, lead, phone["device_id"])):
        with pytest.raises(Forbidden):
            act()
    with pytest.raises(NotFound):
        issue_code(engine, who, b_worker)
    b_code = enrolment.issue_code(engine, b_worker, 60)
    b_phone = enrolment.enrol(engine, b_code)
    with pytest.raises(NotFound):
        withdraw(engine, who, b_phone["device_id"])
    assert [d.id for d in list_devices(engine, who)] == [phone["device_id"]]
