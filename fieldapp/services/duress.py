"""The duress PIN's silent alert: recorded like any lone-worker event, never shown on screen.

Unlocking with the duress PIN opens the app exactly as the main PIN does and, in the same
transaction, queues one red lone-worker record for the office. Nothing the worker (or whoever
is watching) sees may change because of it, so the records banner counts leave every
lone-worker record out: a coercer who sees "1 record saved on phone" appear after an unlock
would learn what happened. In the phone's file the alert looks like any other lone-worker
record (fieldapp/services/lone_records.py): what it says is sealed.
"""

from __future__ import annotations

from datetime import datetime

from fieldapp.services.lone_records import write_lone_record
from fieldapp.store.db import DeviceStore, Transaction
from fieldapp.store.records import Author
from fieldapp.store.replica import SyncCounts
from fieldapp.vault.dek import Sealer
from sync.codes import AlertLevel, LoneWorkerEvent

DURESS_EVENT = LoneWorkerEvent.DURESS
# Silent kinds (sync.kinds: not in the outbox) are not counted either; constant SQL.
_HIDDEN = "kind != 'lone_worker'"


def write_duress_alert(db: Transaction, sealer: Sealer, author: Author, now: datetime) -> str:
    """Queue the silent red alert. Call inside the unlock's `DeviceStore.transaction()`."""
    return write_lone_record(db, sealer, author, now,
                             {"event": DURESS_EVENT.value, "level": AlertLevel.RED.value})


def visible_counts(store: DeviceStore) -> SyncCounts:
    """Records per sync state as the worker sees them: lone-worker records are not counted."""
    by_state = {
        r["sync_state"]: r["n"]
        for r in store.rows(
            f"SELECT sync_state, COUNT(*) AS n FROM records WHERE {_HIDDEN} "  # noqa: S608
            "GROUP BY sync_state"
        )
    }
    return SyncCounts(
        on_phone=by_state.get("phone", 0), sent=by_state.get("sent", 0),
        received=by_state.get("received", 0), rejected=by_state.get("rejected", 0),
    )
