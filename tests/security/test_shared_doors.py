"""Failed sign-ins, enrolment codes and unknown tokens are counted once for every server process:
a guesser spreading tries over two servers on one database (two real processes, and two apps
with engines of their own) is slowed and locked as soon as with one, on both backends."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from fieldapp.domain.clock import FakeClock
from server.app import create_app
from server.office_api import OFFICE_SIGN_IN_PATH
from server.schema import audit_log
from server.settings import ServerSettings
from sync.protocol import ENROL_PATH
from tests.factories import PASSWORD, SmallAgency, code_for, small_agency
from tests.security.pushes import gz, post_sync
from tests.support.live import serve
from tests.support.procs import free_port, start_python, stop, wait_http

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    from tests.support.pg import create_database

    return create_database(request.getfixturevalue("pg_url"), f"d_{uuid.uuid4().hex[:12]}")


@dataclass
class TwoOffices:
    apps: list[Any]
    agency: SmallAgency
    clock: FakeClock

    @property
    def engine(self) -> Engine:
        return self.apps[0].state.engine  # type: ignore[no-any-return]

    def audited(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id))
                        .scalars())


@pytest.fixture
def two(url: str, tmp_path: Path) -> Iterator[TwoOffices]:
    """Two apps, each with its own engine (as two processes have), on one database, told time
    by one fake clock."""
    clock = FakeClock(START)
    settings = ServerSettings(database_url=url, escrow_key_file=tmp_path / "escrow.key",
                              run_monitors=False)
    first = create_app(settings, with_console=False, clock=clock)
    agency = small_agency(first.state.engine, tmp_path)
    second = create_app(settings, with_console=False, clock=clock)
    yield TwoOffices([first, second], agency, clock)
    for app in (first, second):
        app.state.engine.dispose()


def sign_in(client: httpx.Client, agency: SmallAgency, password: str) -> httpx.Response:
    return client.post(OFFICE_SIGN_IN_PATH, json={"email": agency.coordinator_email,
                                                  "password": password})


def test_wrong_passwords_spread_over_two_servers_lock_the_account(two: TwoOffices) -> None:
    with serve(two.apps[0]) as a, serve(two.apps[1]) as b, \
            httpx.Client(base_url=a, timeout=60) as one, \
            httpx.Client(base_url=b, timeout=60) as other:
        clients = [one, other]
        answers = []
        for i in range(5):  # alternate servers; from the third failure the door closes
            answers.append(sign_in(clients[i % 2], two.agency, f"wrong-{i}").status_code)
            if 2 <= i < 4:  # the other server holds it shut too (counted per process: 401)
                held = sign_in(clients[(i + 1) % 2], two.agency, f"wrong-{i}")
                assert held.status_code == 429, held.text
                two.clock.advance(seconds=int(held.headers["retry-after"]))  # waited out
        assert answers == [401] * 5
        # Five failures lock the account for 15 minutes on both servers, right password or not.
        for client in clients:
            locked = sign_in(client, two.agency, PASSWORD)
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
        two.clock.advance(minutes=15)
        assert sign_in(other, two.agency, PASSWORD).status_code == 200
    assert two.audited().count("sign_in_account_locked") == 1


def test_enrolment_codes_and_tokens_are_counted_across_two_servers(two: TwoOffices) -> None:
    good = code_for(two.engine, two.agency.worker_id)
    body = gz({"protocol": 1})
    with serve(two.apps[0]) as a, serve(two.apps[1]) as b, \
            httpx.Client(base_url=a, timeout=60) as one, \
            httpx.Client(base_url=b, timeout=60) as other:
        clients = [one, other]
        wrong = [clients[i % 2].post(ENROL_PATH, json={"code": "AAAA-BBBB-CCCC"}).status_code
                 for i in range(6)]  # five free, the sixth closes the door
        assert wrong == [403] * 6
        for client in clients:
            assert client.post(ENROL_PATH, json={"code": good}).status_code == 429
        tokens = [post_sync(clients[i % 2], f"guess-{i}", body).status_code for i in range(11)]
        assert tokens == [401] * 11
        for client in clients:
            assert post_sync(client, "guess-x", body).status_code == 429
        two.clock.advance(seconds=2)  # both waits are over
        assert other.post(ENROL_PATH, json={"code": good}).status_code == 200
    assert two.audited() == ["enrol_attempts_slowed", "token_attempts_slowed"]


def test_two_real_server_processes_share_the_count_of_wrong_passwords(url: str,
                                                                       tmp_path: Path) -> None:
    settings = ServerSettings(database_url=url, escrow_key_file=tmp_path / "escrow.key",
                              run_monitors=False)
    app = create_app(settings, with_console=False)  # migrates and makes the agency's key
    agency = small_agency(app.state.engine, tmp_path)
    app.state.engine.dispose()
    env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_ESCROW_KEY_FILE": str(agency.key_file),
           "FIELDAPP_RUN_MONITORS": "0"}
    ports = [free_port(), free_port()]
    procs = [start_python(["-m", "server.cli", "serve", "--port", str(p)], env=env)
             for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/health", proc=proc, timeout=90)
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=30) for p in ports]
        # Wrong passwords, alternating between the servers, each wait sat out, until five
        # have been counted: that locks the account on both (counted per process, neither
        # would have seen more than three).
        failures, turn = 0, 0
        while failures < 5 and turn < 20:
            answer = sign_in(clients[turn % 2], agency, f"wrong-{turn}")
            turn += 1
            if answer.status_code == 429:
                time.sleep(int(answer.headers["retry-after"]))
                continue
            assert answer.status_code == 401, answer.text
            failures += 1
        for client in clients:
            held = sign_in(client, agency, PASSWORD)
            assert held.status_code == 429, held.text
            assert held.json()["error"]["code"] == "too_many_attempts"
            assert int(held.headers["retry-after"]) > 600  # locked, not just slowed
        for client in clients:
            client.close()
    finally:
        for proc in procs:
            stop(proc)
