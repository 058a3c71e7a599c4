"""The change feed: commit-ordered sequence numbers and per-worker changes to pull."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from server import datakeys
from server.schema import feed, tenants
from server.sealing import open_feed_body, seal_feed_body

CURSOR_PREFIX = "c1."


def lock_clock(conn: Connection, tenant_id: str) -> None:
    """Take the agency's clock row for this transaction (PostgreSQL: a row lock held until
    commit; SQLite's BEGIN IMMEDIATE already holds the whole database)."""
    conn.execute(select(tenants.c.clock).where(tenants.c.id == tenant_id).with_for_update())


def lock_clocks(conn: Connection, tenant_ids: set[str]) -> None:
    """`lock_clock` for several agencies, always in the same order. A writer that changes rows
    a phone's push also changes (welfare sessions, alerts) takes the clock first, as the push
    does: taking it after them would let the two wait on each other (PostgreSQL: a deadlock,
    one of them failed)."""
    for tenant_id in sorted(tenant_ids):
        lock_clock(conn, tenant_id)


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
    """Append changes ({worker_id, entity, entity_id, op, version, body}) in one seq block;
    each body is sealed under the agency's data key, for its position."""
    if not changes:
        return 0
    keys = datakeys.keys_for(conn, tenant_id)
    first = reserve_seq(conn, tenant_id, len(changes))
    conn.execute(
        insert(feed),
        [{"tenant_id": tenant_id, "seq": first + i, **c,
          "body": seal_feed_body(keys, tenant_id, first + i, c["version"], c["body"])}
         for i, c in enumerate(changes)],
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
    ).mappings().all()
    if not rows:
        return []
    keys = datakeys.keys_for(conn, tenant_id)
    return [{**r, "body": open_feed_body(keys, tenant_id, r["seq"], r["version"], r["body"])}
            for r in rows]


def encode_cursor(seq: int) -> str:
    return f"{CURSOR_PREFIX}{seq}"


# The feed's positions are BIGINT on every backend: a cursor beyond it was never ours.
MAX_SEQ = 2**63 - 1


def decode_cursor(cursor: str | None) -> int | None:
    """The seq a cursor stands for; None when absent or not understood (→ full resync)."""
    if not cursor or not cursor.startswith(CURSOR_PREFIX):
        return None  # a phone with no cursor gets its scope as it is now
    digits = cursor[len(CURSOR_PREFIX):]
    # ASCII digits only (int() also reads "٣", "+1", " 1" and "1_0"), at most 19 of them.
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if value <= MAX_SEQ else None
