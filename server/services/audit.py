"""The append-only audit trail: every coordinator read of a sealed record, every amendment.

Written in the same transaction as the read or write it describes, so nothing is seen or
changed without a trace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from server.schema import audit_log
from server.services.sign_in import Coordinator


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
