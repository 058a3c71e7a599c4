"""The office API over HTTP (the real app in process): sign in for a token, read the board;
tokens that are forged, expired, from another agency or of a switched-off account are refused,
each agency's tokens are signed with its own key, and wrong passwords from one address are
slowed."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from server import agency, escrow, office_tokens, welfare
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
    key = office_tokens.signing_key(escrow.load_private_key(str(office.agency.key_file)),
                                    office.agency.tenant_id)
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


def _with_agency(token: str, tenant_id: str) -> str:
    """`token` with the agency it names changed, its signature kept."""
    body, _, mac = token.removeprefix(office_tokens.PREFIX).partition(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**claims, "t": tenant_id}).encode())
    return f"{office_tokens.PREFIX}{changed.rstrip(b'=').decode()}.{mac}"


def test_each_agencys_tokens_are_signed_with_its_own_key_and_refused_for_another(
        office: Office) -> None:
    a = office.agency
    b_id, b_key_file = agency.create_agency(office.engine, "Hilltop", office.tmp / "escrow.key")
    agency.add_coordinator(office.engine, b_id, "Bea Hill", "bea@hilltop.example", PASSWORD)
    a_token = token_for(office).json()["token"]
    b_signed = call(office, "POST", OFFICE_SIGN_IN_PATH, json={
        "email": "bea@hilltop.example", "password": PASSWORD})
    assert b_signed.status_code == 200 and b_signed.json()["name"] == "Bea Hill"
    b_token = b_signed.json()["token"]
    assert read_board(office, a_token).status_code == 200
    assert read_board(office, b_token).status_code == 200
    # Signed with Hilltop's own key (and id), not the first agency's.
    a_key = escrow.load_private_key(str(a.key_file))
    b_key = escrow.load_private_key(str(b_key_file))
    body, _, mac = b_token.removeprefix(office_tokens.PREFIX).partition(".")
    assert mac == office_tokens._b64(office_tokens._mac(
        office_tokens.signing_key(b_key, b_id), body))
    assert mac != office_tokens._b64(office_tokens._mac(
        office_tokens.signing_key(a_key, b_id), body))
    with office.engine.begin() as conn:
        bea = conn.execute(select(coordinators.c.id).where(
            coordinators.c.tenant_id == b_id)).scalar_one()
    now = datetime.now(UTC)
    refused = [
        _with_agency(a_token, b_id), _with_agency(b_token, a.tenant_id),  # agency changed
        # Hilltop's coordinator, signed with the first agency's key (as every token was):
        office_tokens.issue(office_tokens.signing_key(a_key, a.tenant_id),
                            Coordinator(bea, b_id, "Bea Hill"), now)[0],
        office_tokens.issue(office_tokens.signing_key(a_key, b_id),
                            Coordinator(bea, b_id, "Bea Hill"), now)[0],
        _with_agency(b_token, "no-such-agency"),
    ]
    for bad in refused:
        answer = read_board(office, bad)
        assert answer.status_code == 401, bad
        assert answer.json()["error"]["code"] == "not_authenticated"


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
