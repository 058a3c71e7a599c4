"""Leader election: background monitors run in exactly one server process at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection. If the leader process
dies its connection closes, the lock is released, and the next process to try takes it.
SQLite (one machine): an exclusive `flock` on a file next to the database, released by the
kernel when the holder dies. Either way nothing needs cleaning up after a crash.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text

# An arbitrary, fixed 64-bit key naming "fieldapp background monitors".
ADVISORY_KEY = 0x6669656C64617070


class Leadership:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Any = None
        self._file: IO[bytes] | None = None

    @property
    def is_leader(self) -> bool:
        return self._conn is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Become leader if nobody is; stay leader if we are. Never blocks."""
        if self.engine.dialect.name == "postgresql":
            return self._try_postgres()
        return self._try_file()

    def _try_postgres(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                return True
            except Exception:  # the connection (and so the lock) is gone: try again below
                self.release()
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # an in-memory database belongs to this process alone
        handle = open(Path(database).with_suffix(".leader"), "ab")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            # Unlock first: a closed connection's lock is freed only once its server process
            # has noticed, and the next `try_acquire` may come sooner. Then invalidate rather
            # than close: a pooled connection must never go back to the pool holding the lock.
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
            with contextlib.suppress(Exception):
                self._conn.invalidate()
                self._conn.close()
            self._conn = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
