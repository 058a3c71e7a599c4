"""Counting what a phone puts on the wire: round trips and bytes, around httpx's real transport.

`CountingTransport` wraps `httpx.AsyncHTTPTransport`: each request is one round trip; request
bodies are counted as sent (the sync client sends them gzip-compressed), response bodies as
received *before* httpx undoes their gzip, and header bytes separately (approximately: names,
values, separators and the request/status line).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx

from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.records import open_record
from fieldapp.vault.dek import Sealer
from fieldapp.vault.sealing import canonical_json
from sync.protocol import PROTOCOL_VERSION, encode_body


class _CountingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, counter: CountingTransport,
                 entry: dict[str, Any]):
        self._inner, self._counter, self._entry = inner, counter, entry

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._counter.received += len(chunk)
            self._entry["received"] += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _header_bytes(headers: httpx.Headers, first_line: int) -> int:
    return first_line + sum(len(k) + len(v) + 4 for k, v in headers.raw) + 2


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.reset()

    def reset(self) -> None:
        self.round_trips = self.sent = self.received = self.header_bytes = 0
        self.log: list[dict[str, Any]] = []

    def snapshot(self) -> dict[str, int]:
        return {"round_trips": self.round_trips, "sent": self.sent, "received": self.received,
                "header_bytes": self.header_bytes}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.round_trips += 1
        self.sent += len(body)
        self.header_bytes += _header_bytes(request.headers, len(request.url.raw_path) + 16)
        entry = {"path": request.url.path, "sent": len(body), "received": 0}
        self.log.append(entry)
        response = await self._inner.handle_async_request(request)
        self.header_bytes += _header_bytes(response.headers, 17)
        response.stream = _CountingStream(response.stream, self, entry)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _pushed(store: DeviceStore) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(row, record as the sync client pushes it: `PushedRecord` with the office copy of the
    envelope, no `dk`) for every record in the store."""
    return [(r, replica.pushed_record(r).to_dict())
            for r in store.rows("SELECT * FROM records ORDER BY recorded_at, id")]


def envelope_breakdown(store: DeviceStore) -> dict[str, Any]:
    """Where a pushed record's JSON bytes go: clear fields, sealed content, the office's key."""
    parts = {"clear_fields": 0, "sealed_content": 0, "office_key_ek": 0, "envelope_other": 0}

    def size(value: Any) -> int:
        return len(json.dumps(value, separators=(",", ":")))

    pushed = [record for _, record in _pushed(store)]
    for record in pushed:
        env = record["envelope"]
        parts["clear_fields"] += size(record) - size(env)
        parts["sealed_content"] += len(env["ct"])
        parts["office_key_ek"] += size(env.get("ek", {}))
        parts["envelope_other"] += size(env) - len(env["ct"]) - size(env.get("ek", {}))
    n = max(1, len(pushed))
    plain = json.dumps(pushed, separators=(",", ":")).encode()
    return {"records": len(pushed),
            "bytes_per_record": {k: round(v / n) for k, v in parts.items()},
            "json_bytes": len(plain), "gzip_bytes": len(gzip.compress(plain, 6))}


def push_what_if(store: DeviceStore, sealer: Sealer) -> dict[str, int]:
    """Compressed push-body bytes for the store's records as sent (envelope version 2: the
    sealed JSON deflated with a preset dictionary) and as version 1 would have sent them (the
    JSON sealed as it is: a ciphertext as long as the JSON plus the tag, and as random)."""
    as_sent, plain = [], []
    for row, record in _pushed(store):
        as_sent.append(record)
        content = canonical_json(open_record(sealer, row))
        env = {**record["envelope"], "v": 1,
               "ct": base64.b64encode(os.urandom(len(content) + 16)).decode()}
        plain.append({**record, "envelope": env})
    return {name: len(encode_body({"protocol": PROTOCOL_VERSION, "cursor": "c1.0",
                                   "push": push, "app_version": "0.1.0"}))
            for name, push in (("as_sent", as_sent), ("as_version_1", plain))}
