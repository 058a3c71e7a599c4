"""Crypto-shred and erase: what a lockout, a re-enrolment and a revoked phone destroy.

Order matters everywhere here: records still queued for the office are sealed to the office's
escrow key and travel with the device token, so they never need the data key (DEK). Destroying
the wrapped DEK therefore loses nothing that has not reached the office.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fieldapp.store.db import DeviceStore
from fieldapp.vault.keystore import KeyStore

KEY_META = ("wrapped_dek", "dek_slot1")
# Kept by a re-enrolment: what is still queued for the office, and the schema's bookkeeping.
QUEUE_TABLES = ("outbox", "records")
SIDE_FILES = ("-wal", "-shm", "-journal")
LEGACY_KEY = "legacy_records"


def app_tables(store: DeviceStore) -> list[str]:
    """Every table a migration made, so a table added later is wiped too without an edit here."""
    return [
        r["name"] for r in store.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
        )
    ]


def flush_to_file(store: DeviceStore) -> None:
    """Fold the WAL into the file and truncate it, so deleted pages do not linger in the WAL.

    secure_delete has already zeroed the freed bytes in the new page images; the old images
    live on in the WAL until it is checkpointed and truncated.
    """
    with store._lock:  # noqa: SLF001 - one writer at a time, the store's own lock
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def shred_keys(store: DeviceStore) -> None:
    """Destroy every wrapping of the DEK: nothing sealed on this phone can be opened again."""
    with store.transaction():
        for key in KEY_META:
            store.delete_meta(key)
    flush_to_file(store)


def reset_for_reenrolment(store: DeviceStore, keystore: KeyStore) -> int:
    """Clear a locked-out phone for a new enrolment; return how many queued records are kept.

    Queued records stay (sealed for the office, they go with the next sync); everything else —
    the office's copies of visits and people, records the office already has, the old identity
    and device secret — is removed.
    """
    with store.transaction() as db:
        for table in app_tables(store):
            if table not in QUEUE_TABLES:
                db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
        db.execute("DELETE FROM records WHERE id NOT IN (SELECT record_id FROM outbox)")
        kept_ids = [r[0] for r in db.execute("SELECT record_id FROM outbox")]
        # Sealed under the shredded key, so unreadable here: let go of them once delivered.
        store.set_json(LEGACY_KEY, kept_ids)
        kept = len(kept_ids)
    with store._lock:  # noqa: SLF001
        store.db.execute("VACUUM")
    flush_to_file(store)
    keystore.destroy()
    return kept


def drop_delivered_legacy(store: DeviceStore) -> int:
    """Remove pre-lockout records the office now has; return how many are still waiting."""
    waiting = store.get_json(LEGACY_KEY)
    if not waiting:
        return 0
    with store.transaction() as db:
        marks = ",".join("?" * len(waiting))
        db.execute(
            f"DELETE FROM records WHERE id IN ({marks}) AND sync_state = 'received'",  # noqa: S608
            waiting,
        )
        left = [r[0] for r in db.execute(
            f"SELECT id FROM records WHERE id IN ({marks})", waiting)]  # noqa: S608
        if left:
            store.set_json(LEGACY_KEY, left)
        else:
            store.delete_meta(LEGACY_KEY)
    return len(left)


def erase(store: DeviceStore, keystore: KeyStore) -> None:
    """Remove everything: rows, keys, the SQLite file with its WAL/SHM, and the device secret.

    The rows are deleted and the file vacuumed first, so even a failed unlink leaves nothing
    readable; then the files go and the same store object is reopened on a fresh, empty file
    (every service on this phone holds that object).
    """
    with store.transaction() as db:
        for table in app_tables(store):
            db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
    with store._lock:  # noqa: SLF001
        store.db.execute("VACUUM")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        keystore.destroy()
        store.close()
        path = Path(store.path)
        for suffix in ("", *SIDE_FILES):
            with contextlib.suppress(FileNotFoundError):
                Path(str(path) + suffix).unlink()
        # Re-run the constructor on the same object: a fresh connection, schema and pragmas.
        DeviceStore.__init__(store, path)
