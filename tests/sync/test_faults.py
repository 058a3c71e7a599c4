"""Sync under faults, against the real server process on loopback.

Network faults that cannot be caused for real on one machine are scripted with an httpx
transport wrapper (named `ScriptedFault…`); everything else is real: uvicorn, SQLite files,
the phone's store and the sync client.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fieldapp.domain.clock import FakeClock, SystemClock
from fieldapp.services.device import Device, Enrolment
from fieldapp.services.visits import VisitService
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import write_record
from fieldapp.vault.dek import KDF_FLOOR
from fieldapp.vault.keystore import MemoryKeyStore
from server.schema import records
from server.storage import make_engine, migrate
from sync.client import SyncClient, SyncState, enrol
from tests.factories import SmallAgency, code_for, small_agency
from tests.support.procs import free_port, start_python, stop, wait_http


@dataclass
class LiveServer:
    url: str
    database_url: str
    key_file: Path
    agency: SmallAgency
    port: int
    proc: object

    def start(self) -> None:
        self.proc = start_python(
            ["-m", "server.cli", "serve", "--port", str(self.port)],
            env={"FIELDAPP_DATABASE_URL": self.database_url,
                 "FIELDAPP_ESCROW_KEY_FILE": str(self.key_file),
                 "FIELDAPP_RUN_MONITORS": "0"})
        wait_http(f"{self.url}/health", proc=self.proc, timeout=60)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        self.proc.wait(timeout=10)  # type: ignore[attr-defined]

    def stored(self) -> int:
        engine = make_engine(self.database_url)
        with engine.begin() as conn:
            n = int(conn.execute(select(func.count()).select_from(records)).scalar_one())
        engine.dispose()
        return n


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    engine = make_engine(db)
    migrate(engine)
    agency = small_agency(engine, tmp_path)
    engine.dispose()
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", db, agency.key_file, agency, port, None)
    server.start()
    try:
        yield server
    finally:
        stop(server.proc)  # type: ignore[arg-type]


class Phone:
    def __init__(self, live: LiveServer, tmp_path: Path, transport: httpx.AsyncBaseTransport
                 | None = None, clock=None):
        self.live = live
        self.clock = clock or SystemClock()
        self.http = httpx.AsyncClient(transport=transport, timeout=30)
        self.store = DeviceStore(tmp_path / "phone" / "fieldapp.sqlite")
        self.device = Device(self.store, MemoryKeyStore(), self.clock, KDF_FLOOR)
        self.sync = SyncClient(self.store, self.device, self.http, self.clock)
        self.visits = VisitService(self.store, self.device.sealer, self.device.author,
                                   self.clock)

    async def enrol(self) -> None:
        plain = httpx.AsyncClient()
        engine = make_engine(self.live.database_url)
        data = await enrol(plain, self.live.url, code_for(engine, self.live.agency.worker_id))
        engine.dispose()
        await plain.aclose()
        self.device.complete_enrolment(Enrolment.from_server(self.live.url, data), "258036")
        assert (await self.sync.sync_once()).state is SyncState.OK

    async def close(self) -> None:
        await self.http.aclose()
        self.store.close()

    def write_notes(self, n: int) -> None:
        """A check-in then `n` notes, written the way the visit service writes them."""
        vid = self.live.agency.visits[0]["id"]
        su = self.live.agency.people[0]["id"]
        self.visits.check_in(vid, "traffic")
        sealer, author = self.device.sealer(), self.device.author()
        with self.store.transaction() as db:
            for i in range(n):
                write_record(db, sealer, author, kind="note", visit_id=vid, service_user_id=su,
                             recorded_at=self.clock.now().isoformat(),
                             payload={"text": f"observation {i}", "phrases": []})


class ScriptedFaultLoseResponse(httpx.AsyncBaseTransport):
    """Scripted network fault: the request reaches the server and commits, the answer is lost."""

    def __init__(self, times: int):
        self.inner = httpx.AsyncHTTPTransport()
        self.times = times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.times > 0 and request.url.path.endswith("/sync"):
            self.times -= 1
            await response.aread()
            raise httpx.ReadError("connection dropped before the answer arrived")
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def run(coro):
    return asyncio.run(coro)


def test_a_lost_answer_after_commit_is_retried_without_duplicates(live: LiveServer,
                                                                  tmp_path: Path) -> None:
    async def scenario():
        phone = Phone(live, tmp_path, ScriptedFaultLoseResponse(times=0))
        await phone.enrol()
        phone.write_notes(3)  # plus the check-in: 4 records
        phone.sync.http._transport.times = 1  # type: ignore[attr-defined]
        lost = await phone.sync.sync_once()
        assert lost.state is SyncState.OFFLINE
        assert live.stored() == 4  # the server did commit them
        assert replica.counts(phone.store).sent == 4  # the phone knows they went, not landed
        again = await phone.sync.sync_once()
        assert again.state is SyncState.OK and again.received == 4
        assert replica.counts(phone.store).received == 4
        assert live.stored() == 4  # and nothing was stored twice
        await phone.close()

    run(scenario())


def test_the_same_request_twice_has_one_effect(live: LiveServer, tmp_path: Path) -> None:
    sent: list[tuple[bytes, dict[str, str]]] = []

    class Recorder(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            body = await request.aread()
            if request.url.path.endswith("/sync"):
                sent.append((body, dict(request.headers)))
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self.inner.aclose()

    async def scenario():
        phone = Phone(live, tmp_path, Recorder())
        await phone.enrol()
        phone.write_notes(2)
        await phone.sync.sync_once()
        body, headers = sent[-1]
        replay = httpx.post(f"{live.url}/api/v1/sync", content=body, headers={
            k: v for k, v in headers.items() if k.lower() in (
                "authorization", "content-encoding", "content-type")})
        assert replay.status_code == 200
        assert len(replay.json()["accepted"]) == 3
        assert live.stored() == 3
        await phone.close()

    run(scenario())


def test_server_killed_mid_push_loses_nothing_and_duplicates_nothing(live: LiveServer,
                                                                    tmp_path: Path) -> None:
    async def scenario():
        phone = Phone(live, tmp_path)
        await phone.enrol()
        phone.write_notes(1999)  # 2,000 records with the check-in: ten pushes
        task = asyncio.create_task(phone.sync.sync_once())
        while live.stored() == 0:  # kill once the first batches have landed
            await asyncio.sleep(0.01)
        live.kill()
        first = await task
        assert first.state is SyncState.OFFLINE
        landed = live.stored()
        assert 0 < landed < 2000
        live.start()
        while (await phone.sync.sync_once()).state is not SyncState.OK:
            await asyncio.sleep(0.1)
        while replica.counts(phone.store).on_phone + replica.counts(phone.store).sent:
            await phone.sync.sync_once()
        assert live.stored() == 2000
        assert replica.counts(phone.store).received == 2000
        await phone.close()

    run(scenario())


def test_a_phone_clock_hours_wrong_keeps_its_recorded_time_and_the_servers_order(
    live: LiveServer, tmp_path: Path
) -> None:
    wrong = FakeClock(datetime.now(UTC) - timedelta(hours=5))

    async def scenario():
        phone = Phone(live, tmp_path, clock=wrong)
        await phone.enrol()
        vid = live.agency.visits[0]["id"]
        phone.visits.check_in(vid, "clock test")
        wrong.advance(minutes=1)
        phone.visits.add_note(vid, "second")
        await phone.sync.sync_once()
        await phone.close()

    run(scenario())
    engine = make_engine(live.database_url)
    with engine.begin() as conn:
        rows = conn.execute(select(records.c.kind, records.c.recorded_at, records.c.received_at,
                                   records.c.seq).order_by(records.c.seq)).all()
    engine.dispose()
    assert [r.kind for r in rows] == ["check_in", "note"]  # pushed in order, stored in order
    for r in rows:
        recorded, received = datetime.fromisoformat(r.recorded_at), datetime.fromisoformat(
            r.received_at)
        assert received - recorded > timedelta(hours=4)  # the worker's own time is kept as is


def test_a_week_offline_then_ten_thousand_records_sync_in_bounded_batches(
    live: LiveServer, tmp_path: Path
) -> None:
    batches: list[int] = []

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.offline = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if self.offline:
                raise httpx.ConnectError("scripted: no signal all week")
            if request.url.path.endswith("/sync"):
                import gzip
                import json

                body = json.loads(gzip.decompress(await request.aread()))
                batches.append(len(body["push"]))
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self.inner.aclose()

    async def scenario():
        transport = Counting()
        phone = Phone(live, tmp_path, transport)
        await phone.enrol()
        transport.offline = True
        phone.write_notes(9999)
        assert (await phone.sync.sync_once()).state is SyncState.OFFLINE
        assert replica.counts(phone.store).on_phone == 10000
        transport.offline = False
        while replica.counts(phone.store).on_phone + replica.counts(phone.store).sent:
            result = await phone.sync.sync_once()
            assert result.state is SyncState.OK
        assert live.stored() == 10000
        assert max(batches) <= 200  # memory stays bounded: never the whole backlog at once
        await phone.close()

    run(scenario())
