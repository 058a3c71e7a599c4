"""The lone-working board service on both backends: who is on a visit, who is overdue, alerts.

Check-ins arrive through the real sync service; the monitor's tick and the board are read at
chosen times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from server import welfare
from server.services.lone_board import board
from server.services.sign_in import sign_in
from server.sync_service import handle_sync
from sync.protocol import PushedRecord, uuid7
from tests.factories import PASSWORD, SmallAgency, small_agency
from tests.server.test_sync_contract import device_for, request, sealer_for

MIN = timedelta(minutes=1)


def push(engine: Engine, a: SmallAgency, worker_id: str, visit: dict[str, Any], kind: str,
         at: datetime, facts: dict[str, Any] | None = None) -> None:
    """A worker's phone pushes one record about `visit` (check-in, check-out, ...)."""
    rid = uuid7()
    env = sealer_for(engine, a.tenant_id).seal("records", rid, 1, {"at": at.isoformat()},
                                               escrow=True)
    record = PushedRecord(rid, kind, visit["id"], visit["service_user_id"], at.isoformat(), 1,
                          env, facts=facts or {})
    answer = handle_sync(engine, device_for(engine, worker_id), request(record))
    assert answer.accepted == [rid], answer.rejected


def both_checked_in(engine: Engine, tmp_path: Path) -> SmallAgency:
    a = small_agency(engine, tmp_path)
    for worker, visit in ((a.worker_id, a.visits[0]), (a.other_worker_id, a.visits[1])):
        push(engine, a, worker, visit, "check_in", datetime.fromisoformat(visit["start"]))
    return a


def test_the_board_lists_workers_on_visits_with_their_time_left(engine: Engine,
                                                                 tmp_path: Path) -> None:
    a = both_checked_in(engine, tmp_path)
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    first_end = datetime.fromisoformat(a.visits[0]["end"])
    seen = board(engine, who, first_end - 5 * MIN)
    assert [s.worker_name for s in seen.on_visits] == ["Amira Khan", "Tom Baxter"]
    assert seen.overdue == [] and seen.alerts == []
    amira = seen.on_visits[0]
    assert amira.person_name == "Margaret Ellison"
    assert amira.seconds_left(first_end - 5 * MIN) == 300
    assert amira.checked_in_at == datetime.fromisoformat(a.visits[0]["start"]).isoformat()
    assert amira.last_synced_at is not None  # her phone synced the check-in


def test_an_overdue_session_moves_to_overdue_then_shows_its_amber_and_red_alert(
        engine: Engine, tmp_path: Path) -> None:
    a = both_checked_in(engine, tmp_path)
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    end = datetime.fromisoformat(a.visits[0]["end"])
    late = board(engine, who, end + MIN)
    assert [s.worker_name for s in late.overdue] == ["Amira Khan"]
    assert late.overdue[0].alert_level is None and late.alerts == []  # still in its grace
    welfare.tick(engine, end + 10 * MIN)
    amber = board(engine, who, end + 11 * MIN)
    (alert,) = amber.alerts
    assert (alert.escalation.level, alert.worker_name) == ("amber", "Amira Khan")
    assert alert.last_synced_at is not None and alert.checked_in_at is not None
    assert amber.overdue[0].alert_level == "amber" and amber.red == 0
    welfare.tick(engine, end + 20 * MIN)
    red = board(engine, who, end + 21 * MIN)
    assert [a_.escalation.level for a_ in red.alerts] == ["red"] and red.red == 1
    assert red.overdue[0].alert_level == "red"


def test_checking_out_takes_the_worker_off_the_board_but_the_alert_stays_to_close(
        engine: Engine, tmp_path: Path) -> None:
    a = both_checked_in(engine, tmp_path)
    who = sign_in(engine, a.coordinator_email, PASSWORD)
    end = datetime.fromisoformat(a.visits[0]["end"])
    welfare.tick(engine, end + 10 * MIN)
    push(engine, a, a.worker_id, a.visits[0], "check_out", end + 12 * MIN)
    after = board(engine, who, end + 13 * MIN)
    assert after.overdue == [] and [s.worker_name for s in after.on_visits] == ["Tom Baxter"]
    (alert,) = after.alerts
    assert alert.escalation.answered_at is not None and alert.escalation.state == "raised"

