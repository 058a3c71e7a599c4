"""The duress PIN raises exactly one silent alert; an offline lease keeps a lost phone shut."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fieldapp.errors import LeaseExpired, WeakPin, WrongPin
from fieldapp.services.duress import visible_counts
from fieldapp.services.lone_working import LoneWorkingService
from fieldapp.store.replica import counts
from server.schema import escalations
from sync.client import SyncState
from tests.security.conftest import DURESS_PIN, PIN, Office, Phone


def test_duress_unlock_opens_normally_and_one_silent_alert_reaches_the_office(
        phone: Phone, office: Office) -> None:
    s, visit_id = phone.checked_in()
    phone.sync(s)
    s.device.set_duress_pin(PIN, DURESS_PIN)
    s.device.lock()
    before = visible_counts(s.store)

    s.device.unlock(DURESS_PIN)
    assert s.device.unlocked
    assert s.visits.visit(visit_id).checked_in_at is not None  # the app works as normal
    assert visible_counts(s.store) == before  # nothing on screen changes
    assert counts(s.store).on_phone == before.on_phone + 1

    assert phone.sync(s).state is SyncState.OK
    alerts = [r for r in office.opened_records().values() if r["kind"] == "lone_worker"]
    assert len(alerts) == 1
    # In clear it says only when and where, like every lone-worker record; the office reads
    # "duress" from the escrow copy and raises the red alert.
    assert set(alerts[0]["facts"]) == {"at", "open_visit_id"}
    assert alerts[0]["facts"]["open_visit_id"] == visit_id
    assert alerts[0]["content"]["event"] == "duress" and alerts[0]["content"]["level"] == "red"
    with office.engine.begin() as conn:
        raised = conn.execute(select(escalations.c.cause, escalations.c.level,
                                     escalations.c.visit_id)).all()
    assert [tuple(r) for r in raised] == [("duress", "red", visit_id)]

    # The main PIN raises nothing.
    s.device.lock()
    s.device.unlock(PIN)
    phone.sync(s)
    assert sum(r["kind"] == "lone_worker" for r in office.opened_records().values()) == 1


def test_duress_pin_rules(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    with pytest.raises(WeakPin, match="different from your main PIN"):
        s.device.set_duress_pin(PIN, PIN)
    with pytest.raises(WeakPin, match="run"):
        s.device.set_duress_pin(PIN, "345678")
    with pytest.raises(WrongPin):
        s.device.set_duress_pin("902611", DURESS_PIN)
    s.device.set_duress_pin(PIN, DURESS_PIN)
    # The duress PIN cannot manage PINs (someone forcing a change gets "not right").
    with pytest.raises(WrongPin):
        s.device.change_pin(DURESS_PIN, "630418")
    with pytest.raises(WeakPin, match="duress PIN"):
        s.device.change_pin(PIN, DURESS_PIN)
    # Changing the main PIN re-wraps the key only; the duress PIN still works afterwards.
    sealed_before = s.store.rows("SELECT id, sealed FROM people")
    s.device.change_pin(PIN, "630418")
    assert s.store.rows("SELECT id, sealed FROM people") == sealed_before
    s.device.lock()
    with pytest.raises(WrongPin):
        s.device.unlock(PIN)
    s.device.unlock("630418")
    s.device.lock()
    s.device.unlock(DURESS_PIN)
    s.device.clear_duress_pin("630418")
    s.device.lock()
    with pytest.raises(WrongPin):
        s.device.unlock(DURESS_PIN)


def test_the_file_does_not_say_whether_a_duress_pin_is_set(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    decoy = json.loads(s.store.get_meta("dek_slot1"))
    s.device.set_duress_pin(PIN, DURESS_PIN)
    real = json.loads(s.store.get_meta("dek_slot1"))
    assert set(decoy) == set(real) and decoy != real
    assert {k: len(v) for k, v in decoy.items()} == {k: len(v) for k, v in real.items()}


def test_offline_lease_refuses_unlock_until_the_phone_reaches_the_office(
        phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    s.device.lock()
    phone.clock.advance(days=7, hours=1)
    with pytest.raises(LeaseExpired) as caught:
        s.device.unlock(PIN)
    message = str(caught.value)
    assert "more than 7 days" in message and "Connect to the internet" in message
    assert "0113 496 0000" in message  # the office's number, to call
    assert s.device.failed_pins() == 0  # not a wrong PIN
    # A locked phone still syncs; the office's answer renews the lease.
    assert phone.sync(s).state is SyncState.OK
    s.device.unlock(PIN)


def test_an_edited_contact_time_does_not_extend_the_lease(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    s.device.lock()
    phone.clock.advance(days=30)
    stored = json.loads(s.store.get_meta("lease_contact"))
    stored["at"] = phone.clock.now().isoformat()
    with s.store.transaction():
        s.store.set_meta("lease_contact", json.dumps(stored))
        s.store.set_meta("last_server_contact", phone.clock.now().isoformat())
    with pytest.raises(LeaseExpired):
        s.device.unlock(PIN)


def test_after_a_duress_unlock_the_phone_file_does_not_say_duress(
        phone: Phone, office: Office) -> None:
    """A plaintext scan of the phone's files (SQLite, its WAL, the key file) finds no trace:
    the alert's clear columns are those of any lone-worker record (an SOS, "I'm OK")."""
    s, _visit_id = phone.checked_in()
    s.device.set_duress_pin(PIN, DURESS_PIN)
    s.device.lock()
    s.device.unlock(DURESS_PIN)
    [alert] = s.store.rows("SELECT kind, visit_id, service_user_id, facts, length(envelope) "
                           "AS size FROM records WHERE kind = 'lone_worker'")
    s.device.lock()
    s.device.unlock(PIN)
    lone = LoneWorkingService(s.store, s.device.sealer, s.device.author, phone.clock)
    sos = lone.sos()
    [other] = s.store.rows("SELECT kind, visit_id, service_user_id, facts, length(envelope) "
                           "AS size FROM records WHERE id = ?", [sos])
    assert set(json.loads(alert["facts"])) == set(json.loads(other["facts"]))
    assert (alert["visit_id"], alert["service_user_id"]) == (other["visit_id"],
                                                           other["service_user_id"])
    assert alert["size"] == other["size"]  # padded: the envelope's size says nothing either
    for path in phone.files():
        data = path.read_bytes().lower()
        assert b"duress" not in data, path.name
        assert b'"sos"' not in data, path.name
    assert phone.sync(s).state is SyncState.OK
    with office.engine.begin() as conn:
        causes = sorted(r.cause for r in conn.execute(select(escalations.c.cause)))
    assert causes == ["duress", "sos"]
