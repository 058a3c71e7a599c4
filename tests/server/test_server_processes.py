"""The server as several processes on one SQLite file: the writer queue, background WAL
checkpoints, `serve --workers`, and a sync body that would inflate without end."""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select

from server.schema import records, tenants
from server.storage import Checkpointer, make_engine, migrate
from sync.protocol import MAX_INFLATED_BYTES, SYNC_PATH, encode_body
from tests.factories import SmallAgency, code_for, small_agency
from tests.server.test_sync_contract import note, request, sealer_for
from tests.support.procs import free_port, start_python, stop, wait_http


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.sqlite'}"


def _bump(engine: Engine, hold: float = 0.0, fail: bool = False) -> int:
    """One writer: read the tenant clock, hold the transaction a while, write clock + 1."""
    with engine.begin() as conn:
        clock = conn.execute(select(tenants.c.clock)).scalar_one()
        time.sleep(hold)
        if fail:
            raise RuntimeError("the writer gave up")
        conn.execute(tenants.update().values(clock=clock + 1))
        return int(clock) + 1


def test_writers_in_threads_and_processes_take_turns_without_losing_an_update(
    sqlite_url: str, tmp_path: Path
) -> None:
    # Two engines stand for two server processes (each has its own writer queue; they meet at
    # the flock and at SQLite's lock); each runs writers in several threads. A read-modify-
    # write of the clock row loses updates unless every writer really waits its turn.
    first, second = make_engine(sqlite_url), make_engine(sqlite_url)
    migrate(first)
    small_agency(first, tmp_path)
    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(_bump, engine, 0.002) for engine in (first, second) * 20]
        values = sorted(job.result() for job in jobs)
    start = values[0]
    assert values == list(range(start, start + 40))  # every writer saw the one before it
    first.dispose()
    second.dispose()


def test_a_writer_that_fails_hands_its_turn_on(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    small_agency(engine, tmp_path)
    with pytest.raises(RuntimeError, match="gave up"):
        _bump(engine, fail=True)
    done: list[int] = []
    writer = threading.Thread(target=lambda: done.append(_bump(engine)))
    writer.start()
    writer.join(timeout=10)
    assert done, "the next writer never got its turn after a rollback"
    engine.dispose()


def test_a_second_process_waits_for_the_first_to_commit(sqlite_url: str, tmp_path: Path) -> None:
    holder, waiter = make_engine(sqlite_url), make_engine(sqlite_url)
    migrate(holder)
    small_agency(holder, tmp_path)
    order: list[str] = []
    inside = threading.Event()

    def hold() -> None:
        with holder.begin() as conn:
            conn.execute(select(tenants.c.clock)).scalar_one()
            inside.set()
            time.sleep(0.3)
            order.append("first committed")

    def wait() -> None:
        inside.wait()
        with waiter.begin() as conn:
            order.append("second began")
            conn.execute(tenants.update().values(clock=tenants.c.clock + 1))

    threads = [threading.Thread(target=hold), threading.Thread(target=wait)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert order == ["first committed", "second began"]
    holder.dispose()
    waiter.dispose()


def test_commits_leave_the_log_to_the_checkpoint_thread(sqlite_url: str, tmp_path: Path) -> None:
    db_file = tmp_path / "server.sqlite"
    engine = make_engine(sqlite_url, background_checkpoints=True)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    agency = small_agency(engine, tmp_path)
    raw = engine.raw_connection()
    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    raw.close()  # the log starts empty
    before = db_file.stat().st_size
    big = {"ct": "x" * 4000}
    with engine.begin() as conn:
        conn.execute(insert(records), [
            {"id": f"r-{i}", "tenant_id": agency.tenant_id, "device_id": "d", "worker_id": "w",
             "kind": "note", "recorded_at": "2026-11-23T08:00:00+00:00", "version": 1,
             "envelope": big, "facts": {}, "content_hash": "h", "received_at": "x", "seq": i}
            for i in range(500)])
    assert db_file.stat().st_size == before  # committed, but only in the log so far
    checkpointer = Checkpointer(engine, every=0.05)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 20
        while db_file.stat().st_size < before + 500 * 4000 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        checkpointer.stop()
    assert db_file.stat().st_size >= before + 500 * 4000
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 500
    engine.dispose()


# --- the real server with several processes --------------------------------------------------

@pytest.fixture
def two_process_server(
    sqlite_url: str, tmp_path: Path
) -> Iterator[tuple[str, SmallAgency, int]]:
    engine = make_engine(sqlite_url)
    migrate(engine)
    agency = small_agency(engine, tmp_path)
    engine.dispose()
    port = free_port()
    proc = start_python(
        ["-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
        env={"FIELDAPP_DATABASE_URL": sqlite_url, "FIELDAPP_ESCROW_KEY_FILE": str(agency.key_file)})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc=proc, timeout=90)
        yield url, agency, proc.pid
    finally:
        stop(proc)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _enrol(url: str, engine: Engine, worker_id: str) -> str:
    answer = httpx.post(f"{url}/api/v1/enrol", json={"code": code_for(engine, worker_id)},
                        trust_env=False)
    answer.raise_for_status()
    return str(answer.json()["device_token"])


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts processes through /proc")
def test_two_server_processes_take_pushes_from_many_phones_at_once(
    two_process_server: tuple[str, SmallAgency, int], sqlite_url: str
) -> None:
    url, agency, pid = two_process_server
    engine = make_engine(sqlite_url)
    workers = [c for c in _children(pid)
               if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    assert len(workers) == 2
    token = _enrol(url, engine, agency.worker_id)
    sealer = sealer_for(engine, agency.tenant_id)
    batches = [[note(sealer, agency.visits[0], f"note {b}-{i}") for i in range(25)]
               for b in range(16)]

    def push(batch: list) -> list[str]:  # type: ignore[type-arg]
        body = encode_body(request(*batch).to_dict())
        answer = httpx.post(f"{url}{SYNC_PATH}", content=body, trust_env=False, timeout=60,
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Encoding": "gzip",
                                     "Content-Type": "application/json"})
        answer.raise_for_status()
        return list(answer.json()["accepted"])

    with ThreadPoolExecutor(8) as pool:
        accepted = [rid for ids in pool.map(push, batches) for rid in ids]
    assert sorted(accepted) == sorted(r.id for b in batches for r in b)
    with engine.begin() as conn:
        seqs = conn.execute(select(records.c.seq)).scalars().all()
    assert len(seqs) == len(set(seqs)) == 400  # stored once each, each its own place in order
    engine.dispose()


def test_a_body_that_inflates_past_the_limit_is_refused_by_name(
    two_process_server: tuple[str, SmallAgency, int], sqlite_url: str
) -> None:
    url, agency, _ = two_process_server
    engine = make_engine(sqlite_url)
    token = _enrol(url, engine, agency.worker_id)
    engine.dispose()
    bomb = gzip.compress(b"{" + b" " * (MAX_INFLATED_BYTES + 1024) + b"}", 9)
    assert len(bomb) < 100_000  # a small upload...
    answer = httpx.post(f"{url}{SYNC_PATH}", content=bomb, trust_env=False, timeout=60,
                        headers={"Authorization": f"Bearer {token}",
                                 "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert answer.status_code in (400, 422)  # ...refused, not inflated to 32 MiB and more
    assert "larger than 32 MiB once decompressed" in answer.json()["error"]["message"]
    assert httpx.get(f"{url}/health", trust_env=False).json()["status"] == "ok"


def test_an_idle_connection_outlives_the_clients_own_keep_alive(
    two_process_server: tuple[str, SmallAgency, int]
) -> None:
    # Clients (httpx) drop an idle connection after 5 s; a server closing it at that same
    # moment (uvicorn's default) races the client's next request, which then fails with a
    # ReadError (2 phones in a loaded morning rush). The server keeps it longer.
    url, _, _ = two_process_server
    port = int(url.rsplit(":", 1)[1])
    ask = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for _ in range(2):
            sock.sendall(ask)
            answer = _one_answer(sock)
            assert answer.startswith(b"HTTP/1.1 200"), answer  # not closed under the client
            time.sleep(6.5)  # idle past the client's keep-alive, and uvicorn's default


def _one_answer(sock: socket.socket) -> bytes:
    """One HTTP/1.1 answer (head and Content-Length body) read off a kept-alive connection;
    what was read when the server closed it, if it did."""
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        if not chunk:
            return got
        got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body
