"""The append-only audit trail: every coordinator read of a sealed record, every amendment.

Written in the same transaction as the read or write it describes, so nothing is seen or
changed without a trace.

Screens that refresh themselves (the escalation queue, the lone-working board, the day's
visits) show the same people again every few seconds. Their reads go through `audit_reads`:
within one sign-in (Coordinator.session) a person read at one version is recorded once, the
first time it is shown; a new sign-in, or a changed record (a new version), is recorded again.
The memory of what a sign-in has read is kept only once the transaction that wrote the row has
committed, so a read whose row was rolled back is recorded again at the next refresh.
Callers without a session (the API's tokens) are recorded on every read, as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from threading import Lock
from typing import Any

from sqlalchemy import Connection, Engine, event, insert

from server.schema import audit_log
from server.services.sign_in import Coordinator

SESSIONS_KEPT = 2_000  # sign-ins remembered (least recently used dropped: it audits again)
READS_KEPT = 50_000  # reads remembered per sign-in (past it, its memory starts again)
_PENDING = "audit_reads_pending"  # in Connection.info: reads written, not yet committed

Read = tuple[str, str, str, int]  # (action, kind, target, version)
_seen: OrderedDict[str, set[Read]] = OrderedDict()
_lock = Lock()  # console sessions refresh on worker threads


def audit(conn: Connection, who: Coordinator, action: str, kind: str, target: str,
          at: datetime) -> None:
    conn.execute(insert(audit_log).values(
        tenant_id=who.tenant_id, at=at.isoformat(), actor_kind="coordinator",
        actor_id=who.id, action=action, target_kind=kind, target_id=target))


def audit_many(conn: Connection, who: Coordinator, action: str, kind: str,
               targets: list[str], at: datetime) -> None:
    """One row per target, in one statement (a page of search results names many people)."""
    if targets:
        conn.execute(insert(audit_log), [dict(
            tenant_id=who.tenant_id, at=at.isoformat(), actor_kind="coordinator",
            actor_id=who.id, action=action, target_kind=kind, target_id=t) for t in targets])


def audit_reads(conn: Connection, who: Coordinator, action: str, kind: str,
                versions: Mapping[str, int], at: datetime) -> None:
    """Record reads of these targets (id -> version): each once per sign-in and version (see
    the module); every one when `who` has no session."""
    reads = {(action, kind, target, int(v)) for target, v in versions.items()}
    if who.session:
        with _lock:
            known = _seen.get(who.session, set())
        reads -= known
    if not reads:
        return
    audit_many(conn, who, action, kind, sorted(r[2] for r in reads), at)
    if who.session:
        _watch(conn.engine)
        conn.info.setdefault(_PENDING, []).append((who.session, reads))


def forget_session(session: str) -> None:
    """A sign-in ended: what it read is no longer remembered."""
    with _lock:
        _seen.pop(session, None)


def _watch(engine: Engine) -> None:
    if not event.contains(engine, "commit", _committed):
        event.listen(engine, "commit", _committed)
        event.listen(engine, "rollback", _rolled_back)
        # A connection handed back with its transaction never ended is rolled back by the
        # pool, not through the Connection: what it wrote was not kept, so neither is the memory.
        event.listen(engine.pool, "checkin", _checked_in)


def _committed(conn: Connection) -> None:
    pending = conn.info.pop(_PENDING, None)
    if not pending:
        return
    with _lock:
        for session, reads in pending:
            known = _seen.pop(session, set())
            if len(known) + len(reads) > READS_KEPT:
                known = set()
            _seen[session] = known | reads  # most recently used last
        while len(_seen) > SESSIONS_KEPT:
            _seen.popitem(last=False)


def _rolled_back(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def _checked_in(_dbapi_connection: object, record: Any) -> None:
    if record is not None:
        record.info.pop(_PENDING, None)
