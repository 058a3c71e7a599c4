"""The background monitor loop: runs its monitors every tick, in the leader process only.

Monitors (lone-worker timers, escalation re-alerts, …) are plain functions of `(engine, now)`,
registered with the loop by the app factory (`server.app.create_app`). The loop records a
heartbeat so the office and the tests can see which process leads and when it last ran.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine, delete, insert

from server.clock import SYSTEM_CLOCK, Clock
from server.leader import Leadership
from server.periodic import Periodic
from server.schema import monitor_heartbeat

log = logging.getLogger("fieldapp.monitors")

Monitor = Callable[[Engine, datetime], None]
TICK_SECONDS = 5.0


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class MonitorLoop(Periodic):
    # A failing monitor must not stop the others or the server.
    failure = "background monitor tick failed"
    log = log

    def __init__(self, engine: Engine, monitors: Iterable[Monitor] = (),
                 tick: float = TICK_SECONDS, clock: Clock = SYSTEM_CLOCK):
        super().__init__(tick)
        self.engine = engine
        self.monitors: list[Monitor] = list(monitors)
        self.clock = clock
        self.leadership = Leadership(engine)

    def register(self, monitor: Monitor) -> None:
        """Run `monitor` every tick from now on (in whichever process leads)."""
        self.monitors.append(monitor)

    async def stop(self) -> None:
        await super().stop()
        await asyncio.to_thread(self.leadership.release)

    def run_once(self) -> bool:
        """One tick: lead if possible, and if leading run every monitor. Returns leadership."""
        if not self.leadership.try_acquire():
            return False
        now = self.clock.now()
        for monitor in self.monitors:
            monitor(self.engine, now)
        with self.engine.begin() as conn:
            conn.execute(delete(monitor_heartbeat))
            conn.execute(insert(monitor_heartbeat).values(
                holder=process_name(), beat_at=now.isoformat()))
        return True
