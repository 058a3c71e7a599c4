"""The phone's side of sync: the outbox to send, and applying the office's changes locally.

Nothing here talks to the network (that is `sync/`); these are the store operations the sync
client calls, each one transaction, so an interruption at any point leaves the phone consistent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.store.db import DeviceStore
from fieldapp.vault.dek import Sealer, envelope_from_bytes, envelope_to_bytes
from sync.envelope import office_copy
from sync.handover import ACK_ENTITY, POINT_ENTITY, ack_errors, point_errors
from sync.protocol import PushedRecord

# What opens and seals the office's changes as they are applied (the unlocked device's keys).
Opener = Sealer

CURSOR_KEY = "sync_cursor"
LAST_SYNC_KEY = "last_sync_at"
# The office's per-worker setting (server/worker_profile.py): trained to take observations, so
# the NEWS2 calculator is offered. Set only by the office's `worker` change, never on the phone.
NEWS2_TRAINED_KEY = "office_news2_trained"

# The worker's staff list (witnesses): one sealed row of the `staff` table.
STAFF_TABLE, STAFF_ROW = "staff", "staff"

# Server entities and where the phone keeps them. `visit` keeps times and status in clear.
_SEALED_TABLES = {"service_user": "people", "care_plan": "care_plans", "medicine": "medicines"}


@dataclass(frozen=True)
class OutboxItem:
    """A queued record exactly as it will travel, and its approximate size on the wire."""

    record: PushedRecord
    size: int


def pushed_record(row: Mapping[str, Any]) -> PushedRecord:
    """A stored record as the sync client pushes it: the office's copy of the envelope only."""
    return PushedRecord(
        id=row["id"], kind=row["kind"], visit_id=row["visit_id"],
        service_user_id=row["service_user_id"], recorded_at=row["recorded_at"],
        version=row["version"], envelope=office_copy(envelope_from_bytes(row["envelope"])),
        corrects=row["corrects"], facts=json.loads(row["facts"]),
    )


@dataclass(frozen=True)
class SyncCounts:
    on_phone: int
    sent: int
    received: int
    rejected: int


def pending(store: DeviceStore, max_records: int, max_bytes: int) -> list[OutboxItem]:
    """The oldest queued records, capped by count and by (approximate) wire size."""
    items: list[OutboxItem] = []
    total = 0
    for row in store.rows(
        "SELECT r.id, r.kind, r.visit_id, r.service_user_id, r.recorded_at, r.version, "
        "r.corrects, r.envelope, r.facts FROM outbox o JOIN records r ON r.id = o.record_id "
        "ORDER BY o.seq LIMIT ?",
        [max_records],
    ):
        size = len(row["envelope"]) + 200
        if items and total + size > max_bytes:
            break
        total += size
        items.append(OutboxItem(pushed_record(row), size))
    return items


def mark_sent(store: DeviceStore, ids: Iterable[str], at: str) -> None:
    ids = list(ids)
    with store.transaction() as db:
        for rid in ids:
            db.execute(
                "UPDATE records SET sync_state = 'sent' WHERE id = ? AND sync_state = 'phone'",
                [rid],
            )
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? "
                "WHERE record_id = ?",
                [at, rid],
            )


def mark_unsent(store: DeviceStore, ids: Iterable[str]) -> None:
    """The request never left the phone (no connection): these records are still only here."""
    with store.transaction() as db:
        for rid in ids:
            db.execute(
                "UPDATE records SET sync_state = 'phone' WHERE id = ? AND sync_state = 'sent'",
                [rid],
            )


def apply_response(
    store: DeviceStore,
    *,
    accepted: Iterable[str],
    rejected: Iterable[tuple[str, str]],
    changes: Iterable[dict[str, Any]],
    cursor: str | None,
    reset: bool,
    at: str,
    sealer: Sealer | None,
) -> int:
    """Apply one sync answer in ONE transaction: acks, refusals, changes and the new cursor.

    Without a sealer (phone locked) the acks still apply, but changes and the cursor do not, so
    the next unlocked sync fetches them again. Returns the number of changes applied.
    """
    applied = 0
    with store.transaction() as db:
        for rid in accepted:
            db.execute("UPDATE records SET sync_state = 'received' WHERE id = ?", [rid])
            db.execute("DELETE FROM outbox WHERE record_id = ?", [rid])
        for rid, reason in rejected:
            db.execute(
                "UPDATE records SET sync_state = 'rejected', reject_reason = ? WHERE id = ?",
                [reason, rid],
            )
            db.execute("DELETE FROM outbox WHERE record_id = ?", [rid])
        if sealer is not None:
            if reset:
                # Points follow the scope: a full resync sends those still in it.
                for table in ("visits", "handover_points", *_SEALED_TABLES.values()):
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            for change in changes:
                _apply_change(db.execute, sealer, change)
                applied += 1
            if cursor is not None:
                store.set_meta(CURSOR_KEY, cursor)
        store.set_meta(LAST_SYNC_KEY, at)
    return applied


def _apply_change(
    execute: Callable[..., Any], sealer: Sealer, change: dict[str, Any]
) -> None:
    entity, eid, op = change["entity"], change["id"], change["op"]
    version = int(change.get("version", 1))
    body = change.get("body") or {}
    if entity == "visit":
        if op == "delete":
            execute("DELETE FROM visits WHERE id = ?", [eid])
            return
        execute(
            'INSERT INTO visits (id, worker_id, service_user_id, visit_type, start, "end", '
            "status, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "worker_id = excluded.worker_id, service_user_id = excluded.service_user_id, "
            'visit_type = excluded.visit_type, start = excluded.start, "end" = excluded."end", '
            "status = excluded.status, version = excluded.version",
            [eid, body["worker_id"], body["service_user_id"], body["visit_type"],
             body["start"], body["end"], body.get("status", "scheduled"), version],
        )
        return
    if entity == "dose":
        _apply_dose(execute, eid, op, version, body)
        return
    if entity == "dose_effect":
        _apply_effect(execute, eid, op, version, body)
        return
    if entity == "escalation":
        _apply_escalation(execute, eid, op, version, body)
        return
    if entity in (ACK_ENTITY, POINT_ENTITY):
        _apply_handover(execute, sealer, entity, eid, op, version, body)
        return
    if entity == "welfare":
        _apply_welfare(execute, eid, op, version, body)
        return
    if entity == "worker":  # this phone's worker's profile, as the office keeps it
        execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [NEWS2_TRAINED_KEY, "1" if body.get("news2_trained") is True else "0"])
        if isinstance(body.get("staff"), list):  # an older office sends no list
            _apply_staff(execute, sealer, body["staff"])
        return
    table = _SEALED_TABLES.get(entity)
    if table is None:
        return  # an entity this app version does not know yet: ignore, the server keeps it
    if op == "delete":
        execute(f"DELETE FROM {table} WHERE id = ?", [eid])  # noqa: S608
        return
    sealed = envelope_to_bytes(sealer.seal(table, eid, version, body))
    execute(
        f"INSERT INTO {table} (id, service_user_id, version, sealed) VALUES (?, ?, ?, ?) "  # noqa: S608
        "ON CONFLICT(id) DO UPDATE SET service_user_id = excluded.service_user_id, "
        "version = excluded.version, sealed = excluded.sealed",
        [eid, body.get("service_user_id", eid if entity == "service_user" else None), version,
         sealed],
    )


def _apply_staff(execute: Callable[..., Any], sealer: Sealer, staff: list[Any]) -> None:
    """The colleagues a controlled drug's witness is picked from, as the office last sent them
    (feed order: the latest list wins). Only well-formed entries are kept."""
    kept = [{"id": str(s["id"]), "name": str(s["name"]), "role": str(s.get("role", ""))}
            for s in staff
            if isinstance(s, dict) and s.get("id") and str(s.get("name", "")).strip()]
    sealed = envelope_to_bytes(sealer.seal(STAFF_TABLE, STAFF_ROW, 1, {"staff": kept}))
    execute("INSERT INTO staff (id, version, sealed) VALUES (?, 1, ?) "
            "ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed", [STAFF_ROW, sealed])


def staff_list(store: DeviceStore, opener: Opener) -> list[dict[str, str]]:
    """The staff list as last synced ([] before the office has sent one)."""
    rows = store.rows("SELECT id, version, sealed FROM staff WHERE id = ?", [STAFF_ROW])
    if not rows:
        return []
    return list(open_row(opener, STAFF_TABLE, rows[0]).get("staff") or [])


def _number(value: Any) -> float | None:
    """A feed body's amount: a number, or None (an older office sends none)."""
    return float(value) if type(value) in (int, float) else None


def _apply_dose(
    execute: Callable[..., Any], eid: str, op: str, version: int, body: dict[str, Any]
) -> None:
    """Another worker's dose outcome (clear facts only), kept so limits hold offline."""
    if op == "delete":
        execute("DELETE FROM dose_facts WHERE record_id = ?", [eid])
        return
    execute(
        "INSERT INTO dose_facts (record_id, service_user_id, medicine_id, scheduled_at, "
        "actual_at, outcome, worker_id, version, amount, mg, patch_site) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(record_id) DO UPDATE SET outcome = excluded.outcome, "
        "actual_at = excluded.actual_at, scheduled_at = excluded.scheduled_at, "
        "version = excluded.version, amount = excluded.amount, mg = excluded.mg, "
        "patch_site = excluded.patch_site WHERE excluded.version >= dose_facts.version",
        [eid, body["service_user_id"], body["medicine_id"], body.get("scheduled_at"),
         body["actual_at"], body["outcome"], body.get("worker_id", ""), version,
         _number(body.get("amount")), _number(body.get("mg")), body.get("patch_site")],
    )


def _apply_effect(
    execute: Callable[..., Any], eid: str, op: str, version: int, body: dict[str, Any]
) -> None:
    """Another worker's recorded effect of an as-needed dose (clear facts only)."""
    if op == "delete":
        execute("DELETE FROM effect_facts WHERE record_id = ?", [eid])
        return
    execute(
        "INSERT INTO effect_facts (record_id, service_user_id, dose_record_id, medicine_id, "
        "effect, worker_id, version) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(record_id) DO UPDATE SET effect = excluded.effect, "
        "version = excluded.version WHERE excluded.version >= effect_facts.version",
        [eid, body["service_user_id"], body["dose_record_id"], body["medicine_id"],
         body["effect"], body.get("worker_id", ""), version],
    )


def _apply_escalation(
    execute: Callable[..., Any], eid: str, op: str, version: int, body: dict[str, Any]
) -> None:
    """The office's answer to one of this worker's escalations: state, times and outcome code.

    Only a newer version replaces an older one, so a late duplicate never undoes an
    acknowledgement.
    """
    if op == "delete":
        execute("DELETE FROM escalation_status WHERE record_id = ?", [eid])
        return
    execute(
        "INSERT INTO escalation_status (record_id, state, acknowledged_at, resolved_at, "
        "outcome, version) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET "
        "state = excluded.state, acknowledged_at = excluded.acknowledged_at, "
        "resolved_at = excluded.resolved_at, outcome = excluded.outcome, "
        "version = excluded.version WHERE excluded.version >= escalation_status.version",
        [eid, str(body.get("state", "raised")), body.get("acknowledged_at"),
         body.get("resolved_at"), body.get("outcome"), version],
    )


def _apply_handover(
    execute: Callable[..., Any], sealer: Sealer, entity: str, eid: str, op: str, version: int,
    body: dict[str, Any],
) -> None:
    """The office's acknowledgement of one of this worker's handovers, or a point from another
    worker's handover about a person in scope: sealed, only a newer version replaces."""
    table, key = (("handover_acks", "record_id") if entity == ACK_ENTITY
                  else ("handover_points", "id"))
    if op == "delete":
        execute(f"DELETE FROM {table} WHERE {key} = ?", [eid])  # noqa: S608 - fixed names
        return
    bad = ack_errors(body) if entity == ACK_ENTITY else point_errors(body)
    if bad:
        return  # not what the contract says: the office keeps it, this phone cannot use it
    sealed = envelope_to_bytes(sealer.seal(table, eid, version, body))
    if entity == ACK_ENTITY:
        execute(
            "INSERT INTO handover_acks (record_id, state, acknowledged_at, version, sealed) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET state = excluded.state, "
            "acknowledged_at = excluded.acknowledged_at, version = excluded.version, "
            "sealed = excluded.sealed WHERE excluded.version >= handover_acks.version",
            [eid, body["state"], body["acknowledged_at"], version, sealed])
        return
    execute(
        "INSERT INTO handover_points (id, service_user_id, written_at, version, sealed) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "service_user_id = excluded.service_user_id, written_at = excluded.written_at, "
        "version = excluded.version, sealed = excluded.sealed "
        "WHERE excluded.version >= handover_points.version",
        [eid, body["person_id"], body["written_at"], version, sealed])


def _apply_welfare(
    execute: Callable[..., Any], eid: str, op: str, version: int, body: dict[str, Any]
) -> None:
    """The office asking "Are you OK?" about one session. A repeat of the question never
    clears an answer the worker already gave on this phone."""
    if op == "delete":
        execute("DELETE FROM welfare_questions WHERE session_id = ?", [eid])
        return
    execute(
        "INSERT INTO welfare_questions (session_id, visit_id, asked_at, version) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
        "visit_id = excluded.visit_id, asked_at = excluded.asked_at, "
        "version = excluded.version WHERE excluded.version >= welfare_questions.version",
        [eid, body.get("visit_id"), str(body.get("asked_at", "")), version],
    )


def purge_older_than(store: DeviceStore, before: str) -> int:
    """Forget visits that ended before `before` once the office holds all their records.

    A record not yet received by the office is never purged, nor is its visit; a person's
    details go when no remaining visit needs them. Returns the number of visits purged.
    """
    with store.transaction() as db:
        old = [r[0] for r in db.execute(
            'SELECT v.id FROM visits v WHERE v."end" < ? AND NOT EXISTS ('
            "SELECT 1 FROM records r WHERE r.visit_id = v.id AND r.sync_state != 'received')",
            [before],
        ).fetchall()]
        for vid in old:
            db.execute("DELETE FROM records WHERE visit_id = ?", [vid])
            db.execute("DELETE FROM visits WHERE id = ?", [vid])
        if old:
            db.execute("DELETE FROM escalation_status WHERE record_id NOT IN "
                       "(SELECT id FROM records)")
            db.execute("DELETE FROM handover_points WHERE service_user_id NOT IN "
                       "(SELECT service_user_id FROM visits)")
            db.execute("DELETE FROM welfare_questions WHERE visit_id NOT IN "
                       "(SELECT id FROM visits)")
            for table in ("people", "care_plans", "medicines"):
                column = "id" if table == "people" else "service_user_id"
                db.execute(
                    f"DELETE FROM {table} WHERE {column} NOT IN "  # noqa: S608 - fixed names
                    "(SELECT service_user_id FROM visits)"
                )
    return len(old)


def open_row(sealer: Sealer, table: str, row: dict[str, Any]) -> dict[str, Any]:
    return sealer.open(table, row["id"], row["version"], envelope_from_bytes(row["sealed"]))


def counts(store: DeviceStore) -> SyncCounts:
    by_state = {
        r["sync_state"]: r["n"]
        for r in store.rows("SELECT sync_state, COUNT(*) AS n FROM records GROUP BY sync_state")
    }
    return SyncCounts(
        on_phone=by_state.get("phone", 0), sent=by_state.get("sent", 0),
        received=by_state.get("received", 0), rejected=by_state.get("rejected", 0),
    )


def cursor(store: DeviceStore) -> str | None:
    return store.get_meta(CURSOR_KEY)
