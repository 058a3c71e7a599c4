"""The lone-worker monitor's leader dies mid-way through a wave of overdue sessions; the other
server process takes over on the same PostgreSQL. No alert is lost and none is doubled: each
overdue session gets exactly one amber alert that turns red exactly once."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from server import agency_settings
from server.schema import escalation_events, escalations, monitor_heartbeat, welfare_sessions
from tests.factories import SmallAgency, small_agency
from tests.server.conftest import migrated_pg
from tests.support.procs import free_port, output_tail, start_python, stop, wait_http

pytestmark = pytest.mark.postgres

OVERDUE, LATER = 40, 5
SPREAD = timedelta(seconds=0.3)  # one session's grace ends every 0.3 s: a 12 s wave


def sessions(engine: Engine, a: SmallAgency, first_grace_end: datetime) -> set[str]:
    """Open sessions as the sync service stores them at check-in; returns the overdue ones."""
    rows, overdue = [], set()
    for i in range(OVERDUE + LATER):
        sid = str(uuid.uuid4())
        end = (first_grace_end - timedelta(seconds=1) + i * SPREAD if i < OVERDUE
               else first_grace_end + timedelta(hours=2))
        if i < OVERDUE:
            overdue.add(sid)
        rows.append({"id": sid, "tenant_id": a.tenant_id, "worker_id": a.worker_id,
                     "visit_id": a.visits[0]["id"], "started_at": (end - timedelta(minutes=30))
                     .isoformat(), "expected_end": end.isoformat(), "ended_at": None,
                     "amber_at": None})
    with engine.begin() as conn:
        conn.execute(insert(welfare_sessions), rows)
    return overdue


def leader_pid(engine: Engine) -> int | None:
    with engine.begin() as conn:
        holder = conn.execute(select(monitor_heartbeat.c.holder)).scalar()
    return int(holder.rsplit(":", 1)[1]) if holder else None


def ambers(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(escalations)).scalar_one())


def test_a_leader_killed_mid_wave_loses_no_alert_and_doubles_none(pg_url: str,
                                                                   tmp_path: Path) -> None:
    url, engine = migrated_pg(pg_url, "failover")
    a = small_agency(engine, tmp_path)
    with engine.begin() as conn:
        agency_settings.set_timings(conn, a.tenant_id, lone_grace_s=1, lone_amber_to_red_s=2)
    env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_ESCROW_KEY_FILE": str(a.key_file),
           "FIELDAPP_MONITOR_TICK": "0.2"}
    ports = [free_port(), free_port()]
    procs = {p.pid: p for p in (start_python(["-m", "server.cli", "serve", "--port", str(port)],
                                             env=env) for port in ports)}
    try:
        for port, proc in zip(ports, procs.values(), strict=True):
            wait_http(f"http://127.0.0.1:{port}/health", proc=proc, timeout=90)
        deadline = time.monotonic() + 30
        while leader_pid(engine) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        first = leader_pid(engine)
        assert first in procs, "no server process took the monitor lead"

        overdue = sessions(engine, a, datetime.now(UTC) + timedelta(seconds=3))
        deadline = time.monotonic() + 60
        while ambers(engine) < OVERDUE // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert OVERDUE // 4 <= ambers(engine) < OVERDUE, "the wave was not caught mid-way"
        os.kill(first, signal.SIGKILL)  # mid-way: some amber, some red, most still to come
        procs[first].wait(timeout=10)
        survivor = next(pid for pid in procs if pid != first)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.begin() as conn:
                reds = conn.execute(select(func.count()).select_from(escalations).where(
                    escalations.c.level == "red")).scalar_one()
            if reds >= OVERDUE:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"only {reds} of {OVERDUE} turned red:\n"
                        + output_tail(procs[survivor]))
        assert leader_pid(engine) == survivor
        time.sleep(1.0)  # a few more ticks: nothing further may be raised

        with engine.begin() as conn:
            alerts = conn.execute(select(escalations.c.id, escalations.c.dedupe_key,
                                         escalations.c.level)).all()
            events = Counter((e.escalation_id, e.event) for e in conn.execute(
                select(escalation_events.c.escalation_id, escalation_events.c.event)))
            amber_marks = conn.execute(select(func.count()).select_from(welfare_sessions)
                                       .where(welfare_sessions.c.amber_at.is_not(None)))\
                .scalar_one()
        assert sorted(k.removeprefix("overdue:") for _, k, _ in alerts) == sorted(overdue)
        assert {level for _, _, level in alerts} == {"red"}
        for alert_id, _, _ in alerts:
            assert events[(alert_id, "raised")] == 1 and events[(alert_id, "red")] == 1
        assert amber_marks == OVERDUE  # the sessions not yet due raised nothing
    finally:
        for proc in procs.values():
            stop(proc)
        engine.dispose()
