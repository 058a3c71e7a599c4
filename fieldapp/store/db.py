"""The phone's SQLite file: schema migrations, settings rows, and the one transaction helper."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from fieldapp.errors import StoreError

migrations = Migrations("fieldapp-device")
# The handle a write gets inside `DeviceStore.transaction()`: services type their helpers with
# this name, so only the store knows which SQLite library sits underneath.
Transaction = Database


@migrations()
def m001_initial(db: Database) -> None:
    # Only ids, foreign keys, times and statuses are clear; everything personal is in `sealed`.
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE visits (
            id TEXT PRIMARY KEY, worker_id TEXT NOT NULL, service_user_id TEXT NOT NULL,
            visit_type TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'scheduled', version INTEGER NOT NULL,
            sealed BLOB)"""
    )
    db.execute("CREATE INDEX visits_by_start ON visits(start)")
    for table in ("people", "care_plans", "medicines"):
        db.execute(
            f"""CREATE TABLE {table} (
                id TEXT PRIMARY KEY, service_user_id TEXT, version INTEGER NOT NULL,
                sealed BLOB NOT NULL)"""
        )
    db.execute("CREATE INDEX care_plans_by_person ON care_plans(service_user_id)")
    db.execute("CREATE INDEX medicines_by_person ON medicines(service_user_id)")
    db.execute(
        """CREATE TABLE records (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, visit_id TEXT, service_user_id TEXT,
            recorded_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, corrects TEXT,
            author TEXT NOT NULL, sync_state TEXT NOT NULL, reject_reason TEXT,
            envelope BLOB NOT NULL)"""
    )
    db.execute("CREATE INDEX records_by_visit ON records(visit_id, kind)")
    db.execute("CREATE INDEX records_by_state ON records(sync_state)")
    # The outbox never needs the data key: it holds ids of records whose envelopes are already
    # sealed (with the office's escrow key), so a locked-out phone can still send them.
    db.execute(
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL UNIQUE,
            queued_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_attempt_at TEXT)"""
    )


@migrations()
def m002_record_facts(db: Database) -> None:
    # Clear facts (ids, times, codes) that travel with a record so the office can act on it
    # without opening the sealed content; see sync/protocol.py PushedRecord.facts.
    db.execute("ALTER TABLE records ADD COLUMN facts TEXT NOT NULL DEFAULT '{}'")


@migrations()
def m003_dose_facts(db: Database) -> None:
    # Other workers' dose outcomes for the people this worker visits, as clear facts only
    # (ids, times, codes): PRN limits and "one outcome per dose" must hold offline across
    # workers. `record_id` is the original dose record; a correction replaces its row.
    db.execute(
        """CREATE TABLE dose_facts (
            record_id TEXT PRIMARY KEY, service_user_id TEXT NOT NULL,
            medicine_id TEXT NOT NULL, scheduled_at TEXT, actual_at TEXT NOT NULL,
            outcome TEXT NOT NULL, worker_id TEXT NOT NULL, version INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX dose_facts_by_person ON dose_facts(service_user_id, medicine_id)")


@migrations()
def m004_records_by_person(db: Database) -> None:
    # Dose history is read per person (day view, MAR round): without this every read scans
    # a year of records.
    db.execute(
        "CREATE INDEX IF NOT EXISTS records_by_person ON records(service_user_id, kind, "
        "recorded_at)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS dose_facts_by_person ON dose_facts(service_user_id)")


@migrations()
def m005_escalation_status(db: Database) -> None:
    # The office's answer to each of this worker's escalations (feed entity "escalation"):
    # codes and times only, keyed by the phone's own escalation record id.
    db.execute(
        """CREATE TABLE escalation_status (
            record_id TEXT PRIMARY KEY, state TEXT NOT NULL, acknowledged_at TEXT,
            resolved_at TEXT, outcome TEXT, version INTEGER NOT NULL)"""
    )


@migrations()
def m006_handover(db: Database) -> None:
    # The office's answer to this worker's handovers (feed entity "handover_ack") and points
    # from other workers' handovers about the people this worker visits ("handover_point").
    # Who acknowledged, the reply and a point's words are personal: sealed like the replica's
    # people rows. Clear: ids, the person a point is about and when it was written (for the
    # visit screen's look-up and the 7-day limit).
    db.execute(
        """CREATE TABLE handover_acks (
            record_id TEXT PRIMARY KEY, state TEXT NOT NULL, acknowledged_at TEXT,
            version INTEGER NOT NULL, sealed BLOB NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE handover_points (
            id TEXT PRIMARY KEY, service_user_id TEXT NOT NULL, written_at TEXT NOT NULL,
            version INTEGER NOT NULL, sealed BLOB NOT NULL)"""
    )
    db.execute("CREATE INDEX handover_points_by_person ON handover_points(service_user_id, "
               "written_at)")
    # Drafting reads a shift's records with no visit (escalations, alerts) by time: without
    # this it scans a year of records.
    db.execute("CREATE INDEX IF NOT EXISTS records_by_time ON records(kind, recorded_at)")


@migrations()
def m007_welfare_questions(db: Database) -> None:
    # The office asking "Are you OK?" (feed entity "welfare", one per overdue session): ids and
    # times only, kept until the worker answers on this phone.
    db.execute(
        """CREATE TABLE welfare_questions (
            session_id TEXT PRIMARY KEY, visit_id TEXT, asked_at TEXT NOT NULL,
            answered_at TEXT, version INTEGER NOT NULL)"""
    )


@migrations()
def m008_dose_amounts(db: Database) -> None:
    # Other workers' doses with the amount given, the active ingredient in mg and a patch's
    # site (clear facts): the 24 h maximum by amount and patch rotation hold offline.
    for column in ("amount REAL", "mg REAL", "patch_site TEXT"):
        db.execute(f"ALTER TABLE dose_facts ADD COLUMN {column}")


@migrations()
def m009_staff(db: Database) -> None:
    # The office's staff list a controlled drug's witness is picked from (feed entity "worker",
    # server/worker_profile.py): names are personal, so the list is one sealed row.
    db.execute(
        """CREATE TABLE staff (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, sealed BLOB NOT NULL)"""
    )


@migrations()
def m010_effect_facts(db: Database) -> None:
    # Effects other workers recorded for as-needed doses (feed entity "dose_effect"), as clear
    # facts only: this phone then does not ask again for an effect already recorded.
    db.execute(
        """CREATE TABLE effect_facts (
            record_id TEXT PRIMARY KEY, service_user_id TEXT NOT NULL,
            dose_record_id TEXT NOT NULL, medicine_id TEXT NOT NULL, effect TEXT NOT NULL,
            worker_id TEXT NOT NULL, version INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX effect_facts_by_person ON effect_facts(service_user_id)")


class DeviceStore:
    """One worker's SQLite file. Every write goes through `transaction()`."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit at the driver level: transactions are only ever the explicit BEGIN/COMMIT
            # of `transaction()`, never an implicit one left open by a stray statement.
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db = Database(conn)
            # WAL keeps readers fast while the sync thread writes; secure_delete overwrites freed
            # pages so a crypto-shredded key does not linger in the file.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA secure_delete=ON")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA temp_store=MEMORY")
            migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError("The app's data file on this phone could not be opened.") from exc

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        try:
            with self._lock, self.db.atomic():
                yield self.db
        except sqlite3.DatabaseError as exc:
            raise StoreError("The phone could not save that. Nothing was changed.") from exc

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def delete_meta(self, key: str) -> None:
        self.db.execute("DELETE FROM meta WHERE key = ?", [key])

    def get_json(self, key: str) -> Any:
        raw = self.get_meta(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any) -> None:
        self.set_meta(key, json.dumps(value, separators=(",", ":")))

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
