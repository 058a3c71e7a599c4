"""How the phone API describes itself in /openapi.json: the sync body and every answer.

Every error is the one shape `{"error": {"code", "message", "field"?}}` (server/errors.py
`error_body`). A sync request is checked in two layers, and the schema says which: what makes
the whole request wrong (answered 422, nothing stored) is in the request schema; each pushed
record is then checked on its own (`PushedRecord` below) and one that fails is listed in
`rejected` with a reason while the rest of the batch is stored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sync.kinds import MAX_TIME_CHARS
from sync.protocol import (
    MAX_APP_VERSION_CHARS,
    MAX_CURSOR_CHARS,
    MAX_FACT_CHARS,
    MAX_FACTS,
    MAX_PUSH_RECORDS,
    MAX_VERSION,
    PROTOCOL_VERSION,
    RECORD_KINDS,
)

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ASCII_TEXT = "^[ -~]*$"


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable word for the kind of error, e.g. invalid")
    message: str = Field(description="Plain English; names fields and limits, never values")
    field: str | None = Field(default=None, description="The part of the request at fault")


class ErrorResponse(BaseModel):
    error: ErrorDetail


_WHY = {
    400: "The body could not be read as JSON.",
    401: "The device token (office API: the email and password, or the office token) is "
         "missing, unknown, expired, or belongs to a phone that confirmed its wipe.",
    403: "The enrolment code is not valid (wrong, used or expired).",
    409: "The request conflicts with the phone's state (e.g. a wipe confirmed while active).",
    413: "The body is larger than this endpoint takes (announced or as read).",
    415: "The body's Content-Encoding is neither gzip nor identity.",
    422: "The request is not well formed; `field` names the part.",
    426: "The app speaks another protocol version: update the app.",
    429: "Too many failures from this address: wait for Retry-After seconds.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorResponse, "description": _WHY[status]}
        if status == 429:
            entry["headers"] = {"Retry-After": {
                "description": "Seconds to wait", "schema": {"type": "string"}}}
        out[status] = entry
    return out


_TEXT: dict[str, Any] = {"type": "string", "pattern": ASCII_TEXT}

PUSHED_RECORD: dict[str, Any] = {
    "type": "object",
    "description": "A sealed worker record (sync/protocol.py PushedRecord). Checked on its own: "
                   "one that fails is listed in `rejected` with the reason.",
    "required": ["id", "kind", "recorded_at", "envelope"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": UUID_PATTERN},
        "kind": {"enum": sorted(RECORD_KINDS)},
        "visit_id": {"type": ["string", "null"], "pattern": UUID_PATTERN},
        "service_user_id": {"type": ["string", "null"], "pattern": UUID_PATTERN},
        "recorded_at": {"type": "string", "format": "date-time", "maxLength": MAX_TIME_CHARS,
                        "description": "With its offset; from 2000 to a day past the office's "
                                       "clock"},
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
        "corrects": {"type": ["string", "null"], "pattern": UUID_PATTERN,
                     "description": "Set on addenda only: the record corrected"},
        "envelope": {"type": "object", "description": "Sealed content (docs/architecture.md): "
                     "v, alg, nonce, ct, ek {epk, nonce, ct}, optionally dk {nonce, ct}"},
        "facts": {"type": ["object", "null"], "maxProperties": MAX_FACTS,
                  "description": f"Flat scalars of at most {MAX_FACT_CHARS} characters, by "
                                 "record kind (server/validation.py)",
                  "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
    },
}

SYNC_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "JSON, gzip-compressed (Content-Encoding: gzip) or not.",
    "required": ["protocol"],
    "additionalProperties": False,
    "properties": {
        "protocol": {"enum": [PROTOCOL_VERSION]},
        "cursor": {"type": ["string", "null"], "maxLength": MAX_CURSOR_CHARS,
                   "pattern": ASCII_TEXT, "description": "As the last answer gave it"},
        "app_version": {**_TEXT, "maxLength": MAX_APP_VERSION_CHARS},
        "pending": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_VERSION,
                    "description": "Records on the phone the office has not acknowledged, "
                                   "this push included (older apps leave it out)"},
        "push": {
            "type": "array", "maxItems": MAX_PUSH_RECORDS,
            "description": "Each item must be an object with a UUID `id`; the rest of each "
                           "record is checked on its own (see PushedRecord).",
            "items": {"type": "object", "required": ["id"],
                      "properties": {"id": {"type": "string", "pattern": UUID_PATTERN}}},
        },
    },
}

_CHANGE: dict[str, Any] = {
    "type": "object", "required": ["entity", "id", "op", "version", "body"],
    "properties": {"entity": {"type": "string"}, "id": {"type": "string"},
                   "op": {"enum": ["upsert", "delete"]}, "version": {"type": "integer"},
                   "body": {"type": ["object", "null"]}},
}

SYNC_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["protocol", "accepted", "rejected", "changes", "cursor", "more",
                 "server_time", "reset", "wipe", "retention_days"],
    "properties": {
        "protocol": {"type": "integer"},
        "accepted": {"type": "array", "items": {"type": "string"}},
        "rejected": {"type": "array", "items": {
            "type": "object", "required": ["id", "reason"],
            "properties": {"id": {"type": "string"}, "reason": {"type": "string"}}}},
        "changes": {"type": "array", "items": _CHANGE},
        "cursor": {"type": ["string", "null"]},
        "more": {"type": "boolean"},
        "server_time": {"type": "string"},
        "reset": {"type": "boolean"},
        "wipe": {"type": "boolean"},
        "retention_days": {"type": ["integer", "null"]},
    },
}


def sync_request_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SYNC_REQUEST}},
            "description": "A SyncRequest (sync/protocol.py). Each record in `push` is a "
                           "PushedRecord: " + str(sorted(PUSHED_RECORD["required"])) + " and "
                           "the other fields described in docs/sync.md.",
        },
        "security": [{"deviceToken": []}],
    }


def sync_responses() -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "The pushed records' verdicts and the changes since the cursor "
                             "(gzip-compressed JSON).",
              "content": {"application/json": {"schema": SYNC_RESPONSE}}},
        **responses(401, 413, 415, 422, 426, 429),
    }


def install(app: Any) -> None:
    """Add the device-token scheme and the PushedRecord schema to the generated document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return dict(app.openapi_schema)
        doc: dict[str, Any] = generate()
        components = doc.setdefault("components", {})
        components.setdefault("securitySchemes", {})["deviceToken"] = {
            "type": "http", "scheme": "bearer",
            "description": "The device token from enrolment"}
        components["securitySchemes"]["officeToken"] = {
            "type": "http", "scheme": "bearer",
            "description": "An office token from POST /api/v1/office/sign-in"}
        components.setdefault("schemas", {})["PushedRecord"] = PUSHED_RECORD
        app.openapi_schema = doc
        return doc

    app.openapi = openapi
