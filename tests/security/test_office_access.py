"""Who may do what at the office, as two tables: every console action (the services the console's
screens call) and every HTTP endpoint, for each office role, a coordinator of another agency and
a revoked phone. A test fails when a screen or an endpoint is added without a row here.

Outcomes: "ok" (done, or the actor's agency's data seen), "nothing" (allowed, and nothing of
the other agency is seen: an empty board, a restricted record left closed), "forbidden" (the
role may not), "not_found" (not in the actor's agency), "unauthenticated" (401)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from server import agency, enrolment, escrow
from server.console.app import SCREENS
from server.errors import Forbidden, NotAuthenticated, NotFound
from server.services import (
    audit_trail,
    care_plan,
    charts,
    day_board,
    devices,
    escalation_board,
    exports,
    handovers,
    lone_board,
    mar_chart,
    med_checks,
    medicines_list,
    notes_search,
    people,
    rota_board,
    visit_record,
)
from server.services.amendments import amend_record
from server.services.risk_board import risk_board
from server.services.sign_in import Coordinator, sign_in
from server.sync_service import handle_sync
from sync.protocol import SyncRequest
from tests.factories import PASSWORD
from tests.security.pushes import BASE, Office, medicine_of, office_app, second_agency
from tests.server.handover_records import handover_record, payload
from tests.server.sent_records import send
from tests.server.test_sync_contract import device_for

ROLES = ("coordinator", "safeguarding_lead", "admin")
OTHER = "other_agency"
REVOKED = "revoked_device"
CONCERN = "Bruising on her upper arm"
LONDON = ZoneInfo("Europe/London")
EMAILS = {"coordinator": "office@example.org", "safeguarding_lead": "lead@example.org",
          "admin": "admin@example.org", OTHER: "office@other.example"}


@dataclass
class World:
    office: Office
    visit: dict[str, Any]  # agency A's first visit (checked in, with a note and a concern)
    spare: dict[str, Any]  # A's second visit (not started)
    note_id: str
    escalation_id: str
    handover_id: str
    device_id: str  # an active phone of A
    revoked_token: str  # a revoked phone of A
    other_key: X25519PrivateKey

    @property
    def engine(self) -> Any:
        return self.office.engine

    @property
    def a(self) -> Any:
        return self.office.agency

    def key(self, actor: str) -> X25519PrivateKey:
        return self.other_key if actor == OTHER else escrow.load_private_key(
            str(self.a.key_file))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    o = office_app(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path)
    engine, a = o.engine, o.agency
    agency.add_coordinator(engine, a.tenant_id, "Lee Lead", EMAILS["safeguarding_lead"],
                           PASSWORD, role="safeguarding_lead")
    agency.add_coordinator(engine, a.tenant_id, "Ada Admin", EMAILS["admin"], PASSWORD,
                           role="admin")
    b = second_agency(engine, tmp_path)
    agency.add_coordinator(engine, b.tenant_id, "Oona Other", EMAILS[OTHER], PASSWORD)
    v = a.visits[0]
    send(engine, a.tenant_id, a.worker_id, v, "check_in", {})
    note = send(engine, a.tenant_id, a.worker_id, v, "note", {"text": "Had soup"})
    send(engine, a.tenant_id, a.worker_id, v, "escalation",
         {"type": "safeguarding", "severity": "urgent", "summary": CONCERN},
         {"type": "safeguarding", "severity": "urgent"})
    send(engine, a.tenant_id, a.worker_id, v, "escalation",
         {"type": "fall", "severity": "urgent", "summary": "Found on the floor"},
         {"type": "fall", "severity": "urgent"})
    send(engine, a.tenant_id, a.worker_id, v, "dose_outcome", {}, {
        "medicine_id": medicine_of(engine, v["service_user_id"]), "scheduled_at": v["start"],
        "actual_at": v["start"], "outcome": "taken", "prn": False, "controlled": False})
    coordinator = sign_in(engine, EMAILS["coordinator"], PASSWORD)
    falls = [i.escalation.id for i in escalation_board.queue(engine, coordinator)
             if i.escalation.type == "fall"]
    end = datetime.now(UTC)
    shift = handover_record(o.sealer(), payload(), shift_start=end - timedelta(hours=6),
                            shift_end=end)
    assert handle_sync(engine, device_for(engine, a.worker_id),
                       SyncRequest(1, None, [shift])).accepted == [shift.id]
    active = enrolment.enrol(engine, enrolment.issue_code(engine, a.worker_id, 60))
    gone = enrolment.enrol(engine, enrolment.issue_code(engine, a.other_worker_id, 60))
    enrolment.revoke(engine, gone["device_id"], by=coordinator.id)
    yield World(o, v, a.visits[1], note, falls[0], shift.id, active["device_id"],
                gone["device_token"], escrow.load_private_key(str(b.key_file)))
    engine.dispose()


def _names(text: str) -> set[str]:
    return {r.get("person", "") for r in csv.DictReader(io.StringIO(text))}


Act = Callable[[World, Coordinator, X25519PrivateKey], object]
NOW = datetime.now(UTC)
# Each console action as the screens call it; a read answers whether agency A's data was seen.
CONSOLE: dict[str, Act] = {
    "day board": lambda w, who, k: any(
        d.id == w.visit["id"] for d in day_board.day_visits(
            w.engine, who, datetime.fromisoformat(w.visit["start"]).date())),
    "risk board": lambda w, who, k: risk_board(w.engine, who, NOW, LONDON).total > 0,
    "visit record": lambda w, who, k: bool(
        visit_record.visit_record(w.engine, k, who, w.visit["id"]).records),
    "safeguarding concern opened": lambda w, who, k: CONCERN in str(
        visit_record.visit_record(w.engine, k, who, w.visit["id"])),
    "amend a note": lambda w, who, k: amend_record(
        w.engine, who, w.note_id, "Spelling of the soup", text="Had soup and tea"),
    "MAR chart": lambda w, who, k: bool(mar_chart.build_mar_chart(
        w.engine, k, who, w.visit["service_user_id"], NOW.date()).rows),
    "find a person": lambda w, who, k: bool(
        people.find_people(w.engine, who, "Margaret Ellison")),
    "escalation queue": lambda w, who, k: any(
        i.escalation.id == w.escalation_id for i in escalation_board.queue(w.engine, who)),
    "escalation page": lambda w, who, k: escalation_board.page(
        w.engine, k, who, w.escalation_id, NOW),
    "acknowledge an escalation": lambda w, who, k: escalation_board.acknowledge(
        w.engine, who, w.escalation_id, NOW),
    "resolve an escalation": lambda w, who, k: escalation_board.resolve(
        w.engine, who, w.escalation_id, NOW, "no_action_needed", "Sat her up, no injury"),
    "lone-working board": lambda w, who, k: any(
        s.visit_id == w.visit["id"] for s in lone_board.board(w.engine, who, NOW).on_visits),
    "handover inbox": lambda w, who, k: any(
        h.id == w.handover_id for h in handovers.inbox(w.engine, who)),
    "read a handover": lambda w, who, k: handovers.read(w.engine, k, who, w.handover_id),
    "acknowledge a handover": lambda w, who, k: handovers.acknowledge(
        w.engine, who, w.handover_id),
    "reply to a handover": lambda w, who, k: handovers.reply(
        w.engine, who, w.handover_id, "Thanks, noted"),
    "rota": lambda w, who, k: any(v.id == w.visit["id"] for v in rota_board.read_rota(
        w.engine, who, datetime.fromisoformat(w.visit["start"]).date(), 7).visits),
    "create a visit": lambda w, who, k: rota_board.create_visit(
        w.engine, who, worker_id=w.a.worker_id, service_user_id=w.visit["service_user_id"],
        visit_type="tea", day=NOW.date() + timedelta(days=1), start=NOW.time().replace(
            hour=17, minute=0, second=0, microsecond=0), minutes=30),
    "move a visit": lambda w, who, k: rota_board.move_visit(
        w.engine, who, w.spare["id"], day=NOW.date() + timedelta(days=1),
        start=NOW.time().replace(hour=9, minute=0, second=0, microsecond=0), minutes=30),
    "reassign a visit": lambda w, who, k: rota_board.reassign_visit(
        w.engine, who, w.spare["id"], w.a.worker_id),
    "phones": lambda w, who, k: any(
        d.id == w.device_id for d in devices.list_devices(w.engine, who)),
    "issue an enrolment code": lambda w, who, k: devices.issue_code(
        w.engine, who, w.a.worker_id),
    "withdraw a phone": lambda w, who, k: devices.withdraw(w.engine, who, w.device_id),
    "visits CSV": lambda w, who, k: "Margaret Ellison" in _names(exports.visits_csv(
        w.engine, k, who, NOW.date() - timedelta(days=2), NOW.date() + timedelta(days=1))),
    "MAR CSV": lambda w, who, k: "Margaret Ellison" in _names(exports.mar_csv(
        w.engine, k, who, NOW.date() - timedelta(days=2), NOW.date() + timedelta(days=1))),
    "charts": lambda w, who, k: sum(x.due for x in charts.weekly(
        w.engine, who, worker_id=w.a.worker_id, weeks=2)) > 0,
    "notes search": lambda w, who, k: bool(notes_search.search(
        w.engine, who, notes_search.NotesQuery(person="Margaret Ellison"), NOW, LONDON).hits),
    "open a found note": lambda w, who, k: notes_search.open_note(
        w.engine, k, who, w.note_id, NOW),
    # Medicines lists and care plans (server/console/screens/medicines.py, care_plan.py,
    # med_checks.py, med_history.py): reading a person's list or plan is targeted; the queue and
    # a history say nothing of another agency.
    "medicines list": lambda w, who, k: bool(medicines_list.read_list(
        w.engine, k, who, w.visit["service_user_id"]).entries),
    "care plan": lambda w, who, k: bool(care_plan.read_plan(
        w.engine, k, who, w.visit["service_user_id"]).tasks),
    "medicines history": lambda w, who, k: all(v.person_name == "Margaret Ellison" for v in (
        med_checks.history(w.engine, k, who, w.visit["service_user_id"]))) and bool(
        medicines_list.read_list(w.engine, k, who, w.visit["service_user_id"]).entries),
    "changes to check": lambda w, who, k: med_checks.to_check(w.engine, k, who) == [] and (
        who.tenant_id == w.a.tenant_id),
    "audit log": lambda w, who, k: bool(audit_trail.entries(
        w.engine, who, NOW.date() - timedelta(days=1), NOW.date() + timedelta(days=1), LONDON)),
    "audit log CSV": lambda w, who, k: bool(audit_trail.export_csv(
        w.engine, who, NOW.date() - timedelta(days=1), NOW.date() + timedelta(days=1), LONDON,
        NOW)),
}
OK, NOTHING, FORBIDDEN, NOT_FOUND = "ok", "nothing", "forbidden", "not_found"
PLANNING = {"rota", "create a visit", "move a visit", "reassign a visit", "phones",
            "issue an enrolment code", "withdraw a phone"}
TARGETED = {"visit record", "safeguarding concern opened", "amend a note", "MAR chart",
            "escalation page", "acknowledge an escalation", "resolve an escalation",
            "read a handover", "acknowledge a handover", "reply to a handover",
            "create a visit", "move a visit", "reassign a visit", "issue an enrolment code",
            "withdraw a phone", "open a found note", "medicines list", "care plan",
            "medicines history"}
ADMINS_ONLY = {"audit log", "audit log CSV"}  # the other agency's account is a coordinator
EXPECTED: dict[str, dict[str, str]] = {
    action: {
        "coordinator": NOTHING if action == "safeguarding concern opened" else OK,
        "admin": NOTHING if action == "safeguarding concern opened" else OK,
        "safeguarding_lead": FORBIDDEN if action in PLANNING else OK,
        OTHER: NOT_FOUND if action in TARGETED else NOTHING,
    } if action not in ADMINS_ONLY else {
        "coordinator": FORBIDDEN, "admin": OK, "safeguarding_lead": FORBIDDEN, OTHER: FORBIDDEN,
    } for action in CONSOLE}


def outcome(act: Callable[[], object]) -> str:
    try:
        result = act()
    except Forbidden:
        return FORBIDDEN
    except NotFound:
        return NOT_FOUND
    except NotAuthenticated:
        return "unauthenticated"
    return NOTHING if result is False else OK


@pytest.mark.parametrize("actor", [*ROLES, OTHER])
def test_every_console_action_for_every_office_actor(world: World, actor: str) -> None:
    who = sign_in(world.engine, EMAILS[actor], PASSWORD)
    key = world.key(actor)
    seen = {action: outcome(lambda act=act: act(world, who, key))  # type: ignore[misc]
            for action, act in CONSOLE.items()}
    assert seen == {action: row[actor] for action, row in EXPECTED.items()}


def test_every_console_screen_is_covered_by_the_table() -> None:
    """A screen's state class calls the services above: a new screen needs its row."""
    covered = {"/": "day board", "/visits/:visit_id": "visit record",
               "/people/:service_user_id/mar": "MAR chart",
               "/escalations": "escalation queue",
               "/escalations/:escalation_id": "escalation page",
               "/lone-working": "lone-working board", "/handovers": "handover inbox",
               "/handovers/:handover_id": "read a handover", "/rota": "rota",
               "/devices": "phones", "/exports": "visits CSV", "/charts": "charts",
               "/notes": "notes search", "/audit": "audit log",
               "/people/:service_user_id/medicines": "medicines list",
               "/people/:service_user_id/medicines/history": "medicines history",
               "/people/:service_user_id/care-plan": "care plan",
               "/medicines/to-check": "changes to check"}
    assert {s.template for s in SCREENS} == set(covered), (
        "a console screen was added or removed: give its actions rows in CONSOLE and "
        "EXPECTED (tests/security/test_office_access.py)")
    assert set(covered.values()) <= set(CONSOLE)


def call(w: World, method: str, path: str, token: str | None, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=w.office.app),
                                     base_url=BASE) as http:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return await http.request(method, path, headers=headers, **kw)
    return asyncio.run(go())


def office_token(w: World, actor: str) -> str:
    r = call(w, "POST", "/api/v1/office/sign-in", None,
             json={"email": EMAILS[actor], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _board_sees_a(w: World, r: httpx.Response) -> str:
    if r.status_code != 200:
        return str(r.status_code)
    body = r.json()
    return OK if any(s["visit_id"] == w.visit["id"] for s in body["on_visits"]) else NOTHING


def _sync(w: World, r: httpx.Response) -> str:
    if r.status_code != 200:
        return str(r.status_code)
    body = r.json()
    return "wipe" if body["wipe"] and not body["changes"] else OK


# Every HTTP endpoint: how each actor's request is answered.
HTTP: dict[str, Callable[[World, str | None], str]] = {
    "GET /health": lambda w, t: str(call(w, "GET", "/health", t).status_code),
    "POST /api/v1/office/sign-in": lambda w, t: str(call(
        w, "POST", "/api/v1/office/sign-in", t,
        json={"email": EMAILS["coordinator"], "password": "wrong-password"}).status_code),
    "GET /api/v1/office/lone-working": lambda w, t: _board_sees_a(
        w, call(w, "GET", "/api/v1/office/lone-working", t)),
    "POST /api/v1/sync": lambda w, t: _sync(w, call(
        w, "POST", "/api/v1/sync", t, json={"protocol": 1, "cursor": None, "push": []})),
    "POST /api/v1/device/wiped": lambda w, t: str(call(
        w, "POST", "/api/v1/device/wiped", t).status_code),
    "POST /api/v1/enrol": lambda w, t: str(call(
        w, "POST", "/api/v1/enrol", t, json={"code": "AAAA-BBBB-CCCC"}).status_code),
}
HTTP_EXPECTED: dict[str, dict[str, str]] = {
    "GET /health": dict.fromkeys([*ROLES, OTHER, REVOKED], "200"),
    # A wrong password is refused whoever asks: a token is no way in.
    "POST /api/v1/office/sign-in": dict.fromkeys([*ROLES, OTHER, REVOKED], "401"),
    "GET /api/v1/office/lone-working": {**dict.fromkeys(ROLES, OK), OTHER: NOTHING,
                                        REVOKED: "401"},
    # An office token is not a phone's: only the revoked phone is answered, with its wipe.
    "POST /api/v1/sync": {**dict.fromkeys([*ROLES, OTHER], "401"), REVOKED: "wipe"},
    "POST /api/v1/device/wiped": {**dict.fromkeys([*ROLES, OTHER], "401"), REVOKED: "200"},
    "POST /api/v1/enrol": dict.fromkeys([*ROLES, OTHER, REVOKED], "403"),
}


@pytest.mark.parametrize("actor", [*ROLES, OTHER, REVOKED])
def test_every_http_endpoint_for_every_actor(world: World, actor: str) -> None:
    token = world.revoked_token if actor == REVOKED else office_token(world, actor)
    seen = {endpoint: ask(world, token) for endpoint, ask in HTTP.items()}
    assert seen == {endpoint: row[actor] for endpoint, row in HTTP_EXPECTED.items()}


def test_every_http_endpoint_is_in_the_table(tmp_path: Path) -> None:
    o = office_app(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path)
    paths = {f"{method.upper()} {path}" for path, item in o.app.openapi()["paths"].items()
             for method in item}
    o.engine.dispose()
    assert paths == set(HTTP), ("an endpoint was added or removed: give it a row in HTTP "
                                "and HTTP_EXPECTED (tests/security/test_office_access.py)")
