"""The server's exception tree; the API turns each into the one JSON error shape."""

from __future__ import annotations


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
