"""Several server processes on one PostgreSQL: all accept syncs, exactly one runs the monitors,
and another takes over within 30 s when the leader dies."""

from __future__ import annotations

import gzip
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.schema import monitor_heartbeat
from tests.factories import code_for, small_agency
from tests.server.conftest import migrated_pg
from tests.support.procs import free_port, output_tail, start_python, stop, wait_http

pytestmark = pytest.mark.postgres


def holder(engine) -> str | None:
    with engine.begin() as conn:
        row = conn.execute(select(monitor_heartbeat.c.holder)).first()
    return row[0] if row else None


def sync(url: str, token: str) -> dict:
    body = gzip.compress(json.dumps({"protocol": 1, "cursor": None, "push": []}).encode())
    resp = httpx.post(f"{url}/api/v1/sync", content=body, timeout=30, headers={
        "Authorization": f"Bearer {token}", "Content-Encoding": "gzip",
        "Content-Type": "application/json"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_two_servers_share_one_database_and_elect_one_monitor_leader(pg_url: str,
                                                                      tmp_path: Path) -> None:
    url, engine = migrated_pg(pg_url, "multi")
    agency = small_agency(engine, tmp_path)
    env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_ESCROW_KEY_FILE": str(agency.key_file),
           "FIELDAPP_MONITOR_TICK": "1"}
    ports = [free_port(), free_port()]
    procs = [start_python(["-m", "server.cli", "serve", "--port", str(p)], env=env)
             for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/health", proc=proc, timeout=60)
        urls = [f"http://127.0.0.1:{p}" for p in ports]

        # Both accept syncs: enrol on one, sync on the other, for two workers at once.
        enrolled = httpx.post(f"{urls[0]}/api/v1/enrol",
                              json={"code": code_for(engine, agency.worker_id)}).json()
        other = httpx.post(f"{urls[1]}/api/v1/enrol",
                           json={"code": code_for(engine, agency.other_worker_id)}).json()
        assert sync(urls[1], enrolled["device_token"])["changes"]
        assert sync(urls[0], other["device_token"])["changes"]

        deadline = time.monotonic() + 30
        while holder(engine) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        first = holder(engine)
        assert first is not None, "no server process took the monitor lead"
        pids = {proc.pid: proc for proc in procs}
        leader_pid = int(first.rsplit(":", 1)[1])
        assert leader_pid in pids
        for _ in range(5):  # it stays with one process while that process lives
            time.sleep(0.5)
            assert holder(engine) == first

        os.kill(leader_pid, signal.SIGKILL)
        pids[leader_pid].wait(timeout=10)
        survivor = next(p for pid, p in pids.items() if pid != leader_pid)
        died_at = time.monotonic()
        while time.monotonic() - died_at < 30:
            now_holder = holder(engine)
            if now_holder and int(now_holder.rsplit(":", 1)[1]) == survivor.pid:
                break
            time.sleep(0.2)
        else:
            pytest.fail("no other server took over within 30 s:\n" + output_tail(survivor))
    finally:
        for proc in procs:
            stop(proc)
        engine.dispose()
