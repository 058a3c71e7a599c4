"""The duress PIN's silent alert: recorded like any lone-worker event, never shown on screen.

Unlocking with the duress PIN opens the app exactly as the main PIN does and, in the same
transaction, queues one red lone-worker record for the office. Nothing the worker (or whoever
is watching) sees may change because of it, so the records banner counts leave it out: a coercer
who sees "1 record saved on phone" appear after an unlock would learn what happened.
"""

from __future__ import annotations

from datetime import datetime

from fieldapp.store.db import DeviceStore, Transaction
from fieldapp.store.records import Author, write_record
from fieldapp.store.replica import SyncCounts
from fieldapp.vault.dek import Sealer
from sync.codes import AlertLevel, LoneWorkerEvent

ALERT_KIND = "lone_worker"
DURESS_EVENT = LoneWorkerEvent.DURESS
# Matches the clear facts of a duress alert; the facts column is canonical compact JSON.
_HIDDEN = (
    "NOT (kind = 'lone_worker' AND json_extract(facts, '$.event') = 'duress')"
)


def write_duress_alert(db: Transaction, sealer: Sealer, author: Author, now: datetime) -> str:
    """Queue the silent red alert. Call inside the unlock's `DeviceStore.transaction()`."""
    at = now.isoformat()
    open_visit = db.execute(
        "SELECT i.visit_id FROM records i WHERE i.kind = 'check_in' AND NOT EXISTS "
        "(SELECT 1 FROM records o WHERE o.kind = 'check_out' AND o.visit_id = i.visit_id) "
        "ORDER BY i.recorded_at DESC LIMIT 1"
    ).fetchone()
    facts: dict[str, str] = {"event": DURESS_EVENT, "level": AlertLevel.RED, "at": at}
    if open_visit is not None and open_visit[0]:
        # Where the worker probably is; an id, so it may travel in clear. Not `visit_id`: that
        # would list the alert on the visit's screen and change its card's sync state.
        facts["open_visit_id"] = open_visit[0]
    return write_record(
        db, sealer, author, kind=ALERT_KIND, recorded_at=at,
        payload={"event": DURESS_EVENT, "level": AlertLevel.RED, "at": at}, facts=facts,
    )


def visible_counts(store: DeviceStore) -> SyncCounts:
    """Records per sync state as the worker sees them: duress alerts are not counted."""
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
