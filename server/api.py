"""The HTTP API for phones: health, enrolment and sync. Thin: every rule lives in a service."""

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

from server import enrolment
from server.clock import SYSTEM_CLOCK, Clock
from server.errors import Invalid
from server.storage import read_only
from server.sync_service import handle_sync, note_seen, pull_only
from sync.protocol import (
    ENROL_PATH,
    SYNC_PATH,
    WIPED_PATH,
    ProtocolError,
    SyncRequest,
    inflate_body,
)

MAX_BODY_BYTES = 4 * 1024 * 1024


class EnrolRequest(BaseModel):
    code: str = Field(min_length=6, max_length=40, description="The code the office issued")
    app_version: str = Field(default="", max_length=40)


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
    clock: Clock = SYSTEM_CLOCK,
) -> APIRouter:
    router = APIRouter()

    @router.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "database": database_kind, "schema": schema}

    @router.post(ENROL_PATH, response_model=EnrolResponse)
    def enrol(body: EnrolRequest) -> dict[str, Any]:
        return enrolment.enrol(engine, body.code, body.app_version, clock=clock)

    @router.post(
        SYNC_PATH,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
                "description": "A SyncRequest (sync/protocol.py), gzip-compressed JSON.",
            }
        },
    )
    async def sync(request: Request) -> Response:
        raw = await request.body()
        # Everything else runs in one thread-pool call, so a slow transaction never stalls the
        # event loop (and every other phone's sync) behind it, and a sync costs one hop.
        answer = await run_in_threadpool(
            _sync, engine, _bearer(request), raw, request.headers.get("content-encoding"),
            retention_days, clock)
        return Response(answer, media_type="application/json",
                        headers={"Content-Encoding": "gzip", "Cache-Control": "no-store"})

    @router.post(WIPED_PATH, response_model=WipedResponse)
    def wiped(request: Request) -> dict[str, Any]:
        device = enrolment.authenticate(engine, _bearer(request))
        return {"wiped_at": enrolment.confirm_wipe(engine, device, clock.now())}

    return router


def _sync(engine: Engine, token: str | None, raw: bytes, encoding: str | None,
          retention_days: int, clock: Clock) -> bytes:
    """One sync round trip, from the request body to the compressed answer. The device is
    checked first: nothing an unknown caller sends is decompressed or parsed."""
    with engine.connect() as conn:  # one pool checkout for the whole sync
        with read_only(conn):
            device = enrolment.device_in(conn, token)
            if len(raw) > MAX_BODY_BYTES:
                raise Invalid("The sync request is too large; send fewer records at once.")
            try:
                sync_request = SyncRequest.from_dict(_loads(inflate_body(raw, encoding)))
            except ProtocolError as exc:
                raise Invalid(f"The sync request is not valid: {exc}") from None
            if device.revoked and not enrolment.revoked_devices_may_push(engine,
                                                                         device.tenant_id):
                # The agency chose not to take records from withdrawn phones: answer `wipe`.
                sync_request = dataclasses.replace(sync_request, push=[])
            # Most syncs only pull (nothing queued): they read in this same transaction.
            pulled = None if sync_request.push else pull_only(conn, device, sync_request,
                                                              retention_days, clock=clock)
        if pulled is None:
            answer = handle_sync(conn, device, sync_request, retention_days, clock=clock)
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


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None
