"""The outbox as the worker sees it: every record on this phone and how far it has got."""

from __future__ import annotations

from typing import Any

from fieldapp.store.db import DeviceStore

SHOW_AT_MOST = 100


def ledger(store: DeviceStore, limit: int = SHOW_AT_MOST) -> list[dict[str, Any]]:
    """Newest first; records waiting or refused before those the office already has.

    Silent records (a duress alert) are never listed: a coercer may be watching the screen.
    """
    return store.rows(
        "SELECT r.id, r.kind, r.recorded_at, r.sync_state, r.reject_reason, v.start "
        "FROM records r LEFT JOIN visits v ON v.id = r.visit_id "
        "WHERE r.kind != 'lone_worker' "
        "ORDER BY CASE r.sync_state WHEN 'rejected' THEN 0 WHEN 'phone' THEN 1 "
        "WHEN 'sent' THEN 2 ELSE 3 END, r.recorded_at DESC LIMIT ?",
        [limit],
    )


def waiting(store: DeviceStore) -> int:
    """How many changes are still queued to be sent."""
    return int(store.rows("SELECT COUNT(*) AS n FROM outbox")[0]["n"])
