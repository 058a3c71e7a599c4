"""One sync round trip on the server: take the pushed records, answer with the worker's changes.

Rules (the contract every backend keeps):
1. A record id is accepted once. The same id with the same content is acknowledged again and has
   no further effect; the same id with different content is refused with a reason, never merged.
2. Records get a sequence number from the tenant clock in the same transaction that stores them,
   so the feed and the records are in commit order.
3. A phone pulls only its worker's feed, after its cursor, in seq order, at most MAX_PULL_CHANGES.
4. A cursor the server does not understand, or one older than the compacted feed keeps, means a
   full resync (`reset`, the worker's current scope), never a silent gap.
5. A revoked device may still push (nothing queued is lost) but receives no changes, only `wipe`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError

from server import authorise, feed, lone_records, record_hooks, scope, validation
from server.clock import SYSTEM_CLOCK, Clock
from server.enrolment import Arrival, DeviceIdentity
from server.errors import UpgradeRequired
from server.schema import devices, records
from server.storage import one_statement, read_only, transient
from sync.protocol import (
    MAX_PULL_CHANGES,
    PROTOCOL_VERSION,
    Change,
    PushedRecord,
    Rejection,
    SyncRequest,
    SyncResponse,
)


def content_hash(record: PushedRecord) -> str:
    """A digest of everything a record says, in a fixed field order (no JSON re-encoding).

    Two pushes of the same record hash the same whatever order their JSON keys came in.
    """
    env = record.envelope
    ek = env.get("ek") or {}
    parts = [
        record.id, record.kind, record.visit_id or "", record.service_user_id or "",
        record.recorded_at, str(record.version), record.corrects or "",
        str(env.get("v", "")), str(env.get("alg", "")), str(env.get("nonce", "")),
        str(env.get("ct", "")), str(ek.get("epk", "")), str(ek.get("nonce", "")),
        str(ek.get("ct", "")),
        json.dumps(record.facts, sort_keys=True, separators=(",", ":")),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


_RECORD_COLUMNS = ("id", "tenant_id", "device_id", "worker_id", "kind", "visit_id",
                   "service_user_id", "recorded_at", "version", "corrects", "envelope", "facts",
                   "content_hash", "received_at", "seq")
_JSON_COLUMNS = {"envelope", "facts"}
# {SQLite (qmark): …, psycopg (%s, a str bound to a JSON column cast): …}; constants only.
_INSERT_SQL = {
    qmark: f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) VALUES ("  # noqa: S608
           + ", ".join("?" if qmark else "CAST(%s AS JSON)" if c in _JSON_COLUMNS else "%s"
                       for c in _RECORD_COLUMNS) + ")"
    for qmark in (True, False)
}


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _insert_records(conn: Connection, rows: list[tuple[object, ...]]) -> None:
    """Insert `rows` (values in _RECORD_COLUMNS order, JSON already serialised) with one
    driver-level executemany: a 200-record push spends its time in the database, not in
    per-row parameter processing, while it holds the write lock. Same table and columns as
    `insert(records)`; the tests read the rows back through SQLAlchemy."""
    conn.exec_driver_sql(_INSERT_SQL[conn.dialect.paramstyle == "qmark"], rows)


LAST_SEEN_GRANULARITY = timedelta(minutes=5)
DEFAULT_RETENTION_DAYS = 14


def _seen_recently(last_seen: str | None, now: datetime) -> bool:
    return last_seen is not None and last_seen >= (now - LAST_SEEN_GRANULARITY).isoformat()


def _still_waiting(request: SyncRequest, accepted: int) -> int | None:
    """What stays on the phone once this sync's accepted records are acknowledged."""
    return None if request.pending is None else max(0, request.pending - accepted)


def _stale(device: DeviceIdentity, request: SyncRequest, now: datetime,
           accepted: int = 0) -> bool:
    """Does the office's "last seen" (app version, pending count) of this phone need writing?"""
    waiting = _still_waiting(request, accepted)
    return device.app_version != request.app_version or (
        waiting is not None and waiting != device.pending) or not _seen_recently(
        device.last_seen_at, now)


def _mark_seen(conn: Connection, device: DeviceIdentity, request: SyncRequest,
               now: str, accepted: int = 0) -> None:
    waiting = _still_waiting(request, accepted)
    conn.execute(update(devices).where(devices.c.id == device.id)
                 .values(last_seen_at=now, app_version=request.app_version,
                         **({} if waiting is None else {"pending_count": waiting})))


def _store(conn: Connection, device: DeviceIdentity, push: list[PushedRecord],
           digests: list[str], encoded: list[tuple[str, str]], now: str, accepted: list[str],
           rejected: list[Rejection], escrow: lone_records.EscrowKey | None = None
           ) -> list[PushedRecord]:
    """Rule 1 and 2: take the pushed records (inside the caller's write transaction); fill
    `accepted` and `rejected`; return the records stored now."""
    # The agency's clock row first: a copy of this push arriving at the same moment waits
    # here until this one commits, then finds its ids stored and acknowledges them (checking
    # the ids first let both insert, and one fail on the primary key).
    feed.lock_clock(conn, device.tenant_id)
    known = {
        r.id: r.content_hash for r in conn.execute(
            select(records.c.id, records.c.content_hash).where(
                records.c.tenant_id == device.tenant_id,
                records.c.id.in_([r.id for r in push]),
            )
        )
    }
    grants = authorise.load(conn, device, push)
    fresh: list[tuple[PushedRecord, str, int]] = []
    for pos, (rec, digest) in enumerate(zip(push, digests, strict=True)):
        if rec.id in known:
            if known[rec.id] == digest:
                accepted.append(rec.id)
            else:
                rejected.append(Rejection(
                    rec.id, "A different record with the same id is already at the office."
                ))
        elif (reason := authorise.refusal(grants, device, rec)) is not None:
            rejected.append(Rejection(rec.id, reason))
        else:
            fresh.append((rec, digest, pos))
            known[rec.id] = digest
            grants.stored(device, rec)
    if not fresh:
        return []
    first = feed.reserve_seq(conn, device.tenant_id, len(fresh))
    _insert_records(conn, [
        (rec.id, device.tenant_id, device.id, device.worker_id, rec.kind, rec.visit_id,
         rec.service_user_id, rec.recorded_at, rec.version, rec.corrects,
         *encoded[pos], digest, now, first + i)
        for i, (rec, digest, pos) in enumerate(fresh)
    ])
    stored = [rec for rec, _, _ in fresh]
    accepted.extend(rec.id for rec in stored)
    record_hooks.after_store(conn, device.tenant_id, device.worker_id, stored, escrow)
    return stored


def checked(push: list[PushedRecord], clock: datetime,
            rejected: list[Rejection]) -> list[PushedRecord]:
    """The records that pass the office's checks (server/validation.py); the others go to
    `rejected` with the reason. Runs before the write transaction."""
    bounds = validation.TimeBounds.at(clock)
    good = []
    for rec in push:
        try:
            validation.check_record(rec, bounds)
        except validation.Refused as exc:
            rejected.append(Rejection(rec.id, f"The office cannot take this record: {exc}."))
        else:
            good.append(rec)
    return good


def _pull(
    conn: Connection, device: DeviceIdentity, request: SyncRequest, retention_days: int,
    now: datetime, arrival: Arrival | None = None,
) -> tuple[list[dict[str, Any]], int, bool, int | None]:
    """Rules 3 and 4: (changes, the seq they reach, more to come, the cursor's seq or None
    for a full resync)."""
    after = feed.decode_cursor(request.cursor)
    if after is not None and after < scope.floor(conn, device.tenant_id):
        after = None  # expired: the changes since that cursor were compacted away
    if after is None:
        # Full resync: the worker's scope as it is now, and a cursor at "now".
        # Clock first: every change numbered at or below it has committed (the clock row
        # serialises writers), so the scope read after it holds them all. A change that
        # commits in between is sent now and again after the cursor: upserts, harmless.
        last = arrival.clock if arrival is not None else scope.clock(conn, device.tenant_id)
        rows = scope.current_scope(
            conn, device.tenant_id, device.worker_id, retention_days, now,
            profile=arrival.profile if arrival is not None else None)
        return rows, last, False, None
    rows = feed.pull(conn, device.tenant_id, device.worker_id, after, MAX_PULL_CHANGES + 1)
    more = len(rows) > MAX_PULL_CHANGES
    rows = rows[:MAX_PULL_CHANGES]
    return rows, rows[-1]["seq"] if rows else after, more, after


def handle_sync(
    engine: Engine | Connection, device: DeviceIdentity, request: SyncRequest,
    retention_days: int = DEFAULT_RETENTION_DAYS, *, clock: Clock = SYSTEM_CLOCK,
    escrow: lone_records.EscrowKey | None = None,
) -> SyncResponse:
    """One round trip in one transaction, on `engine` or on an open (idle) connection of it
    (the API authenticates on the same connection, one pool checkout a sync). `escrow` loads
    the agency's key, to read what lone-worker records say (server/lone_records.py)."""
    if isinstance(engine, Connection):
        return _retried(engine, device, request, retention_days, clock, escrow)
    with engine.connect() as conn:
        return _retried(conn, device, request, retention_days, clock, escrow)


def _retried(connection: Connection, device: DeviceIdentity, request: SyncRequest,
             retention_days: int, clock: Clock,
             escrow: lone_records.EscrowKey | None) -> SyncResponse:
    """`_handle_sync`, run again when PostgreSQL chose it to break a deadlock with another
    writer (its transaction rolled back whole, so running it again is safe): the phone gets
    its answer, not a 500 for the office's own contention."""
    for attempt in range(1, RETRIES + 1):
        try:
            return _handle_sync(connection, device, request, retention_days, clock, escrow)
        except DBAPIError as exc:
            if attempt == RETRIES or not transient(exc):
                raise
    raise AssertionError("unreachable")


RETRIES = 3


def _check_protocol(request: SyncRequest) -> None:
    if request.protocol != PROTOCOL_VERSION:
        raise UpgradeRequired(
            "This app is too old (or too new) for the office server. Update the app."
        )


def pull_only(conn: Connection, device: DeviceIdentity, request: SyncRequest,
              retention_days: int = DEFAULT_RETENTION_DAYS, *,
              clock: Clock = SYSTEM_CLOCK, arrival: Arrival | None = None) -> SyncResponse:
    """A sync with nothing to push, inside the caller's read-only transaction: it writes
    nothing, so on SQLite it neither waits for nor holds up writers and a morning of full
    resyncs runs side by side. Call `note_seen` once that transaction has ended. `arrival`
    (read earlier in that transaction) gives the agency clock and the worker's profile."""
    _check_protocol(request)
    at = clock.now()
    pulled = None if device.revoked else _pull(conn, device, request, retention_days, at,
                                               arrival)
    return _answer([], [], pulled, at.isoformat(), retention_days)


def note_seen(conn: Connection, device: DeviceIdentity, request: SyncRequest, *,
              clock: Clock = SYSTEM_CLOCK) -> None:
    """After a pull-only sync: write the office's "last seen" of the phone, in a short
    transaction of its own, only when it is getting stale (or the app version changed)."""
    at = clock.now()
    if _stale(device, request, at):
        with one_statement(conn):
            _mark_seen(conn, device, request, at.isoformat())


def _handle_sync(
    connection: Connection, device: DeviceIdentity, request: SyncRequest, retention_days: int,
    clock: Clock, escrow: lone_records.EscrowKey | None = None,
) -> SyncResponse:
    _check_protocol(request)
    if not request.push and not request.refused:
        with read_only(connection):
            answer = pull_only(connection, device, request, retention_days, clock=clock)
        note_seen(connection, device, request, clock=clock)
        return answer
    at = clock.now()
    now = at.isoformat()
    accepted: list[str] = []
    rejected: list[Rejection] = list(request.refused)
    push = checked(request.push, at, rejected)
    # Hashed and serialised before the transaction: the write lock is held for database work.
    digests = [content_hash(rec) for rec in push]
    encoded = [(_json(rec.envelope), _json(rec.facts)) for rec in push]
    # The agency's key too: finding it reads the database, which must not wait on this
    # connection's own write transaction.
    escrow = lone_records.ready(device.tenant_id, push, escrow)
    with connection.begin():
        if push:
            _store(connection, device, push, digests, encoded, now, accepted, rejected, escrow)
        # "Last seen" is kept to 5 minutes, pushes or not; the pending count as reported.
        if _stale(device, request, at, len(accepted)):
            _mark_seen(connection, device, request, now, len(accepted))
        pulled = None if device.revoked else _pull(connection, device, request,
                                                   retention_days, at)
    return _answer(accepted, rejected, pulled, now, retention_days)


def _answer(accepted: list[str], rejected: list[Rejection],
            pulled: tuple[list[dict[str, Any]], int, bool, int | None] | None, now: str,
            retention_days: int) -> SyncResponse:
    if pulled is None:  # a revoked phone: no changes, only `wipe`
        return SyncResponse(PROTOCOL_VERSION, accepted, rejected, [], None, False, now,
                            wipe=True)
    rows, last, more, after = pulled
    changes = [
        Change(entity=r["entity"], id=r["entity_id"], op=r["op"], version=r["version"],
               body=r["body"])
        for r in rows
    ]
    return SyncResponse(
        PROTOCOL_VERSION, accepted, rejected, changes, feed.encode_cursor(last), more, now,
        reset=after is None, retention_days=retention_days,
    )
