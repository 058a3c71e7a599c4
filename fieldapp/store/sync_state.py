"""How the last sync went, as the phone keeps and shows it: one status enum and its words.

The sync client produces a `SyncResult`; the services keep the last one for the screens. Both
import it from here, so neither needs the other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SyncState(enum.Enum):
    OK = "ok"
    OFFLINE = "offline"
    REJECTED = "rejected"  # some records refused (each carries its reason)
    REVOKED = "revoked"
    TOO_OLD = "too_old"
    SIGNED_OUT = "signed_out"
    SERVER_ERROR = "server_error"


MESSAGES = {
    SyncState.OK: "Up to date with the office.",
    SyncState.OFFLINE: "No connection to the office. Your records are safe on this phone "
    "and will be sent when there is signal.",
    SyncState.REJECTED: "The office could not accept some records. Open the outbox to see why.",
    SyncState.REVOKED: "This phone was withdrawn by the office, so its records and keys were "
    "removed from it. Ask the office if you need to use it again.",
    SyncState.TOO_OLD: "This app is too old for the office server. Please update it.",
    SyncState.SIGNED_OUT: "The office no longer recognises this phone. Ask for a new "
    "enrolment code.",
    SyncState.SERVER_ERROR: "The office server had a problem. Your records are safe on this "
    "phone; the app will try again.",
}


@dataclass(frozen=True)
class SyncResult:
    state: SyncState
    sent: int = 0
    received: int = 0
    rejected: int = 0
    changes: int = 0

    @property
    def message(self) -> str:
        return MESSAGES[self.state]

    @property
    def healthy(self) -> bool:
        """The office answered (some records may have been refused, each with its reason)."""
        return self.state in (SyncState.OK, SyncState.REJECTED)

    def visible_change(self, before: SyncResult | None) -> bool:
        """Whether a screen showing `before` must redraw: a redraw under a moving thumb is
        how taps get lost, so only when something the worker can see changed."""
        return (before is None or self.state != before.state or bool(self.received)
                or bool(self.rejected) or bool(self.changes))
