"""Ten wrong PINs destroy the data key — and every record still queued reaches the office."""

from __future__ import annotations

import json

import pytest

from fieldapp.errors import LockedOut, WrongPin
from fieldapp.store.replica import counts
from sync.client import SyncState
from tests.security.conftest import PIN, Office, Phone

WRONG = "901346"
NOTE = "Quokka marmalade beside the zebrafinch cage"


def guess_until_locked_out(phone: Phone, device) -> list[str]:
    """Type wrong PINs, waiting out each delay on the fake clock; return the messages seen."""
    said = []
    for attempt in range(1, 11):
        wait = device.seconds_until_next_try()
        if wait:
            with pytest.raises(WrongPin, match=r"Try again in \d+ (second|minute)"):
                device.unlock(WRONG)  # refused without a try being used
            phone.clock.advance(seconds=wait)
        with pytest.raises((WrongPin, LockedOut)) as caught:
            device.unlock(WRONG)
        said.append(str(caught.value))
        assert device.failed_pins() == attempt
    return said


def test_delays_grow_from_the_fifth_wrong_pin(phone: Phone, office: Office) -> None:
    s = phone.session()
    phone.enrol(s)
    s.device.lock()
    waits = []
    for _ in range(9):
        with pytest.raises(WrongPin) as caught:
            s.device.unlock(WRONG)
        waits.append(s.device.seconds_until_next_try())
        assert str(caught.value).startswith("That PIN is not right. ")
        phone.clock.advance(seconds=waits[-1])
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480]
    # The right PIN still works after nine, and starts the count again.
    s.device.unlock(PIN)
    assert s.device.failed_pins() == 0


def test_lockout_shreds_the_key_and_every_queued_record_reaches_the_office(
        phone: Phone, office: Office) -> None:
    s, visit_id = phone.checked_in()
    s.visits.add_note(visit_id, NOTE)
    queued = counts(s.store).on_phone
    assert queued == 2
    wrapped = json.loads(s.store.get_meta("wrapped_dek"))
    s.device.lock()

    said = guess_until_locked_out(phone, s.device)
    assert said[0] == "That PIN is not right. 9 tries left."
    assert said[-2].startswith("That PIN is not right. 1 try left.")
    assert "Ask the office for a new enrolment code" in said[-1]
    assert s.device.locked_out and not s.device.unlocked
    with pytest.raises(LockedOut):
        s.device.unlock(PIN)  # even the right PIN: the key is gone

    # Crypto-shred: the wrapped key's bytes are nowhere in the file, its WAL or anything else.
    for path in phone.files():
        data = path.read_bytes()
        assert wrapped["ct"].encode() not in data, path.name
        assert wrapped["salt"].encode() not in data, path.name

    # The outbox never needed the key: the locked-out phone still delivers everything.
    result = phone.sync(s)
    assert result.state is SyncState.OK and result.received == queued
    at_office = office.opened_records()
    assert len(at_office) == queued
    assert any(r["content"].get("text") == NOTE for r in at_office.values())


def test_reenrolling_after_a_lockout_keeps_records_that_could_not_be_sent(
        phone: Phone, office: Office) -> None:
    s, visit_id = phone.checked_in()
    s.visits.add_note(visit_id, NOTE)
    s.device.lock()
    guess_until_locked_out(phone, s.device)

    # Re-enrolled before those two were sent (say the old token no longer works).
    assert s.device.reset_for_reenrolment() == 2
    assert not s.device.enrolled
    phone.enrol(s, pin="471920")
    s.device.lock()
    s.device.unlock("471920")
    assert phone.sync(s).received == 2
    assert {r["content"].get("text") for r in office.opened_records().values()} >= {NOTE}
    # Fresh data under the new key: today's visit is back and readable.
    assert s.visits.day()[0].id == visit_id
    assert s.visits.visit(visit_id).person["name"] == office.agency.people[0]["name"]
