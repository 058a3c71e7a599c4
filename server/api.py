"""The HTTP API for phones: health, enrolment and sync. Thin: every rule lives in a service.

Limits come before work: a body announced larger than its endpoint takes is refused before a
byte of it is read; a sync body is read only after its token is known (unless it announces
itself as small, see SMALL_BODY_BYTES), and then in chunks up to the cap; callers that keep
failing (wrong codes, unknown tokens) wait longer each time (server/doors.py).
"""

from __future__ import annotations

import dataclasses
import gzip
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from server import enrolment, openapi
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import (
    Invalid,
    NotAuthenticated,
    TooLarge,
    UnsupportedEncoding,
)
from server.guard import Guard
from server.lone_records import EscrowKey
from server.storage import read_only
from server.sync_service import handle_sync, note_seen, pull_only
from sync.protocol import (
    ENROL_PATH,
    MAX_APP_VERSION_CHARS,
    SYNC_PATH,
    WIPED_PATH,
    ProtocolError,
    SyncRequest,
    inflate_body,
)

MAX_BODY_BYTES = 4 * 1024 * 1024
# A sync that announces a body this small (a pull, or a few records) is read at once and
# authenticated in the same database round trip as the rest of it: reading it costs less than
# an extra round trip would. Larger or unannounced bodies wait for the token check.
SMALL_BODY_BYTES = 16 * 1024
_ENCODINGS = {None, "", "identity", "gzip"}


class EnrolRequest(BaseModel):
    code: str = Field(min_length=6, max_length=40, pattern=openapi.ASCII_TEXT,
                      description="The code the office issued")
    app_version: str = Field(default="", max_length=MAX_APP_VERSION_CHARS,
                             pattern=openapi.ASCII_TEXT)


class WipedResponse(BaseModel):
    wiped_at: str = Field(description="When the office recorded the phone's wipe")


class EnrolResponse(BaseModel):
    device_id: str
    device_token: str
    tenant_id: str
    worker_id: str
    worker_name: str
    agency_name: str
    office_phone: str
    escrow_public_key: str
    timezone: str


def build_router(
    engine: Engine, database_kind: str, schema: int, retention_days: int = 14,
    clock: Clock = SYSTEM_CLOCK, guard: Guard | None = None,
    escrow: EscrowKey | None = None,
) -> APIRouter:
    router = APIRouter()
    door = guard or Guard(engine, clock=clock)

    @router.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "database": database_kind, "schema": schema}

    @router.post(ENROL_PATH, response_model=EnrolResponse,
                 responses=openapi.responses(400, 403, 413, 422, 429))
    def enrol(body: EnrolRequest, request: Request) -> dict[str, Any]:
        return door.enrol(_address(request), body.code, body.app_version)

    @router.post(SYNC_PATH, responses=openapi.sync_responses(),
                 openapi_extra=openapi.sync_request_body())
    async def sync(request: Request) -> Response:
        length = _content_length(request)
        encoding = request.headers.get("content-encoding")
        if encoding not in _ENCODINGS:
            raise UnsupportedEncoding("Send the sync body as JSON, gzip-compressed or not.",
                                      field="Content-Encoding")
        # The address's door (unknown tokens) is looked at in the same thread-pool call and
        # transaction as the token itself, below: a database read, never on the event loop.
        token, address = _bearer(request), _address(request)
        if not token:
            raise NotAuthenticated("This phone is not signed in. Enrol it again.")
        if length is None or length > SMALL_BODY_BYTES:
            await run_in_threadpool(door.authenticate, address, token)
        raw = await _read_capped(request, MAX_BODY_BYTES)
        # Everything else runs in one thread-pool call, so a slow transaction never stalls the
        # event loop (and every other phone's sync) behind it, and a sync costs one hop.
        answer = await run_in_threadpool(
            _sync, engine, door, address, token, raw, encoding, retention_days, clock, escrow)
        return Response(answer, media_type="application/json",
                        headers={"Content-Encoding": "gzip", "Cache-Control": "no-store"})

    @router.post(WIPED_PATH, response_model=WipedResponse,
                 responses=openapi.responses(401, 409, 413, 429),
                 openapi_extra={"security": [{"deviceToken": []}]})
    def wiped(request: Request) -> dict[str, Any]:
        device = door.authenticate(_address(request), _bearer(request))
        return {"wiped_at": enrolment.confirm_wipe(engine, device, clock.now())}

    return router


def _sync(engine: Engine, door: Guard, address: str, token: str, raw: bytes,
          encoding: str | None, retention_days: int, clock: Clock,
          escrow: EscrowKey | None = None) -> bytes:
    """One sync round trip, from the request body to the compressed answer. The device is
    checked first: nothing an unknown caller sends is decompressed or parsed."""
    with engine.connect() as conn:  # one pool checkout for the whole sync
        with read_only(conn):
            arrival = door.arrive(conn, address, token)
            device = arrival.device
            try:
                sync_request = SyncRequest.from_dict(_loads(inflate_body(raw, encoding)))
            except ProtocolError as exc:
                raise Invalid(f"The sync request is not valid: {exc}.", field="body") from None
            if device.revoked and not enrolment.revoked_devices_may_push(engine,
                                                                         device.tenant_id):
                # The agency chose not to take records from withdrawn phones: answer `wipe`.
                sync_request = dataclasses.replace(sync_request, push=[], refused=[])
            # Most syncs only pull (nothing queued): they read in this same transaction.
            pushes = bool(sync_request.push or sync_request.refused)
            pulled = None if pushes else pull_only(conn, device, sync_request, retention_days,
                                                   clock=clock, arrival=arrival)
        if pulled is None:
            answer = handle_sync(conn, device, sync_request, retention_days, clock=clock,
                                 escrow=escrow)
        else:
            answer = pulled
            note_seen(conn, device, sync_request, clock=clock)
    # Changes for the phone are worth squeezing (they cross one bar of signal); a bare
    # acknowledgement of a push is a list of ids: compressed quickly, it is nearly as small.
    level = 6 if answer.changes else 1
    return gzip.compress(orjson.dumps(answer.to_dict()), compresslevel=level, mtime=0)


def _loads(raw: bytes) -> Any:
    """JSON as sync/protocol.py `decode_body` reads it, with orjson (several times faster on
    a 200-record push; stricter: NaN and numbers beyond 64 bits are refused)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError("body is not valid (gzip-compressed) JSON") from exc


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Invalid("Content-Length must be a number of bytes.", field="Content-Length")
    if int(value) > MAX_BODY_BYTES:
        raise TooLarge(f"The request body is larger than {MAX_BODY_BYTES // 2**20} MiB; "
                       "send fewer records at once.", field="Content-Length")
    return int(value)


async def _read_capped(request: Request, cap: int) -> bytes:
    """The body, read chunk by chunk and refused the moment it passes `cap` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"The request body is larger than {cap // 2**20} MiB; "
                           "send fewer records at once.", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
