"""The outbox as the worker sees it: every record on the phone and how far it has got.

Read-only views for the records banner and the outbox screen, so no screen runs SQL. Silent
records (a duress alert) are never listed nor counted: a coercer may be watching the screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldapp.domain.clock import parse_utc
from fieldapp.services.duress import visible_counts
from fieldapp.store import replica
from fieldapp.store.db import DeviceStore
from fieldapp.store.replica import SyncCounts
from sync.kinds import HIDDEN_FROM_OUTBOX

SHOW_AT_MOST = 100


def ledger(store: DeviceStore, limit: int = SHOW_AT_MOST) -> list[dict[str, Any]]:
    """Newest first; records waiting or refused before those the office already has.

    Silent kinds (a duress alert; sync.kinds says which) are never listed: a coercer may be
    watching the screen.
    """
    return store.rows(
        "SELECT r.id, r.kind, r.recorded_at, r.sync_state, r.reject_reason, v.start "
        "FROM records r LEFT JOIN visits v ON v.id = r.visit_id "
        "WHERE r.kind NOT IN (SELECT value FROM json_each(?)) "
        "ORDER BY CASE r.sync_state WHEN 'rejected' THEN 0 WHEN 'phone' THEN 1 "
        "WHEN 'sent' THEN 2 ELSE 3 END, r.recorded_at DESC LIMIT ?",
        [json.dumps(HIDDEN_FROM_OUTBOX), limit],
    )


def waiting(store: DeviceStore) -> int:
    """How many changes are still queued to be sent (all of them: the queue is the queue)."""
    return int(store.rows("SELECT COUNT(*) AS n FROM outbox")[0]["n"])


@dataclass(frozen=True)
class OutboxEntry:
    """One record in the outbox list: clear columns only (nothing sealed is opened)."""

    record_id: str
    kind: str  # a record kind code (sync.kinds has its label)
    recorded_at: datetime
    sync_state: str  # phone | sent | received | rejected
    reject_reason: str | None
    visit_start: datetime | None  # the visit it belongs to, if any


class OutboxView:
    def __init__(self, store: DeviceStore):
        self.store = store

    def counts(self) -> SyncCounts:
        """Records per sync state, duress alerts left out."""
        return visible_counts(self.store)

    def last_sync_at(self) -> datetime | None:
        last = self.store.get_meta(replica.LAST_SYNC_KEY)
        return parse_utc(last) if last else None

    def waiting(self) -> int:
        return waiting(self.store)

    def entries(self, limit: int = SHOW_AT_MOST) -> list[OutboxEntry]:
        return [OutboxEntry(r["id"], r["kind"], parse_utc(r["recorded_at"]), r["sync_state"],
                            r["reject_reason"], parse_utc(r["start"]) if r["start"] else None)
                for r in ledger(self.store, limit)]
