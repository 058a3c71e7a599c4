"""A lone-worker record's one shape, whatever it says (SOS, I'm OK, extend, duress).

Anyone holding the phone's SQLite file (or watching its outbox) must not be able to tell a duress
alert from the other lone-worker records, so every one of them looks the same in clear: kind
`lone_worker`, no visit or person columns, facts `{"at", "open_visit_id"?}`. What it says (event,
level, minutes, location) is sealed uncompressed, padded to one length so the envelope's size
does not tell either; the office opens its escrow copy (server/lone_records.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fieldapp.store.db import Transaction
from fieldapp.store.records import Author, write_record
from fieldapp.vault.dek import Sealer

KIND = "lone_worker"
SEALED_SIZE = 400  # characters of sealed JSON every lone-worker record is padded to


def open_visit(db: Transaction) -> str | None:
    """The visit the worker is checked in to now (the latest check-in without a check-out)."""
    row = db.execute(
        "SELECT i.visit_id FROM records i WHERE i.kind = 'check_in' AND NOT EXISTS "
        "(SELECT 1 FROM records o WHERE o.kind = 'check_out' AND o.visit_id = i.visit_id) "
        "ORDER BY i.recorded_at DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row is not None and row[0] else None


def padded(content: dict[str, Any]) -> dict[str, Any]:
    """`content` with a `pad` of spaces bringing its JSON to SEALED_SIZE characters."""
    size = len(json.dumps({**content, "pad": ""}, separators=(",", ":")))
    return {**content, "pad": " " * max(0, SEALED_SIZE - size)}


def write_lone_record(db: Transaction, sealer: Sealer, author: Author, now: datetime,
                      content: dict[str, Any]) -> str:
    """Queue one lone-worker record saying `content` (event, level, ...). Call inside a
    `DeviceStore.transaction()`. `open_visit_id`: where the worker probably is, an id, so it
    may travel in clear; not `visit_id`, which would list the record on the visit's screen."""
    at = now.isoformat()
    facts: dict[str, str] = {"at": at}
    visit = open_visit(db)
    if visit is not None:
        facts["open_visit_id"] = visit
    return write_record(db, sealer, author, kind=KIND, recorded_at=at,
                        payload=padded({**content, "at": at, "open_visit_id": visit}),
                        facts=facts, uncompressed=True)
