"""A cap on request bodies of the phone API, applied before the endpoint reads a byte.

A body announced larger than its cap is answered 413 at once, unread. One sent without a
length (chunked) is taken in chunks up to the cap, then handed on; past the cap, 413. The sync
endpoint reads its own body (server/api.py: after the token check, with its larger cap), so
here it is left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SMALL_BODY_CAP = 64 * 1024


class BodyCap:
    def __init__(self, app: ASGIApp, prefix: str, exempt: frozenset[str],
                 cap: int = SMALL_BODY_CAP) -> None:
        self.app, self.prefix, self.exempt, self.cap = app, prefix, exempt, cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.exempt:
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit() or len(length) > 18 or int(length) > self.cap:
                await _too_large(send, self.cap)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # the client left: let the app see it
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.cap:
                await _too_large(send, self.cap)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, cap: int) -> None:
    body = orjson.dumps({"error": {
        "code": "too_large", "message": f"The request body is larger than {cap // 1024} KiB.",
        "field": "body"}})
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
