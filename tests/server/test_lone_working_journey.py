"""Lone working end to end: a real phone client, the real server command on loopback with its
leader-elected monitor, and the agency's timings cut to seconds.

Check in on the phone -> no check-out -> amber on the office's board -> red -> the worker's
"I'm OK" record stands the climb down -> the coordinator closes the alert with an outcome.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import Engine, select

from fieldapp.domain.clock import FakeClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import write_record
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server import agency, agency_settings
from server.schema import escalations as escalations_t
from server.services.escalation_board import resolve
from server.services.lone_board import LoneBoard, board
from server.services.sign_in import Coordinator, sign_in
from server.storage import make_engine, migrate
from sync.client import SyncClient, SyncResult, enrol
from tests.factories import PASSWORD, SmallAgency, code_for, person, plan_for, small_agency
from tests.support.procs import free_port, start_python, stop, wait_http

T = TypeVar("T")
PIN = "258036"
RUNS_OUT_IN = timedelta(seconds=8)  # the short visit's scheduled end, from its check-in


class Phone:
    """The worker's phone: its own store and vault, the real sync client over HTTP."""

    def __init__(self, url: str, engine: Engine, tmp: Path, worker_id: str, now: datetime):
        self.clock, self.url = FakeClock(now), url
        code = code_for(engine, worker_id)

        async def enrolled() -> dict[str, object]:
            async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
                return await enrol(http, url, code)

        data = asyncio.run(enrolled())
        self.store = DeviceStore(tmp / "phone" / "fieldapp.sqlite")
        self.device = Device(self.store, MemoryKeyStore(), self.clock, KDF_FLOOR)
        self.device.complete_enrolment(Enrolment.from_server(url, data), PIN)
        self.visits = VisitService(self.store, self.device.sealer, self.device.author,
                                   self.clock)

    def sync(self) -> None:
        async def once() -> SyncResult:
            # A client per sync: each asyncio.run has a loop of its own.
            async with httpx.AsyncClient(base_url=self.url, trust_env=False, timeout=30) as http:
                return await SyncClient(self.store, self.device, http, self.clock).sync_once()

        result = asyncio.run(once())
        assert result.rejected == 0, result

    def answer_im_ok(self) -> None:
        """The worker's "I'm OK": a lone-worker record, sealed and queued like any other."""
        at = self.clock.now().isoformat()
        with self.store.transaction() as db:
            write_record(db, self.device.sealer(), self.device.author(), kind="lone_worker",
                         recorded_at=at, payload={"event": "ok", "at": at},
                         facts={"event": "ok", "at": at})


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Engine, SmallAgency, dict[str, str]]]:
    db_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    engine = make_engine(db_url)
    migrate(engine)
    a = small_agency(engine, tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    # Someone with no medicines and no evening tasks: checking out never waits on a dose that
    # happens to be due at the hour the test runs.
    edith = person("Edith Shaw")
    agency.add_people(engine, a.tenant_id, [edith], [plan_for(edith)], [])
    short = {"id": str(uuid.uuid4()), "worker_id": a.worker_id,
             "service_user_id": edith["id"], "visit_type": "evening",
             "start": (now - timedelta(minutes=20)).isoformat(),
             "end": (now + RUNS_OUT_IN).isoformat()}
    agency.add_visits(engine, a.tenant_id, [short])
    with engine.begin() as conn:  # demo timings: seconds, not minutes
        agency_settings.set_timings(conn, a.tenant_id, lone_grace_s=2, lone_amber_to_red_s=3,
                                    lone_tier_ack_s=1)
    port = free_port()
    proc = start_python(["-m", "server.cli", "serve", "--port", str(port)], env={
        "FIELDAPP_DATABASE_URL": db_url, "FIELDAPP_ESCROW_KEY_FILE": str(a.key_file),
        "FIELDAPP_MONITOR_TICK": "0.2"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc=proc, timeout=90)
        yield url, engine, a, short
    finally:
        stop(proc)
        engine.dispose()


def until(what: Callable[[], T | None], seconds: float = 30) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("it did not happen in time")


def seen(engine: Engine, who: Coordinator) -> LoneBoard:
    return board(engine, who, datetime.now(UTC))


def test_a_phone_checked_in_and_silent_turns_amber_then_red_until_it_answers_im_ok(
        office: tuple[str, Engine, SmallAgency, dict[str, str]], tmp_path: Path) -> None:
    url, engine, a, short = office
    phone = Phone(url, engine, tmp_path, a.worker_id,
                  datetime.fromisoformat(short["start"]) + timedelta(minutes=1))
    phone.sync()
    phone.visits.check_in(short["id"])
    phone.sync()
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    on_visit = until(lambda: seen(engine, who).on_visits or seen(engine, who).overdue)
    assert on_visit[0].visit_id == short["id"] and on_visit[0].worker_name == "Amira Khan"

    amber = until(lambda: seen(engine, who).alerts)[0]
    assert (amber.escalation.level, amber.escalation.cause) == ("amber", "overdue")
    assert amber.last_synced_at is not None and amber.checked_in_at is not None
    assert datetime.now(UTC) >= datetime.fromisoformat(short["end"]) + timedelta(seconds=2)

    red = until(lambda: [x for x in seen(engine, who).alerts if x.escalation.level == "red"])[0]
    assert red.escalation.id == amber.escalation.id  # the same alert, turned red
    assert red.escalation.severity == "emergency"

    phone.clock.set(datetime.now(UTC))
    phone.answer_im_ok()
    phone.sync()
    answered = until(lambda: [x for x in seen(engine, who).alerts
                              if x.escalation.answered_at is not None])[0]
    assert answered.escalation.state == "raised"  # heard from, still to be closed
    with engine.begin() as conn:
        assert conn.execute(select(escalations_t.c.next_call_at).where(
            escalations_t.c.id == red.escalation.id)).scalar() is None  # the climb stopped

    resolve(engine, who, red.escalation.id, datetime.now(UTC), "late",
            "Visit ran over: she was unwell, the worker stayed")
    after = seen(engine, who)
    assert after.alerts == [] and [s.visit_id for s in after.overdue] == [short["id"]]
    phone.visits.check_out(short["id"], "Stayed with her until the GP rang back")
    phone.sync()
    until(lambda: not seen(engine, who).overdue)
    with engine.begin() as conn:
        outcomes = conn.execute(select(escalations_t.c.outcome, escalations_t.c.state)).all()
    assert [tuple(o) for o in outcomes] == [("late", "resolved")]  # one alert, never doubled
