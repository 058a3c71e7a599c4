"""Counting what a phone puts on the wire: round trips and bytes, around httpx's real transport.

`CountingTransport` wraps `httpx.AsyncHTTPTransport`: each request is one round trip; request
bodies are counted as sent (the sync client sends them gzip-compressed), response bodies as
received *before* httpx undoes their gzip, and header bytes separately (approximately: names,
values, separators and the request/status line).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from fieldapp.records import open_record
from fieldapp.store import DeviceStore
from fieldapp.vault import Sealer, envelope_from_bytes
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


def envelope_breakdown(store: DeviceStore) -> dict[str, Any]:
    """Where a pushed record's bytes go: clear fields, sealed content, and the two wrapped keys."""
    parts = {"clear_fields": 0, "sealed_content": 0, "phone_key_dk": 0, "office_key_ek": 0,
             "envelope_other": 0}
    raw = []
    rows = store.rows("SELECT id, kind, visit_id, service_user_id, recorded_at, version, "
                      "corrects, envelope FROM records")

    def size(value: Any) -> int:
        return len(json.dumps(value, separators=(",", ":")))

    for r in rows:
        env = envelope_from_bytes(r["envelope"])
        record = {k: r[k] for k in r if k != "envelope"}
        record["envelope"] = env
        raw.append(record)
        parts["clear_fields"] += size(record) - size(env)
        parts["sealed_content"] += len(env["ct"])
        parts["phone_key_dk"] += size(env["dk"])
        parts["office_key_ek"] += size(env.get("ek", {}))
        parts["envelope_other"] += size(env) - len(env["ct"]) - size(env["dk"]) \
            - size(env.get("ek", {}))
    n = max(1, len(rows))
    plain = json.dumps(raw, separators=(",", ":")).encode()
    return {"records": len(rows), "bytes_per_record": {k: round(v / n) for k, v in parts.items()},
            "json_bytes": len(plain), "gzip_bytes": len(gzip.compress(plain, 6))}


def push_what_if(store: DeviceStore, sealer: Sealer) -> dict[str, int]:
    """Compressed push-body bytes for the store's records: as sent, without the phone's key copy
    `dk` (the server never uses it), and also without the worker and device ids that
    `records.write_record` puts inside every sealed payload (the server knows both from the
    device token; they could be bound as associated data instead of being shipped)."""
    variants: dict[str, list[dict[str, Any]]] = {"as_sent": [], "without_dk": [],
                                                 "without_dk_and_sealed_ids": []}
    for r in store.rows("SELECT * FROM records ORDER BY recorded_at"):
        clear = {k: r[k] for k in ("id", "kind", "visit_id", "service_user_id", "recorded_at",
                                   "version", "corrects")}
        env = envelope_from_bytes(r["envelope"])
        variants["as_sent"].append({**clear, "envelope": env})
        variants["without_dk"].append({**clear, "envelope": {k: v for k, v in env.items()
                                                             if k != "dk"}})
        slim = {k: v for k, v in open_record(sealer, r).items()
                if k not in ("worker_id", "device_id")}
        resealed = sealer.seal("records", r["id"], r["version"], slim, escrow=True)
        resealed.pop("dk")
        variants["without_dk_and_sealed_ids"].append({**clear, "envelope": resealed})
    return {name: len(encode_body({"protocol": PROTOCOL_VERSION, "cursor": "c1.0",
                                   "push": push, "app_version": "0.1.0"}))
            for name, push in variants.items()}
