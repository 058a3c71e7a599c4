"""The office API over HTTP (the real app in process): sign in for a token, read the board;
tokens that are forged, expired, from another agency or of a switched-off account are refused,
and wrong passwords from one address are slowed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from server import escrow, office_tokens, welfare
from server.office_api import LONE_WORKING_PATH, OFFICE_SIGN_IN_PATH
from server.schema import audit_log, coordinators
from server.services.sign_in import Coordinator
from tests.factories import PASSWORD
from tests.security.pushes import BASE, Office, office_app
from tests.server.test_lone_board import push

MIN = timedelta(minutes=1)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    o = office_app(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path)
    yield o
    o.engine.dispose()


def call(office: Office, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the real app, over HTTP in process."""
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=office.app),
                                     base_url=BASE) as http:
            return await http.request(method, path, **kwargs)
    return asyncio.run(go())


def token_for(office: Office, password: str = PASSWORD) -> httpx.Response:
    return call(office, "POST", OFFICE_SIGN_IN_PATH, json={
        "email": office.agency.coordinator_email, "password": password})


def read_board(office: Office, token: str, **params: Any) -> httpx.Response:
    return call(office, "GET", LONE_WORKING_PATH, params=params,
                headers={"Authorization": f"Bearer {token}"})


def audited_reads(office: Office) -> int:
    with office.engine.begin() as conn:
        return len(conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "read_person")).all())


def test_a_coordinator_signs_in_and_reads_the_board_with_an_amber_alert(office: Office) -> None:
    a = office.agency
    visit = a.visits[0]
    push(office.engine, a, a.worker_id, visit, "check_in", datetime.fromisoformat(visit["start"]))
    end = datetime.fromisoformat(visit["end"])
    welfare.tick(office.engine, end + 10 * MIN)
    signed = token_for(office)
    assert signed.status_code == 200 and signed.json()["name"] == "Sam Office"
    answer = read_board(office, signed.json()["token"])
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    (alert,) = shown["alerts"]
    assert (alert["level"], alert["cause"], alert["worker_name"]) == ("amber", "overdue",
                                                                       "Amira Khan")
    assert alert["last_synced_at"] and alert["checked_in_at"]
    assert answer.headers["cache-control"] == "no-store"
    # The board is read now (real clock), before the visit's end: in time, alert still open.
    (session,) = shown["on_visits"] + shown["overdue"]
    assert session["visit_id"] == visit["id"] and session["alert_level"] == "amber"
    only = read_board(office, signed.json()["token"], parts="alerts").json()
    assert only["on_visits"] == only["overdue"] == [] and len(only["alerts"]) == 1
    assert session["person_name"] == "Margaret Ellison"  # opened, and the opening audited
    reads = audited_reads(office)
    unnamed = read_board(office, signed.json()["token"], people="false").json()
    assert [s["person_name"] for s in unnamed["on_visits"] + unnamed["overdue"]] == ["—"]
    assert audited_reads(office) == reads + 1  # the alert's person only, not the sessions'
    refused = read_board(office, signed.json()["token"], parts="everything")
    assert refused.status_code == 422 and refused.json()["error"]["field"]


def test_tokens_that_are_forged_expired_or_of_a_switched_off_account_are_refused(
        office: Office) -> None:
    good = token_for(office).json()["token"]
    body, _, mac = good.partition(".")[2].partition(".")
    forged = f"{office_tokens.PREFIX}{body}.{mac[:-2]}AA"
    key = office_tokens.signing_key(escrow.load_private_key(str(office.agency.key_file)))
    with office.engine.begin() as conn:
        cid = conn.execute(select(coordinators.c.id)).scalar_one()
    who = Coordinator(cid, office.agency.tenant_id, "Sam Office")
    old, _ = office_tokens.issue(key, who, datetime.now(UTC) - office_tokens.LIFETIME - MIN)
    elsewhere, _ = office_tokens.issue(key, Coordinator(cid, "another-agency", "x"),
                                       datetime.now(UTC))
    for bad in (forged, old, elsewhere, "fa1.", "nonsense", good + "x"):
        answer = read_board(office, bad)
        assert answer.status_code == 401, bad
        assert answer.json()["error"]["code"] == "not_authenticated"
    assert read_board(office, good).status_code == 200
    with office.engine.begin() as conn:
        conn.execute(update(coordinators).values(active=False))
    assert read_board(office, good).status_code == 401  # switched off: its tokens end now


def test_wrong_passwords_are_slowed_and_locked_by_the_consoles_own_count(
        office: Office) -> None:
    answers = [token_for(office, "wrong-password-1").status_code for _ in range(4)]
    assert answers[:2] == [401, 401] and answers[-1] == 429  # then it must wait
    refused = token_for(office)  # even the right password waits its turn
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    with office.engine.begin() as conn:
        failed = conn.execute(select(audit_log.c.action).where(
            audit_log.c.action == "sign_in_failed")).scalars().all()
    assert len(failed) == answers.count(401)  # each wrong password audited, never the password
    doors = office.app.state.sign_in_doors  # the console's count: its sign-in waits too
    assert doors.accounts.wait("email:" + office.agency.coordinator_email)
