"""Multi-process load generator: many enrolled phones doing their morning sync at once.

Each process (spawned, so it shares nothing with the parent) runs its own asyncio loop and
httpx client with `concurrency` devices in flight; every device sends one sync request (nothing
to push, no cursor) and reads the answer holding its whole scope (its visits, the people it
visits, their care plans and medicines). All processes start, warm up together (untimed),
then wait on a barrier, so the clock starts when every client is connected and ready; it stops
at the last answer (perf_counter is CLOCK_MONOTONIC, one clock for all processes on Linux).
Latency is per request, from send to the last byte of the answer.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from sync.protocol import PROTOCOL_VERSION, SYNC_PATH, SyncRequest, encode_body

CHECK_EVERY = 25  # decode one answer in this many and check it (the rest: bytes only)


@dataclass(frozen=True)
class LoadResult:
    devices: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    bytes_down: int
    changes_checked: int
    answers_checked: int
    client_cpu_s: float
    error_reasons: list[str]  # the first few failures, as the client saw them


def _morning_body() -> bytes:
    return encode_body(SyncRequest(PROTOCOL_VERSION, None, [], "0.1.0").to_dict())


async def _drive(base: str, tokens: list[str], concurrency: int,
                 barrier: Any) -> dict[str, Any]:
    body = _morning_body()
    out: dict[str, Any] = {"lat": [], "done": [], "errors": 0, "bytes": 0, "changes": 0,
                           "checked": 0, "why": []}

    def failed(reason: str) -> None:
        out["errors"] += 1
        if len(out["why"]) < 5:
            out["why"].append(f"{time.strftime('%H:%M:%S')} {reason}"[:300])

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120.0,
                                 trust_env=False) as http:
        pending = iter(enumerate(tokens))

        async def device_loop(warm: bool = False) -> None:
            for i, token in pending:
                started = time.perf_counter()
                try:
                    async with http.stream("POST", SYNC_PATH, content=body, headers={
                        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Content-Encoding": "gzip", "Accept-Encoding": "gzip",
                    }) as resp:
                        raw = b"".join([chunk async for chunk in resp.aiter_raw()])
                        status = resp.status_code
                except httpx.HTTPError as exc:
                    failed(f"{type(exc).__name__}: {exc}")
                    continue
                if warm:
                    return
                out["lat"].append((time.perf_counter() - started) * 1000.0)
                out["done"].append(time.perf_counter())
                out["bytes"] += len(raw)
                if status != 200:
                    failed(f"HTTP {status}: {raw[:200]!r}")
                elif i % CHECK_EVERY == 0:
                    answer = json.loads(gzip.decompress(raw))
                    out["changes"] += len(answer["changes"])
                    out["checked"] += 1

        # Warm-up, not timed: every connection opened and the server's statement caches filled,
        # by one sync each of the first devices (they sync again, timed, below). Every process
        # starts it at once (the first barrier), so none sits idle long enough for the server
        # to close its kept-alive connections (uvicorn: 5 s) before the timed run.
        await asyncio.to_thread(barrier.wait)
        pending = iter(enumerate(tokens[:concurrency]))
        await asyncio.gather(*(device_loop(warm=True) for _ in range(concurrency)))
        pending = iter(enumerate(tokens))
        await asyncio.to_thread(barrier.wait)
        await asyncio.gather(*(device_loop() for _ in range(concurrency)))
    return out


def _process_main(base: str, tokens: list[str], concurrency: int, barrier: Any,
                  results: Any) -> None:
    cpu = time.process_time()
    out = asyncio.run(_drive(base, tokens, concurrency, barrier))
    out["end"] = max(out["done"], default=time.perf_counter())
    out["cpu"] = time.process_time() - cpu
    results.put(out)


def morning(base: str, tokens: list[str], processes: int, concurrency: int) -> LoadResult:
    """Every token syncs once; `processes` x `concurrency` requests in flight."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    shares = [tokens[i::processes] for i in range(processes)]
    workers = [ctx.Process(target=_process_main, args=(base, share, concurrency, barrier, results))
               for share in shares]
    for w in workers:
        w.start()
    try:
        try:
            barrier.wait(timeout=300)  # every process started: they warm up
            barrier.wait(timeout=300)  # every process warmed up: the clock starts
        except threading.BrokenBarrierError:
            raise RuntimeError("a load-generator process did not start: exit codes "
                               f"{[w.exitcode for w in workers]}") from None
        started = time.perf_counter()
        outs: list[dict[str, Any]] = []
        while len(outs) < len(workers):
            try:
                outs.append(results.get(timeout=5))
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    raise RuntimeError("a load-generator process failed: exit codes "
                                       f"{[w.exitcode for w in workers]}") from None
        seconds = max(o["end"] for o in outs) - started
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.terminate()
    return LoadResult(
        devices=len(tokens), seconds=seconds,
        latencies_ms=[x for o in outs for x in o["lat"]],
        errors=sum(o["errors"] for o in outs), bytes_down=sum(o["bytes"] for o in outs),
        changes_checked=sum(o["changes"] for o in outs),
        answers_checked=sum(o["checked"] for o in outs),
        client_cpu_s=sum(o["cpu"] for o in outs),
        error_reasons=[why for o in outs for why in o["why"]],
    )
