"""The server's exception tree, and the one JSON error shape every API error answers with.

`{"error": {"code": "<stable code>", "message": "<plain English, nothing personal>"}}`, built
by `error_body` alone and pinned by tests/server/test_error_shape.py.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("fieldapp.server")


class ServerError(Exception):
    """Base: `status` is the HTTP status, the message is plain English with nothing personal.

    `field` names the part of a request that is wrong (never its value); `retry_after` is the
    number of seconds a caller must wait (429)."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None,
                          **kwargs: Any) -> None:
        # Each kind of error is its HTTP status and stable code, given on the class line.
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str = "", *, field: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.retry_after = retry_after


class NotAuthenticated(ServerError, status=401, code="not_authenticated"):
    """No valid credentials (token, session)."""


class Forbidden(ServerError, status=403, code="forbidden"):
    """Authenticated, but not allowed to do or see this."""


class NotFound(ServerError, status=404, code="not_found"):
    """No such thing in the caller's agency (also said for what they may not know exists)."""


class Conflict(ServerError, status=409, code="conflict"):
    """The request clashes with what is already stored (a stale version, a used code)."""


class TooLarge(ServerError, status=413, code="too_large"):
    """The body, or a part of it, is over its limit."""


class UnsupportedEncoding(ServerError, status=415, code="unsupported_encoding"):
    """The body is compressed or typed in a way the API does not take."""


class Invalid(ServerError, status=422, code="invalid"):
    """The request is well-formed but its content breaks a rule."""


class UpgradeRequired(ServerError, status=426, code="upgrade_required"):
    """The app speaks a protocol version the server no longer takes."""


class TooManyAttempts(ServerError, status=429, code="too_many_attempts"):
    """Rate-limited: `retry_after` says how long to wait."""


def _http_codes() -> dict[int, str]:
    """Codes for errors the framework raises (no route, wrong method), ours where they match."""
    kinds: list[type[ServerError]] = [ServerError, *ServerError.__subclasses__()]
    ours = {cls.status: cls.code for cls in kinds}
    return {405: "method_not_allowed", 413: "too_large", **ours}


HTTP_CODES = _http_codes()


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The one JSON error shape of this API; `field` (when known) names the part at fault."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def install_error_handlers(app: FastAPI) -> None:
    """Every error the API answers with, ours or the framework's, in the one shape."""

    @app.exception_handler(ServerError)
    async def _server_error(_request: Request, exc: ServerError) -> JSONResponse:
        wait = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return error_response(exc.status, exc.code, str(exc), exc.field, wait)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        names = [".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors()]
        return error_response(422, "invalid",
                              f"These fields are missing or wrong: {', '.join(names)}.",
                              names[0] if names else None)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        # The framework's own detail ("Not Found", "Method Not Allowed") is already plain.
        response = error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "error"),
                                  str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Say which kind of failure it was, never its message (it may carry row values).
        log.error("unexpected server error: %s", type(exc).__name__)
        return error_response(500, "server_error",
                              "Something went wrong at the office server. Try again later.")
