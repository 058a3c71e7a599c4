"""Growing delays after failures: wrong enrolment codes and unknown device tokens, per address,
answered 429 with Retry-After before any work, and the moment it starts audited; the counts
live in the database on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from fieldapp.domain.clock import FakeClock
from server.doors import SWEEP_EVERY, DoorRules, Doors
from server.schema import audit_log, door_counts
from sync.protocol import ENROL_PATH
from tests.factories import code_for
from tests.security.pushes import Office, gz, office_app, post_sync
from tests.server.conftest import engine  # noqa: F401  (the two-backend fixture)
from tests.support.live import serve

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_each_failure_past_the_free_ones_doubles_the_wait_up_to_a_cap(
        engine: Engine) -> None:  # noqa: F811
    clock = FakeClock(START)
    doors = Doors(engine, "test", DoorRules(free=3, first_delay=timedelta(seconds=1),
                                            max_delay=timedelta(seconds=8),
                                            forget_after=timedelta(seconds=600)), clock)
    assert [doors.failed("a") for _ in range(3)] == [False, False, False]
    assert not doors.wait("a")
    assert doors.failed("a")  # the fourth closes the door: worth an audit line
    waits = [doors.wait("a").total_seconds()]
    for _ in range(5):
        doors.failed("a")
        waits.append(doors.wait("a").total_seconds())
    assert waits == [1, 2, 4, 8, 8, 8]
    assert not doors.wait("b")  # another address is not held up
    assert not Doors(engine, "other", doors.rules, clock).wait("a")  # nor another scope
    clock.advance(seconds=8)
    assert not doors.wait("a")
    clock.advance(seconds=601)
    assert not doors.wait("a") and not doors.failed("a")  # forgotten after a quiet while
    doors.succeeded("a")
    assert not doors.wait("a")


def test_quiet_keys_are_swept_and_none_is_kept_as_typed(engine: Engine) -> None:  # noqa: F811
    clock = FakeClock(START)
    doors = Doors(engine, "test", DoorRules(free=0, forget_after=timedelta(hours=1)), clock)
    for i in range(SWEEP_EVERY - 1):
        doors.failed(f"someone-{i}@example.org")
    clock.advance(hours=2)
    doors.failed("last@example.org")  # the 200th failure sweeps the quiet ones
    with engine.connect() as conn:
        keys = conn.execute(select(door_counts.c.key)).scalars().all()
    assert len(keys) == 1 and "example" not in keys[0]
    assert doors.wait("last@example.org")


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
