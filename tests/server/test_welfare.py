"""Lone-worker welfare sessions watched by the server, at every boundary, with a fixed clock.

Records arrive through the real sync service; the monitor's tick is called with chosen times.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update

from server import agency, agency_settings, escalations, escrow, oncall, welfare
from server import feed as feed_module
from server.errors import Invalid
from server.ladder import Rung
from server.schema import escalations as escalations_t
from server.schema import ladder_calls, welfare_sessions
from server.sync_service import handle_sync
from sync.protocol import PushedRecord, uuid7
from tests.factories import SmallAgency, small_agency, visit
from tests.server.test_sync_contract import device_for, request, sealer_for
from tests.support.pg import waiting_on_a_lock

S = timedelta(seconds=1)
MIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Who:
    """A coordinator looking at the console."""

    id: str
    tenant_id: str
    is_safeguarding_lead: bool = False


class Worker:
    def __init__(self, engine: Engine, agency: SmallAgency) -> None:
        self.engine, self.agency = engine, agency
        self.device = device_for(engine, agency.worker_id)
        self.sealer = sealer_for(engine, agency.tenant_id)
        self.visit = agency.visits[0]
        self.end = datetime.fromisoformat(self.visit["end"])

    def push(self, kind: str, at: datetime, facts: dict[str, Any] | None = None,
             visit: bool = True) -> None:
        rid = uuid7()
        env = self.sealer.seal("records", rid, 1, {"at": at.isoformat()}, escrow=True)
        record = PushedRecord(rid, kind, self.visit["id"] if visit else None,
                              self.visit["service_user_id"] if visit else None,
                              at.isoformat(), 1, env, facts=facts or {})
        answer = handle_sync(self.engine, self.device, request(record))
        assert answer.accepted == [rid], answer.rejected

    def push_sealed(self, at: datetime, said: dict[str, Any]) -> None:
        """A lone-worker record as phones now write it: neutral clear facts, `said` sealed,
        read by the office with its escrow key."""
        rid = uuid7()
        env = self.sealer.seal("records", rid, 1, {**said, "at": at.isoformat()}, escrow=True)
        record = PushedRecord(rid, "lone_worker", None, None, at.isoformat(), 1, env,
                              facts={"at": at.isoformat(), "open_visit_id": self.visit["id"]})
        key = escrow.load_private_key(str(self.agency.key_file))
        # Each agency's own key: asked for by the record's agency.
        answer = handle_sync(self.engine, self.device, request(record),
                             escrow=lambda agency: {self.agency.tenant_id: key}[agency])
        assert answer.accepted == [rid], answer.rejected

    def alerts(self) -> list[escalations.Escalation]:
        with self.engine.begin() as conn:
            rows = conn.execute(select(escalations_t.c.id).where(
                escalations_t.c.cause.is_not(None))).all()
            return [escalations.get(conn, self.agency.tenant_id, r.id) for r in rows]


@pytest.fixture
def worker(engine: Engine, tmp_path: Path) -> Worker:
    w = Worker(engine, small_agency(engine, tmp_path))
    with engine.begin() as conn:
        oncall.set_ladder(conn, w.agency.tenant_id, [
            Rung(0, "On-call coordinator", (("email", "oncall@agency.example"),)),
            Rung(1, "Registered manager", (("email", "manager@agency.example"),))])
    w.push("check_in", w.end - timedelta(minutes=25))
    return w


def grace_ends(w: Worker) -> datetime:
    return w.end + timedelta(minutes=10)


def tiers(w: Worker, alert_id: str) -> list[int]:
    with w.engine.begin() as conn:
        return sorted(r.tier for r in conn.execute(select(ladder_calls.c.tier).where(
            ladder_calls.c.subject_id == alert_id)))


def test_no_check_out_by_the_end_plus_grace_turns_amber_once_and_asks_the_worker(
        worker: Worker) -> None:
    assert welfare.tick(worker.engine, grace_ends(worker) - S) == (0, 0)
    assert worker.alerts() == []
    assert welfare.tick(worker.engine, grace_ends(worker)) == (1, 0)
    assert welfare.tick(worker.engine, grace_ends(worker) + MIN) == (0, 0)  # never twice
    (alert,) = worker.alerts()
    assert (alert.type, alert.level, alert.severity) == ("worker_safety", "amber", "urgent")
    assert alert.worker_id == worker.agency.worker_id and alert.visit_id == worker.visit["id"]
    with worker.engine.begin() as conn:
        asked = [c for c in feed_module.pull(conn, worker.agency.tenant_id,
                                             worker.agency.worker_id, 0, 1000)
                 if c["entity"] == welfare.WELFARE_ENTITY]
    assert [a["body"]["question"] for a in asked] == ["are_you_ok"]
    oncall.call_due_tiers(worker.engine, grace_ends(worker) + 5 * MIN)
    assert tiers(worker, alert.id) == []  # amber asks the worker; it calls nobody


def test_amber_unanswered_for_ten_minutes_turns_red_and_climbs_the_ladder_tier_by_tier(
        worker: Worker) -> None:
    amber_at = grace_ends(worker)
    welfare.tick(worker.engine, amber_at)
    assert welfare.tick(worker.engine, amber_at + 10 * MIN - S) == (0, 0)
    assert welfare.tick(worker.engine, amber_at + 10 * MIN) == (0, 1)
    assert welfare.tick(worker.engine, amber_at + 11 * MIN) == (0, 0)
    (alert,) = worker.alerts()
    assert (alert.level, alert.severity) == ("red", "emergency")
    red_at = amber_at + 10 * MIN
    oncall.call_due_tiers(worker.engine, red_at)
    assert tiers(worker, alert.id) == [0]
    oncall.call_due_tiers(worker.engine, red_at + 2 * MIN - S)
    assert tiers(worker, alert.id) == [0]
    oncall.call_due_tiers(worker.engine, red_at + 2 * MIN)  # each tier has 2 minutes
    assert tiers(worker, alert.id) == [0, 1]


def test_an_amber_the_office_has_seen_still_turns_red_while_the_worker_is_silent(
        worker: Worker) -> None:
    amber_at = grace_ends(worker)
    welfare.tick(worker.engine, amber_at)
    (amber,) = worker.alerts()
    with worker.engine.begin() as conn:
        escalations.acknowledge(conn, Who("coordinator-sam", worker.agency.tenant_id),
                                amber.id, amber_at + MIN)
    assert welfare.tick(worker.engine, amber_at + 10 * MIN) == (0, 1)
    (alert,) = worker.alerts()
    assert (alert.level, alert.severity, alert.state) == ("red", "emergency", "raised")
    oncall.call_due_tiers(worker.engine, amber_at + 10 * MIN)
    assert tiers(worker, alert.id) == [0]  # the ladder is called for the red


def test_checking_out_in_time_raises_nothing(worker: Worker) -> None:
    worker.push("check_out", worker.end + timedelta(minutes=9))
    assert welfare.tick(worker.engine, grace_ends(worker) + timedelta(hours=1)) == (0, 0)
    assert worker.alerts() == []


def test_a_morning_pushed_at_once_leaves_the_sessions_its_record_order_gives(
        engine: Engine, tmp_path: Path) -> None:
    # Offline all morning: visit one checked in and out, then in again (back for the keys),
    # then visit two checked in. One push: the first session ended at its check-out, the
    # other two open, as if each record had come on its own.
    w = Worker(engine, small_agency(engine, tmp_path))
    start = datetime.fromisoformat(w.visit["start"])
    second = visit(w.agency.worker_id, w.visit["service_user_id"], "lunch",
                   start + timedelta(hours=2))
    agency.add_visits(engine, w.agency.tenant_id, [second])

    def record(kind: str, v: dict[str, Any], at: datetime) -> PushedRecord:
        rid = uuid7()
        return PushedRecord(rid, kind, v["id"], v["service_user_id"], at.isoformat(), 1,
                            w.sealer.seal("records", rid, 1, {"at": at.isoformat()},
                                          escrow=True))

    first_in = record("check_in", w.visit, start)
    out = record("check_out", w.visit, start + 20 * MIN)
    back = record("check_in", w.visit, start + 25 * MIN)
    lunch = record("check_in", second, start + timedelta(hours=2))
    answer = handle_sync(engine, w.device, request(first_in, out, back, lunch))
    assert len(answer.accepted) == 4, answer.rejected
    with engine.begin() as conn:
        ended = dict(conn.execute(select(welfare_sessions.c.id, welfare_sessions.c.ended_at)).all())
    assert ended == {first_in.id: (start + 20 * MIN).astimezone(UTC).isoformat(),
                     back.id: None, lunch.id: None}


def test_a_check_out_reads_the_workers_own_sessions_and_alerts_not_the_agencys_history(
        sqlite_engine: Engine, tmp_path: Path) -> None:
    # Each pushed check-out ends its session and answers its overdue alert. Over months an
    # agency holds millions of sessions and escalations: SQLite must find the worker's open
    # ones through an index, not by reading every row of the agency (a push slower each day).
    # (PostgreSQL plans by table statistics, so asking it of a small table says nothing.)
    worker = Worker(sqlite_engine, small_agency(sqlite_engine, tmp_path))
    worker.push("check_in", worker.end - timedelta(minutes=25))
    ran: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if statement.startswith("UPDATE") and ("welfare_sessions" in statement
                                               or "escalations" in statement):
            ran.append((statement, params[0] if isinstance(params, list) else params))

    event.listen(worker.engine, "before_cursor_execute", seen)
    try:
        worker.push("check_out", worker.end + timedelta(minutes=9))
    finally:
        event.remove(worker.engine, "before_cursor_execute", seen)
    assert {("welfare_sessions" in s) for s, _ in ran} == {True, False}  # both were updated
    with worker.engine.connect() as conn:
        for statement, params in ran:
            plan = " ".join(str(r[3]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
            assert "worker_id=?" in plan, (statement, plan)


def test_the_worker_answering_im_ok_stops_the_climb_but_the_alert_stays_to_close(
        worker: Worker) -> None:
    welfare.tick(worker.engine, grace_ends(worker))
    worker.push("lone_worker", grace_ends(worker) + MIN, {"event": "ok"}, visit=False)
    assert welfare.tick(worker.engine, grace_ends(worker) + timedelta(hours=1)) == (0, 0)
    (alert,) = worker.alerts()
    assert alert.level == "amber" and alert.answered_at is not None
    assert alert.state == "raised"  # a coordinator still closes it with an outcome
    coordinator = _Who(worker.agency.tenant_id)
    with worker.engine.begin() as conn, pytest.raises(Invalid, match="safe, late, incident"):
        escalations.resolve(conn, coordinator, alert.id, grace_ends(worker) + 2 * MIN,
                            outcome="clinician_contacted")
    with worker.engine.begin() as conn:
        closed = escalations.resolve(conn, coordinator, alert.id,
                                     grace_ends(worker) + 2 * MIN, outcome="late")
    assert (closed.state, closed.outcome) == ("resolved", "late")


def test_the_agency_timings_apply(worker: Worker) -> None:
    with worker.engine.begin() as conn:
        agency_settings.set_timings(conn, worker.agency.tenant_id, lone_grace_s=60,
                                    lone_amber_to_red_s=30)
    assert welfare.tick(worker.engine, worker.end + MIN - S) == (0, 0)
    assert welfare.tick(worker.engine, worker.end + MIN) == (1, 0)
    assert welfare.tick(worker.engine, worker.end + MIN + 30 * S) == (0, 1)


def test_two_monitors_on_one_database_raise_one_alert(worker: Worker, engine: Engine) -> None:
    from server.storage import make_engine

    # A second server process (as after a leader change) on the same database.
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        welfare.tick(other, grace_ends(worker))
        welfare.tick(engine, grace_ends(worker))
        welfare.tick(other, grace_ends(worker) + 10 * MIN)
        welfare.tick(engine, grace_ends(worker) + 10 * MIN)
    finally:
        other.dispose()
    (alert,) = worker.alerts()
    assert alert.level == "red"


class _Who:
    def __init__(self, tenant_id: str) -> None:
        self.id, self.tenant_id, self.is_safeguarding_lead = "coordinator", tenant_id, False


def test_a_sealed_im_ok_read_with_the_escrow_key_stops_the_climb(worker: Worker) -> None:
    welfare.tick(worker.engine, grace_ends(worker))
    worker.push_sealed(grace_ends(worker) + MIN, {"event": "ok"})
    assert welfare.tick(worker.engine, grace_ends(worker) + timedelta(hours=1)) == (0, 0)
    (alert,) = worker.alerts()
    assert alert.level == "amber" and alert.answered_at is not None


def test_a_sealed_extension_moves_the_expected_end_on(worker: Worker) -> None:
    worker.push_sealed(worker.end - 5 * MIN, {"event": "extend", "minutes": 30})
    assert welfare.tick(worker.engine, grace_ends(worker) + 30 * MIN - S) == (0, 0)
    assert welfare.tick(worker.engine, grace_ends(worker) + 30 * MIN) == (1, 0)


def test_an_extension_after_checking_in_hours_early_still_moves_the_end_on(
        worker: Worker) -> None:
    with worker.engine.begin() as conn:  # the session began seven hours before the booked end
        conn.execute(update(welfare_sessions).values(
            started_at=(worker.end - timedelta(hours=7)).isoformat()))
    worker.push_sealed(worker.end - 5 * MIN, {"event": "extend", "minutes": 30})
    assert welfare.tick(worker.engine, grace_ends(worker) + 30 * MIN - S) == (0, 0)
    assert welfare.tick(worker.engine, grace_ends(worker) + 30 * MIN) == (1, 0)


def test_extensions_stop_four_hours_past_the_booked_end(worker: Worker) -> None:
    for _ in range(6):
        worker.push_sealed(worker.end - 5 * MIN, {"event": "extend", "minutes": 60})
    assert welfare.tick(worker.engine, grace_ends(worker) + timedelta(hours=4) - S) == (0, 0)
    assert welfare.tick(worker.engine, grace_ends(worker) + timedelta(hours=4)) == (1, 0)


def test_a_sealed_sos_is_red_at_once_and_calls_the_ladder(worker: Worker) -> None:
    at = worker.end - 20 * MIN
    worker.push_sealed(at, {"event": "sos", "level": "red",
                            "location": {"lat": 53.8, "lon": -1.58}})
    (alert,) = worker.alerts()
    assert (alert.cause, alert.level, alert.severity) == ("sos", "red", "emergency")
    assert alert.visit_id == worker.visit["id"] and alert.source_record_id is None
    oncall.call_due_tiers(worker.engine, datetime.now(UTC))
    assert tiers(worker, alert.id) == [0]


def test_a_sealed_record_that_does_not_open_raises_nothing_and_is_still_stored(
        worker: Worker) -> None:
    rid = uuid7()
    env = worker.sealer.seal("records", uuid7(), 1, {"event": "sos"}, escrow=True)  # wrong row
    at = (worker.end - 20 * MIN).isoformat()
    record = PushedRecord(rid, "lone_worker", None, None, at, 1, env, facts={"at": at})
    key = escrow.load_private_key(str(worker.agency.key_file))
    answer = handle_sync(worker.engine, worker.device, request(record),
                         escrow=lambda _agency: key)
    assert answer.accepted == [rid]
    assert worker.alerts() == []


def _records(w: Worker, kinds_at: list[tuple[str, datetime]]) -> list[PushedRecord]:
    out = []
    for kind, at in kinds_at:
        rid = uuid7()
        out.append(PushedRecord(rid, kind, w.visit["id"], w.visit["service_user_id"],
                                at.isoformat(), 1,
                                w.sealer.seal("records", rid, 1, {"at": at.isoformat()},
                                              escrow=True)))
    return out


def test_a_day_pushed_at_once_ends_the_session_its_check_out_closes(worker: Worker) -> None:
    # A phone back from a dead zone pushes a second visit's check-in and check-out together.
    second = _records(worker, [("check_in", worker.end + 30 * MIN),
                               ("check_out", worker.end + 50 * MIN),
                               ("check_out", worker.end + 55 * MIN)])
    answer = handle_sync(worker.engine, worker.device, request(*second))
    assert sorted(answer.accepted) == sorted(r.id for r in second)
    # Both sessions of the visit (the fixture's check-in too) ended at the first check-out.
    assert welfare.tick(worker.engine, worker.end + timedelta(hours=3)) == (0, 0)
    assert worker.alerts() == []


def test_checking_in_again_after_checking_out_in_one_push_keeps_the_new_session_watched(
        worker: Worker) -> None:
    back = _records(worker, [("check_out", worker.end - 5 * MIN),
                             ("check_in", worker.end - 2 * MIN)])  # went back in
    answer = handle_sync(worker.engine, worker.device, request(*back))
    assert sorted(answer.accepted) == sorted(r.id for r in back)
    assert welfare.tick(worker.engine, grace_ends(worker)) == (1, 0)


def test_the_monitor_waits_for_a_push_in_progress_and_raises_nothing_for_its_check_out(
        worker: Worker, engine: Engine) -> None:
    # A push holding the agency's clock (as every push does first) that checks the worker out,
    # while the monitor finds the session overdue. The monitor used to lock the session, then
    # wait for the clock while the push waited for the session: on PostgreSQL a deadlock, and
    # one of the two failed (the phone's sync answered 500).
    tid, a = worker.agency.tenant_id, worker.agency
    sealer = worker.sealer
    rid = uuid7()
    out = PushedRecord(rid, "check_out", worker.visit["id"], worker.visit["service_user_id"],
                       worker.end.isoformat(), 1,
                       sealer.seal("records", rid, 1, {"at": "x"}, escrow=True))
    with engine.connect() as conn:
        tx = conn.begin()
        feed_module.lock_clock(conn, tid)
        with ThreadPoolExecutor(1) as pool:
            ticking = pool.submit(welfare.tick, engine, grace_ends(worker))
            assert waiting_on_a_lock(engine)
            welfare.from_records(conn, tid, a.worker_id, [out], grace_ends(worker))
            tx.commit()
            assert ticking.result(timeout=60) == (0, 0)  # it waited, then found it ended
    assert worker.alerts() == []
