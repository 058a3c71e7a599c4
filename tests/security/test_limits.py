"""Growing delays after failures: wrong enrolment codes and unknown device tokens, per address,
answered 429 with Retry-After before any work, and the moment it starts audited."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.ratelimit import Limiter
from server.schema import audit_log
from sync.protocol import ENROL_PATH
from tests.factories import code_for
from tests.security.pushes import Office, gz, office_app, post_sync
from tests.support.live import serve


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_failure_past_the_free_ones_doubles_the_wait_up_to_a_cap() -> None:
    clock = Clock()
    limiter = Limiter(free=3, first_delay=1, max_delay=8, forget_after=600, clock=clock)
    assert [limiter.failed("a") for _ in range(3)] == [False, False, False]
    assert limiter.wait("a") == 0
    assert limiter.failed("a")  # the fourth closes the door: worth an audit line
    waits = [limiter.wait("a")]
    for _ in range(5):
        limiter.failed("a")
        waits.append(limiter.wait("a"))
    assert waits == [1, 2, 4, 8, 8, 8]
    assert limiter.wait("b") == 0  # another address is not held up
    clock.now += 8
    assert limiter.wait("a") == 0
    clock.now += 601
    assert limiter.wait("a") == 0 and not limiter.failed("a")  # forgotten after a quiet hour
    limiter.succeeded("a")


def test_a_limiter_keeps_a_bounded_number_of_callers() -> None:
    limiter = Limiter(free=0, max_keys=10, clock=Clock())
    for i in range(100):
        limiter.failed(str(i))
    assert limiter.wait("0") == 0 and limiter.wait("99") > 0


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return office_app(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path)


def _audited(office: Office) -> list[tuple[str, str]]:
    with office.engine.begin() as conn:
        return [(r.action, r.actor_kind) for r in conn.execute(select(audit_log))]


def test_wrong_enrolment_codes_slow_the_address_down(office: Office) -> None:
    good = code_for(office.engine, office.agency.worker_id)
    with serve(office.app) as url, httpx.Client(base_url=url) as client:
        statuses = [client.post(ENROL_PATH, json={"code": "AAAA-BBBB-CCCC"}).status_code
                    for _ in range(6)]
        assert statuses == [403] * 6
        held = client.post(ENROL_PATH, json={"code": good})  # even the right one waits
        assert held.status_code == 429 and int(held.headers["Retry-After"]) >= 1
        assert held.json()["error"]["code"] == "too_many_attempts"
    assert _audited(office) == [("enrol_attempts_slowed", "address")]
    office.app.state.guard.enrolments.succeeded("127.0.0.1")  # the wait is over
    with serve(office.app) as url, httpx.Client(base_url=url) as client:
        assert client.post(ENROL_PATH, json={"code": good}).status_code == 200


def test_unknown_tokens_slow_the_address_down(office: Office) -> None:
    body = gz({"protocol": 1})
    with serve(office.app) as url, httpx.Client(base_url=url) as client:
        statuses = [post_sync(client, f"guess-{i}", body).status_code for i in range(11)]
        assert statuses == [401] * 11
        held = post_sync(client, "guess-12", body)
        assert held.status_code == 429 and "Retry-After" in held.headers
        wiped = client.post("/api/v1/device/wiped", headers={"Authorization": "Bearer x"})
        assert wiped.status_code == 429
    assert _audited(office) == [("token_attempts_slowed", "address")]
