"""One clock on the server: nothing outside server/clock.py reads the wall clock, and the app
factory's clock is the one its services tell time by."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from fieldapp.domain.clock import FakeClock
from server import enrolment
from server.app import create_app
from server.schema import devices
from server.settings import ServerSettings
from sync.protocol import ENROL_PATH
from tests.factories import small_agency

SERVER = Path(__file__).resolve().parents[2] / "server"
CLOCK_MODULE = SERVER / "clock.py"
# Calls that read the wall clock (time.monotonic / perf_counter measure intervals: allowed).
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
              ("date", "today"), ("time", "time"), ("time", "time_ns")}


def wall_clock_reads(source: str) -> list[int]:
    """Line numbers of wall-clock reads in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in WALL_CLOCK):
            found.append(node.lineno)
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = {str(p.relative_to(SERVER)): lines for p in sorted(SERVER.rglob("*.py"))
                 if p != CLOCK_MODULE and (lines := wall_clock_reads(p.read_text()))}
    assert offenders == {}


@pytest.mark.parametrize("planted", [
    "from datetime import datetime\nx = datetime.now()\n",
    "import datetime as dt\nfrom datetime import date\ny = date.today()\n",
    "import time\nstamp = time.time()\n",
])
def test_the_scan_sees_a_planted_wall_clock_read(planted: str) -> None:
    assert wall_clock_reads(planted) != []


def test_the_app_factory_clock_stamps_what_the_api_writes(tmp_path: Path) -> None:
    frozen = datetime(2031, 7, 4, 10, 30, tzinfo=UTC)
    settings = ServerSettings.from_env({}, database_url=f"sqlite:///{tmp_path / 's.sqlite'}",
                                       escrow_key_file=tmp_path / "escrow.key")
    app = create_app(settings, with_console=False, clock=FakeClock(frozen))
    engine = app.state.engine
    a = small_agency(engine, tmp_path)
    # Issued at the fake "now": by the machine's clock it would have expired years ago.
    code = enrolment.issue_code(engine, a.worker_id, 60, now=frozen)

    async def enrol() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://office") as client:
            return await client.post(ENROL_PATH, json={"code": code})

    answer = asyncio.run(enrol())
    assert answer.status_code == 200, answer.text
    with engine.connect() as conn:
        assert conn.execute(select(devices.c.enrolled_at)).scalar_one() == frozen.isoformat()
    engine.dispose()
