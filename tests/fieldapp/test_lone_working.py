"""Lone working on a real SQLite phone store: SOS, "Are you OK?", extend and the reminder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldapp.domain.lone_working import HOLD_SECONDS, Hold, expected_end, reminder_due
from fieldapp.errors import RuleViolation
from fieldapp.services.duress import visible_counts
from fieldapp.services.lone_records import SEALED_SIZE
from fieldapp.services.lone_working import LoneWorkingService
from fieldapp.store import replica
from sync import kinds
from tests.factories import person
from tests.fieldapp.phones import StorePhone

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
END = T0 + timedelta(minutes=30)
MIN = timedelta(minutes=1)


class Phone(StorePhone):
    def __init__(self, tmp: Path):
        super().__init__(tmp, T0 + timedelta(minutes=2), synced_at=T0)
        self.lone = LoneWorkingService(*self.parts())
        self.load_visit(person(), T0)

    def ask(self, session: str = "s-1", visit: str = "v-1") -> None:
        self.load([{"entity": "welfare", "id": session, "op": "upsert", "version": 1,
                    "body": {"session_id": session, "visit_id": visit,
                             "question": "are_you_ok", "asked_at": END.isoformat()}}])


@pytest.fixture
def phone(tmp_path: Path) -> Phone:
    return Phone(tmp_path)


def test_every_lone_worker_record_looks_the_same_in_clear(phone: Phone) -> None:
    phone.visits.check_in("v-1")
    ids = [phone.lone.sos({"lat": 53.8, "lon": -1.5}, consent=True),
           phone.lone.answer_ok("s-1"), phone.lone.extend("v-1", 30)]
    rows = [phone.record(rid) for rid in ids]
    assert {json.dumps(sorted(json.loads(r["facts"]))) for r in rows} == {
        '["at", "open_visit_id"]'}
    assert {(r["kind"], r["visit_id"], r["service_user_id"]) for r in rows} == {
        ("lone_worker", None, None)}
    assert len({len(r["envelope"]) for r in rows}) == 1  # padded to SEALED_SIZE
    for r in rows:
        assert not kinds.facts_errors("lone_worker", json.loads(r["facts"]))
    assert phone.said(ids[0])["event"] == "sos" and phone.said(ids[0])["level"] == "red"
    assert phone.said(ids[0])["location"] == {"lat": 53.8, "lon": -1.5}
    assert phone.said(ids[2])["minutes"] == 30
    assert len(json.dumps({k: v for k, v in phone.said(ids[1]).items()},
                          separators=(",", ":"))) == SEALED_SIZE


def test_sos_keeps_a_location_only_with_consent_and_says_how_far_it_got(phone: Phone) -> None:
    rid = phone.lone.sos({"lat": 53.8, "lon": -1.5}, consent=False)
    assert phone.said(rid)["location"] is None
    assert phone.said(rid)["open_visit_id"] is None  # not checked in anywhere
    status = phone.lone.sos_status(rid)
    assert status is not None and status.words == "Saved on phone, not sent yet"
    replica.apply_response(phone.store, accepted=[rid], rejected=[], changes=[], cursor=None,
                           reset=False, at=T0.isoformat(), sealer=phone.sealer)
    status = phone.lone.sos_status(rid)
    assert status is not None and status.at_office and status.words == "Received by the office"
    # Never counted in the banner, like every lone-worker record.
    assert visible_counts(phone.store).received == 0


def test_a_welfare_question_is_kept_until_answered(phone: Phone) -> None:
    phone.visits.check_in("v-1")
    assert phone.lone.question() is None
    phone.ask()
    q = phone.lone.question()
    assert q is not None and (q.session_id, q.visit_id, q.asked_at) == ("s-1", "v-1", END)
    phone.ask()  # the same question again changes nothing
    rid = phone.lone.answer_ok("s-1")
    assert phone.said(rid)["event"] == "ok" and phone.said(rid)["session_id"] == "s-1"
    assert phone.lone.question() is None
    phone.ask()  # a repeat of the feed never brings back an answered question
    assert phone.lone.question() is None


def test_i_need_help_is_an_sos_that_answers_the_question(phone: Phone) -> None:
    phone.visits.check_in("v-1")
    phone.ask()
    rid = phone.lone.need_help("s-1")
    said = phone.said(rid)
    assert (said["event"], said["level"], said["session_id"]) == ("sos", "red", "s-1")
    assert said["open_visit_id"] == "v-1"
    assert phone.lone.question() is None


def test_checking_out_closes_the_question_about_that_visit(phone: Phone) -> None:
    phone.visits.check_in("v-1")
    phone.ask()
    phone.clock.set(END)
    phone.visits.check_out("v-1")
    assert phone.lone.question() is None


def test_extending_moves_the_reminder_on(phone: Phone) -> None:
    with pytest.raises(RuleViolation, match="checked in"):
        phone.lone.extend("v-1", 15)
    phone.visits.check_in("v-1")
    with pytest.raises(RuleViolation, match="15, 30 or 60"):
        phone.lone.extend("v-1", 20)
    phone.clock.set(END - 10 * MIN - timedelta(seconds=1))
    assert phone.lone.reminder() is None
    phone.clock.set(END - 10 * MIN)
    reminder = phone.lone.reminder()
    assert reminder is not None and (reminder.visit_id, reminder.ends_at) == ("v-1", END)
    assert phone.lone.reminder("v-2") is None  # another visit's screen: not this one
    phone.lone.extend("v-1", 30)
    phone.lone.extend("v-1", 15)
    assert phone.lone.expected_end("v-1") == END + 45 * MIN
    assert phone.lone.reminder() is None
    phone.clock.set(END + 35 * MIN)
    reminder = phone.lone.reminder("v-1")
    assert reminder is not None and reminder.ends_at == END + 45 * MIN


def test_the_rules_cap_extensions_and_time_the_hold() -> None:
    assert expected_end(END, [60] * 10) == END + timedelta(hours=4)
    # However early the check-in was (the cap counts from the booked end):
    assert expected_end(END, [30]) == END + 30 * MIN
    assert expected_end(END, []) == END
    assert not reminder_due(END, END - 11 * MIN) and reminder_due(END, END - 10 * MIN)
    hold = Hold()
    assert not hold.done(100.0) and hold.progress(100.0) == 0.0
    hold.press(100.0)
    assert hold.seconds_left(100.0) == 3 and hold.seconds_left(101.2) == 2
    assert not hold.done(100.0 + HOLD_SECONDS - 0.01) and hold.done(100.0 + HOLD_SECONDS)
    assert hold.progress(100.0 + HOLD_SECONDS / 2) == pytest.approx(0.5)
    hold.release()
    assert not hold.done(200.0)
