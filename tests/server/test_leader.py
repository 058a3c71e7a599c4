"""Leader election: one holder at a time, and the lead passes on when the holder lets go;
the monitors it runs are the ones the app factory registered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from fieldapp.domain.clock import FakeClock
from server import missed_doses, welfare
from server.app import create_app
from server.leader import Leadership
from server.monitors import MonitorLoop
from server.schema import monitor_heartbeat
from server.settings import ServerSettings


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


def test_the_app_factory_registers_the_monitors_and_they_tell_time_by_its_clock(
        tmp_path: Path) -> None:
    frozen = datetime(2031, 7, 4, 10, 30, tzinfo=UTC)
    seen: list[datetime] = []
    settings = ServerSettings.from_env({}, database_url=f"sqlite:///{tmp_path / 's.sqlite'}",
                                       escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False, clock=FakeClock(frozen),
                     monitors=[lambda _engine, now: seen.append(now)])
    loop: MonitorLoop = app.state.monitors
    loop.register(lambda _engine, now: seen.append(now + timedelta(seconds=1)))
    assert loop.run_once()
    assert seen == [frozen, frozen + timedelta(seconds=1)]
    with app.state.engine.begin() as conn:
        assert conn.execute(select(monitor_heartbeat.c.beat_at)).scalar_one() == frozen.isoformat()
    # Another app (another server process) has its own loop: nothing leaks between them; it
    # holds only the monitors every server runs (lone-worker welfare sessions, time-critical
    # doses missed at visits nobody checked in to, then passing handover points on to the next
    # workers).
    other = create_app(settings, with_console=False)
    assert [(m.__module__, m.__qualname__) for m in other.state.monitors.monitors] == [
        (welfare.watch.__module__, welfare.watch.__qualname__),
        (missed_doses.watch.__module__, missed_doses.watch.__qualname__),
        ("server.handovers", "monitor.<locals>.run")]
    loop.leadership.release()
    app.state.engine.dispose()
    other.state.engine.dispose()
