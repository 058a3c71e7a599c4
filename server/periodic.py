"""A blocking job run every `tick` seconds in a worker thread, for the life of the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging


class Periodic:
    """Runs `run_once` off the event loop every `tick` seconds between `start` and `stop`.

    A run that raises is logged and the next one goes ahead: one failing look must not stop
    the server's background work. Subclasses say what failed in `failure` (never with data)."""

    failure = "background run failed"
    log = logging.getLogger("fieldapp.server")

    def __init__(self, tick: float) -> None:
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    def run_once(self) -> object:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.run_once)
            except Exception as exc:
                # Which job failed and the kind of error, never its message or traceback: a
                # database error's message can quote the row it was looking at.
                self.log.error("%s: %s", self.failure, type(exc).__name__)
            await asyncio.sleep(self.tick)
