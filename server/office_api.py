"""The office's HTTP API, beside the console: sign in for a token, read the lone-working board.

For screens that are not the console (a wallboard, an on-call tool) and for measuring how soon
an alert is visible. Thin like the phone API: the board is `server.services.lone_board`, the
sign-in is the console's own, slowed and locked by the same count of failures.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from server import office_tokens, openapi
from server.api import _address, _bearer
from server.clock import Clock
from server.datakeys import KeyUnavailable
from server.errors import NotFound
from server.services.lone_board import OnVisit, board
from server.services.sign_in import sign_in
from server.services.sign_in_doors import SignInDoors

OFFICE_SIGN_IN_PATH = "/api/v1/office/sign-in"
LONE_WORKING_PATH = "/api/v1/office/lone-working"
Part = Literal["alerts", "overdue", "on_visits"]


class OfficeSignIn(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=openapi.ASCII_TEXT)
    password: str = Field(min_length=1, max_length=200)


class OfficeToken(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer …` to the office API")
    expires_at: str
    name: str = Field(description="The coordinator signed in")


class SessionOut(BaseModel):
    session_id: str
    visit_id: str
    worker_id: str
    worker_name: str
    person_name: str
    checked_in_at: str
    expected_end: str
    seconds_left: int = Field(description="Until the expected end; negative once overdue")
    last_synced_at: str | None
    alert_level: str | None = Field(description="amber or red while an alert is open")


class AlertOut(BaseModel):
    id: str
    reference: str
    level: str | None
    cause: str | None
    state: str
    raised_at: str
    worker_id: str | None
    worker_name: str
    visit_id: str | None
    last_synced_at: str | None
    checked_in_at: str | None
    answered_at: str | None
    acknowledged_at: str | None


class LoneBoardOut(BaseModel):
    now: str
    alerts: list[AlertOut] = Field(description="Open lone-working alerts, red first")
    overdue: list[SessionOut] = Field(description="Past the expected end, not checked out")
    on_visits: list[SessionOut] = Field(description="Checked in, still within time")


def build_office_router(engine: Engine, escrow_key: Callable[[str], X25519PrivateKey],
                        clock: Clock, doors: SignInDoors | None = None) -> APIRouter:
    """`escrow_key(agency id)` is that agency's escrow key: each agency's tokens are signed
    with a key of its own."""
    router = APIRouter()
    shared = doors or SignInDoors(engine, clock)

    @functools.lru_cache(maxsize=1024)
    def derived(tenant_id: str) -> bytes:
        return office_tokens.signing_key(escrow_key(tenant_id), tenant_id)

    def key(tenant_id: str) -> bytes:
        try:
            return derived(tenant_id)
        except (OSError, ValueError):  # a set-up fault, not the caller's: 503
            raise KeyUnavailable("The office API needs the agency's escrow key "
                                 "(FIELDAPP_ESCROW_KEY_FILE or FIELDAPP_ESCROW_KEY).") from None

    def token_key(tenant_id: str) -> bytes | None:
        """The key to check a token naming `tenant_id` with; None for no such agency."""
        try:
            return key(tenant_id)
        except NotFound:
            return None

    @router.post(OFFICE_SIGN_IN_PATH, response_model=OfficeToken,
                 responses=openapi.responses(400, 401, 413, 422, 429))
    def office_sign_in(body: OfficeSignIn, request: Request) -> dict[str, Any]:
        # The console's own sign-in: slowed, then locked, per account and per address; audited.
        who = sign_in(engine, body.email, body.password, doors=shared,
                      address=_address(request), clock=clock)
        token, expires = office_tokens.issue(key(who.tenant_id), who, clock.now())
        return {"token": token, "expires_at": expires.isoformat(), "name": who.name}

    @router.get(LONE_WORKING_PATH, response_model=LoneBoardOut,
                responses=openapi.responses(401, 422),
                openapi_extra={"security": [{"officeToken": []}]})
    async def lone_working(request: Request, response: Response, parts: list[Part] = Query(  # noqa: B008
            default=["alerts", "overdue", "on_visits"],
            description="Which parts to include (the others come back empty)",
            max_length=3), people: bool = Query(
            default=True, description="False: people on visits are not named (nor their "
                                      "sealed records opened)")) -> dict[str, Any]:
        response.headers["Cache-Control"] = "no-store"  # names of workers and people
        return await run_in_threadpool(_board, engine, token_key, _bearer(request), clock,
                                       frozenset(parts), people)

    return router


def _board(engine: Engine, key: Callable[[str], bytes | None], token: str | None, clock: Clock,
           parts: frozenset[str], people: bool) -> dict[str, Any]:
    now = clock.now()
    who = office_tokens.check(engine, key, token, now)
    b = board(engine, who, now, sessions=bool(parts & {"overdue", "on_visits"}),
              alerts="alerts" in parts, people=people)
    return {
        "now": b.now.isoformat(),
        "alerts": [{
            "id": a.escalation.id, "reference": a.escalation.reference,
            "level": a.escalation.level, "cause": a.escalation.cause, "state": a.escalation.state,
            "raised_at": a.escalation.raised_at, "worker_id": a.escalation.worker_id,
            "worker_name": a.worker_name, "visit_id": a.escalation.visit_id,
            "last_synced_at": a.last_synced_at, "checked_in_at": a.checked_in_at,
            "answered_at": a.escalation.answered_at,
            "acknowledged_at": a.escalation.acknowledged_at} for a in b.alerts],
        "overdue": [_session(s, b.now) for s in b.overdue] if "overdue" in parts else [],
        "on_visits": [_session(s, b.now) for s in b.on_visits] if "on_visits" in parts else [],
    }


def _session(s: OnVisit, now: datetime) -> dict[str, Any]:
    return {"session_id": s.session_id, "visit_id": s.visit_id, "worker_id": s.worker_id,
            "worker_name": s.worker_name, "person_name": s.person_name,
            "checked_in_at": s.checked_in_at, "expected_end": s.expected_end,
            "seconds_left": s.seconds_left(now), "last_synced_at": s.last_synced_at,
            "alert_level": s.alert_level}

