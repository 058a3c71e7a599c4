"""Server ingest over real HTTP against raw SQLite `executemany` of the same rows.

Both sides get the same freshly sealed records, in batches of MAX_PUSH_RECORDS, one transaction
per batch. HTTP: the real server (bench/server.py, `serve --workers`, one process per core) and
PUSHING_PHONES enrolled phones pushing at once, each on its own connection with request bodies
encoded beforehand and its current cursor (so the pulls come back empty, as for an up-to-date
phone); one phone pushing alone is measured too. Raw: one `sqlite3` connection's
`executemany` into a table with the columns and indexes of server/schema.py `records`, WAL and
synchronous=NORMAL like server/storage.py, rows serialised and hashed beforehand (SQLite has
one writer at a time, so this is as fast as those rows can go in). The rounds alternate raw /
HTTP; the best round of each side counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.common import rnd
from bench.data import LONDON, Fake
from bench.server import Seeded
from fieldapp.vault.dek import Sealer
from sync.protocol import (
    MAX_PUSH_RECORDS,
    PROTOCOL_VERSION,
    SYNC_PATH,
    PushedRecord,
    SyncRequest,
    decode_body,
    encode_body,
)

# Phones pushing at once in the HTTP rounds: a server's ingest rate is what it takes in from
# many phones (each request from one phone still waits for the previous answer).
PUSHING_PHONES = int(os.environ.get("BENCH_INGEST_PHONES", 4))
HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip",
           "Accept-Encoding": "gzip"}


def _sealed_records(seeded: Seeded, wid: str, fake: Fake, n: int) -> list[PushedRecord]:
    visits = seeded.workers[wid].visits
    sealer = Sealer(os.urandom(32), seeded.tenant_id, seeded.escrow_public_key)
    kinds = ["check_in", "task_outcome", "task_outcome", "note", "check_out"]
    device_id = fake.uuid()
    out = []
    for i in range(n):
        v, rid = visits[i % len(visits)], fake.uuid()
        at = (datetime.fromisoformat(v["start"]) + timedelta(seconds=i)).isoformat()
        # A visit note as records.write_record seals it (~300 bytes of JSON).
        payload = {"text": fake.note(), "phrases": fake.phrases(), "at": at, "worker_id": wid,
                   "device_id": device_id}
        out.append(PushedRecord(rid, kinds[i % 5], v["id"], v["service_user_id"], at, 1,
                                sealer.seal("records", rid, 1, payload, escrow=True)))
    return out


def _raw_sqlite_rate(path: Path, rows: list[tuple[Any, ...]]) -> float:
    """Records/s for raw executemany into a table shaped like server/schema.py `records`."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("""CREATE TABLE records (id VARCHAR(36) PRIMARY KEY, tenant_id VARCHAR(36) NOT NULL,
        device_id VARCHAR(36) NOT NULL, worker_id VARCHAR(36) NOT NULL, kind VARCHAR(32) NOT NULL,
        visit_id VARCHAR(36), service_user_id VARCHAR(36), recorded_at TEXT NOT NULL,
        version INTEGER NOT NULL, corrects VARCHAR(36), envelope JSON NOT NULL,
        facts JSON NOT NULL, content_hash VARCHAR(64) NOT NULL, received_at TEXT NOT NULL,
        seq BIGINT NOT NULL)""")
    db.execute("CREATE INDEX ix_records_visit_id ON records (visit_id)")
    db.execute("CREATE INDEX ix_records_service_user_id ON records (service_user_id)")
    started = time.perf_counter()
    for i in range(0, len(rows), MAX_PUSH_RECORDS):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       rows[i:i + MAX_PUSH_RECORDS])
        db.execute("COMMIT")
    took = time.perf_counter() - started
    db.close()
    return len(rows) / took


def _cursor(http: httpx.Client, token: str) -> str:
    first = http.post(SYNC_PATH, headers={**HEADERS, "Authorization": f"Bearer {token}"},
                      content=encode_body(SyncRequest(PROTOCOL_VERSION, None, [],
                                                      "0.1.0").to_dict()))
    first.raise_for_status()
    return str(decode_body(first.content, None)["cursor"])  # up to date: the pulls are empty


def _post(host: str, port: int, request: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 exchange on a fresh connection: send `request` (head and body, built
    beforehand), read to the server's close; return (status, body)."""
    with socket.create_connection((host, port), timeout=120) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        raise RuntimeError("the bench client reads Content-Length answers only")
    return int(head.split(b" ", 2)[1]), body


def _push_all(base: str, token: str, bodies: list[bytes]) -> int:
    """One phone pushing its batches one after another, a new connection for each as a phone
    that syncs now and then makes (so the server's processes share the phones as they would
    in the field); returns the records accepted, read from every answer. The requests are
    built as bytes beforehand and sent on a plain socket: the load generator shares this
    machine's two cores with the server, so it uses as little of them as it can (httpx or
    http.client would spend more than the server's own HTTP layer)."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **HEADERS, "Host": f"{host}:{port}", "Authorization": f"Bearer {token}",
        "Connection": "close"}.items())
    requests = [f"POST {SYNC_PATH} HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
                .encode() + body for body in bodies]
    accepted = 0
    for request in requests:
        status, answer = _post(host, port, request)
        if status != 200:
            raise RuntimeError(f"sync answered {status}: {answer[:200]!r}")
        accepted += len(decode_body(answer, "gzip")["accepted"])
    return accepted


def _http_rate(base: str, phones: dict[str, list[PushedRecord]]) -> float:
    """Records/s for `phones` (token → its records) pushing at the same time, each on its own
    connection, each batch a full sync request with the phone's current cursor."""
    with httpx.Client(base_url=base, timeout=120.0, trust_env=False) as http:
        cursors = {token: _cursor(http, token) for token in phones}
    bodies = {token: [encode_body(SyncRequest(PROTOCOL_VERSION, cursors[token],
                                              recs[i:i + MAX_PUSH_RECORDS], "0.1.0").to_dict())
                      for i in range(0, len(recs), MAX_PUSH_RECORDS)]
              for token, recs in phones.items()}
    started = time.perf_counter()
    with ThreadPoolExecutor(len(phones)) as pool:
        accepted = sum(pool.map(lambda t: _push_all(base, t, bodies[t]), list(bodies)))
    took = time.perf_counter() - started
    total = sum(len(r) for r in phones.values())
    if accepted != total:
        raise RuntimeError(f"the server accepted {accepted} of {total} records")
    return total / took


def _raw_rows(seeded: Seeded, records: list[PushedRecord]) -> list[tuple[Any, ...]]:
    """The rows the server would store, serialised and hashed beforehand (not timed)."""
    now = datetime.now(LONDON).isoformat()
    return [(r.id, seeded.tenant_id, "bench-device", "bench-worker", r.kind, r.visit_id,
             r.service_user_id, r.recorded_at, r.version, r.corrects,
             json.dumps(r.envelope, separators=(",", ":")),
             json.dumps(r.facts, separators=(",", ":")),
             hashlib.sha256(json.dumps(r.to_dict(), sort_keys=True).encode()).hexdigest(), now, i)
            for i, r in enumerate(records)]


def ingest(base: str, seeded: Seeded, fake: Fake, tmp: Path, n: int, rounds: int,
           raw: bool) -> dict[str, Any]:
    """`rounds` x (raw, HTTP from PUSHING_PHONES phones at once, HTTP from one phone) of `n`
    fresh records each; the best round of each counts (other work on a shared machine only
    ever makes a round slower)."""
    enrolled = [wid for wid, w in seeded.workers.items() if w.token][:PUSHING_PHONES]
    http_rates, one_rates, raw_rates = [], [], []
    for _ in range(rounds):
        per_phone = {seeded.workers[wid].token: _sealed_records(seeded, wid, fake,
                                                                 n // len(enrolled))
                     for wid in enrolled}
        records = [r for recs in per_phone.values() for r in recs]
        if raw:
            # The raw side takes a fraction of a second, so one hiccup of a busy machine
            # halves it: best of three fresh tables.
            rows = _raw_rows(seeded, records)
            raw_rates.append(max(_raw_sqlite_rate(tmp / "raw.sqlite", rows) for _ in range(3)))
        http_rates.append(_http_rate(base, per_phone))
        alone = seeded.workers[enrolled[0]]
        one_rates.append(_http_rate(base, {alone.token: _sealed_records(
            seeded, enrolled[0], fake, n // len(enrolled))}))
    out: dict[str, Any] = {"ingest_http_records_per_s": int(max(http_rates)),
                           "ingest_http_rounds_records_per_s": [int(r) for r in http_rates],
                           "ingest_http_phones": len(enrolled),
                           "ingest_http_one_phone_records_per_s": int(max(one_rates))}
    if raw:
        out.update({
            "ingest_records_per_round": n, "ingest_rounds": rounds,
            "ingest_raw_records_per_s": int(max(raw_rates)),
            "ingest_raw_rounds_records_per_s": [int(r) for r in raw_rates],
            "ingest_ratio_vs_raw_sqlite": rnd(max(http_rates) / max(raw_rates), 4),
        })
    return out
