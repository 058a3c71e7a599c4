"""Browser protections on every answer, and same-origin WebSockets for the console.

A pure ASGI wrapper around the whole app (API and console): it sets a content security policy
that lets the Flutter web client run (its WebAssembly and workers) but nothing from elsewhere,
forbids framing (clickjacking), MIME sniffing and referrers, and removes the wildcard CORS header
Flet's web server adds (the console and API are used from their own origin only). A WebSocket
whose Origin is not the server's own is refused before the console sees it, so another site a
coordinator visits cannot drive their signed-in console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = "; ".join((
    "default-src 'self'",
    # Flet's Flutter client: its bootstrap script is inline, skwasm compiles WebAssembly and
    # runs in blob: workers.
    "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
))
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_REPLACED = {name for name, _ in HEADERS} | {b"access-control-allow-origin"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not same_origin(scope):
            await receive()  # the client's connect message, then the refusal
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in _REPLACED]
                message["headers"] = kept + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def same_origin(scope: Scope) -> bool:
    """Whether a WebSocket's Origin header names the host it was sent to."""
    headers: dict[bytes, bytes] = {k.lower(): v for k, v in scope.get("headers", [])}
    origin, host = headers.get(b"origin"), headers.get(b"host")
    if origin is None:
        return True  # not a browser (browsers always send Origin on WebSockets)
    if host is None:
        return False
    return urlsplit(origin.decode("latin-1")).netloc.lower() == host.decode("latin-1").lower()
