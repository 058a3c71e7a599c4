"""A revoked phone delivers what it holds (if the agency allows), erases itself, and says so."""

from __future__ import annotations

import pytest

from fieldapp.store.replica import counts
from server import enrolment
from sync import client as sync_client
from sync.client import SyncState
from tests.security.conftest import Office, Phone

NOTE = "Wombat teapot under the stairs"


def queue_two(phone: Phone):
    s, visit_id = phone.checked_in()
    s.visits.add_note(visit_id, NOTE)
    assert counts(s.store).on_phone == 2
    return s


def test_revoked_phone_pushes_everything_then_erases_and_confirms(
        phone: Phone, office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_client, "MAX_PUSH_RECORDS", 1)  # the queue takes two round trips
    s = queue_two(phone)
    device_id = s.device.identity().device_id
    enrolment.revoke(office.engine, device_id, by="coordinator")
    s.device.lock()  # it happens whether the app is open or locked

    result = phone.sync(s)
    assert result.state is SyncState.REVOKED and result.received == 2
    assert "withdrawn by the office" in result.message
    assert {r["content"].get("text") for r in office.opened_records().values()} >= {NOTE}

    # Keys and data are gone: no enrolment, no key file, no trace of the note in any file.
    assert not s.device.enrolled and not s.device.has_key
    assert not phone.keystore.path.exists()
    assert s.store.rows("SELECT COUNT(*) AS n FROM records")[0]["n"] == 0
    for path in phone.files():
        assert NOTE.encode() not in path.read_bytes(), path.name
    assert office.device_row(device_id)["wiped_at"] is not None


def test_an_agency_can_refuse_records_from_revoked_phones(phone: Phone, office: Office) -> None:
    s = queue_two(phone)
    device_id = s.device.identity().device_id
    enrolment.set_revoked_push_policy(office.engine, office.agency.tenant_id, allow=False)
    enrolment.revoke(office.engine, device_id, by="coordinator")
    result = phone.sync(s)
    assert result.state is SyncState.REVOKED and result.received == 0
    assert office.opened_records() == {}
    assert not s.device.enrolled
    assert office.device_row(device_id)["wiped_at"] is not None


def test_a_phone_in_use_cannot_claim_to_be_wiped(phone: Phone, office: Office) -> None:
    import asyncio

    s = phone.session()
    phone.enrol(s)
    ident = s.device.identity()

    async def claim() -> tuple[int, dict]:
        async with phone.http() as http:
            resp = await http.post(sync_client.WIPED_PATH,
                                   headers={"Authorization": f"Bearer {ident.device_token}"})
            return resp.status_code, resp.json()

    status, body = asyncio.run(claim())
    assert status == 409 and body["error"]["code"] == "conflict"
    assert office.device_row(ident.device_id)["wiped_at"] is None
