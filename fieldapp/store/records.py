"""Writing a worker's record: sealed for phone and office, queued in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from fieldapp.domain.ids import uuid7
from fieldapp.vault.dek import Sealer, envelope_from_bytes, envelope_to_bytes

RECORDS_TABLE = "records"


@dataclass(frozen=True)
class Author:
    """Who is writing: every record carries its worker, device and agency."""

    tenant_id: str
    worker_id: str
    device_id: str


def write_record(
    db: Database,
    sealer: Sealer,
    author: Author,
    *,
    kind: str,
    recorded_at: str,
    payload: dict[str, Any],
    visit_id: str | None = None,
    service_user_id: str | None = None,
    corrects: str | None = None,
    record_id: str | None = None,
    facts: dict[str, Any] | None = None,
    uncompressed: bool = False,
) -> str:
    """Insert one sealed record and its outbox entry. Call inside `DeviceStore.transaction()`.
    `uncompressed`: for a padded payload, whose length must say nothing (compression would)."""
    rid = record_id or uuid7()
    # Who wrote it travels in clear columns (the office knows the device from its token), so
    # the sealed content holds only what was recorded.
    envelope = sealer.seal(RECORDS_TABLE, rid, 1, dict(payload), escrow=True,
                           uncompressed=uncompressed)
    db.execute(
        "INSERT INTO records (id, kind, visit_id, service_user_id, recorded_at, version, "
        "corrects, author, sync_state, envelope, facts) "
        "VALUES (?, ?, ?, ?, ?, 1, ?, ?, 'phone', ?, ?)",
        [rid, kind, visit_id, service_user_id, recorded_at, corrects, author.worker_id,
         envelope_to_bytes(envelope), json.dumps(facts or {}, separators=(",", ":"))],
    )
    db.execute(
        "INSERT INTO outbox (record_id, queued_at) VALUES (?, ?)", [rid, recorded_at]
    )
    return rid


def open_record(sealer: Sealer, row: dict[str, Any]) -> dict[str, Any]:
    return sealer.open(RECORDS_TABLE, row["id"], row["version"],
                       envelope_from_bytes(row["envelope"]))
