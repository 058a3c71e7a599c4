"""The server's background jobs: a failing run is logged by kind, and the next run goes ahead."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server.periodic import Periodic


class Flaky(Periodic):
    failure = "flaky job failed"

    def __init__(self) -> None:
        super().__init__(tick=0.01)
        self.runs = 0

    def run_once(self) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("row 42 of Mrs Example")  # must not reach the log


def test_a_failing_run_is_logged_without_its_message_and_the_next_goes_ahead(
        caplog: pytest.LogCaptureFixture) -> None:
    job = Flaky()

    async def scenario() -> None:
        job.start()
        for _ in range(200):
            if job.runs >= 3:
                break
            await asyncio.sleep(0.01)
        await job.stop()

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert job.runs >= 3
    assert [r.getMessage() for r in caplog.records] == ["flaky job failed: RuntimeError"]
    assert "Mrs Example" not in caplog.text and "row 42" not in caplog.text
    runs = job.runs
    asyncio.run(asyncio.sleep(0.05))
    assert job.runs == runs  # stopped
