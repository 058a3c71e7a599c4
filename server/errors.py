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
    """Base: `status` is the HTTP status, the message is plain English with nothing personal."""

    status = 400
    code = "bad_request"


class NotAuthenticated(ServerError):
    status = 401
    code = "not_authenticated"


class Forbidden(ServerError):
    status = 403
    code = "forbidden"


class NotFound(ServerError):
    status = 404
    code = "not_found"


class Conflict(ServerError):
    status = 409
    code = "conflict"


class Invalid(ServerError):
    status = 422
    code = "invalid"


class UpgradeRequired(ServerError):
    status = 426
    code = "upgrade_required"


def _http_codes() -> dict[int, str]:
    """Codes for errors the framework raises (no route, wrong method), ours where they match."""
    kinds: list[type[ServerError]] = [ServerError, *ServerError.__subclasses__()]
    ours = {cls.status: cls.code for cls in kinds}
    return {405: "method_not_allowed", 413: "too_large", **ours}


HTTP_CODES = _http_codes()


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one JSON error shape of this API."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Every error the API answers with, ours or the framework's, in the one shape."""

    @app.exception_handler(ServerError)
    async def _server_error(_request: Request, exc: ServerError) -> JSONResponse:
        return error_response(exc.status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return error_response(422, "invalid", f"These fields are missing or wrong: {fields}.")

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
