"""Leader election: one holder at a time, and the lead passes on when the holder lets go."""

from __future__ import annotations

from sqlalchemy import Engine, select

from server.leader import Leadership
from server.monitors import MonitorLoop
from server.schema import monitor_heartbeat


def test_only_one_leadership_holds_at_a_time_and_it_passes_on(engine: Engine) -> None:
    first, second = Leadership(engine), Leadership(engine)
    assert first.try_acquire()
    assert first.try_acquire()  # staying leader is idempotent
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


def test_only_the_leader_runs_monitors_and_writes_the_heartbeat(engine: Engine) -> None:
    ran: list[str] = []
    a = MonitorLoop(engine, [lambda _e, _now: ran.append("a")])
    b = MonitorLoop(engine, [lambda _e, _now: ran.append("b")])
    assert a.run_once()
    assert not b.run_once()
    assert ran == ["a"]
    with engine.begin() as conn:
        assert len(conn.execute(select(monitor_heartbeat)).all()) == 1
    a.leadership.release()
    assert b.run_once()
    assert ran == ["a", "b"]
    b.leadership.release()
