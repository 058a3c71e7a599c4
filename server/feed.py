"""The change feed: commit-ordered sequence numbers and per-worker changes to pull."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from server.schema import feed, tenants

CURSOR_PREFIX = "c1."


def reserve_seq(conn: Connection, tenant_id: str, count: int = 1) -> int:
    """Reserve `count` sequence numbers; return the first. Holds the tenant row until commit."""
    first = conn.execute(
        update(tenants)
        .where(tenants.c.id == tenant_id)
        .values(clock=tenants.c.clock + count)
        .returning(tenants.c.clock)
    ).scalar_one()
    return int(first) - count + 1


def publish(conn: Connection, tenant_id: str, changes: list[dict[str, Any]]) -> int:
    """Append changes ({worker_id, entity, entity_id, op, version, body}) in one seq block."""
    if not changes:
        return 0
    first = reserve_seq(conn, tenant_id, len(changes))
    conn.execute(
        insert(feed),
        [{"tenant_id": tenant_id, "seq": first + i, **c} for i, c in enumerate(changes)],
    )
    return first + len(changes) - 1


def pull(
    conn: Connection, tenant_id: str, worker_id: str, after: int, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(feed.c.seq, feed.c.entity, feed.c.entity_id, feed.c.op, feed.c.version,
               feed.c.body)
        .where(feed.c.tenant_id == tenant_id, feed.c.worker_id == worker_id, feed.c.seq > after)
        .order_by(feed.c.seq)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def encode_cursor(seq: int) -> str:
    return f"{CURSOR_PREFIX}{seq}"


def decode_cursor(cursor: str | None) -> int | None:
    """The seq a cursor stands for; None when absent or not understood (→ full resync)."""
    if cursor == "":
        return None
    if cursor is None:
        return None  # a phone with no cursor gets its scope as it is now
    if not cursor.startswith(CURSOR_PREFIX):
        return None
    try:
        value = int(cursor[len(CURSOR_PREFIX):])
    except ValueError:
        return None
    return value if value >= 0 else None
