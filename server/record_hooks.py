"""What the office does, in the same transaction, when new worker records arrive.

Each hook sees only the clear part of a record (ids, times, kind, `facts`), never its sealed
content, so it runs without the escrow key.
"""

from __future__ import annotations

from sqlalchemy import Connection

from sync.protocol import PushedRecord


def after_store(
    conn: Connection, tenant_id: str, worker_id: str, stored: list[PushedRecord]
) -> None:
    """Called by the sync service after `stored` records were inserted (same transaction)."""
    del conn, tenant_id, worker_id, stored  # no hooks yet: medication and lone-working add them
