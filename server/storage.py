"""Opening the database (SQLite by default, PostgreSQL by URL) and applying migrations."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import make_url

from server.schema import metadata, schema_version

Migration = Callable[[Connection], None]


def _m001_initial(conn: Connection) -> None:
    metadata.create_all(conn)


def _m002_record_facts(conn: Connection) -> None:
    # Databases made by migration 1 before `records.facts` existed get the column here;
    # newer ones already have it from create_all.
    columns = {c["name"] for c in inspect(conn).get_columns("records")}
    if "facts" not in columns:
        conn.execute(text("ALTER TABLE records ADD COLUMN facts JSON NOT NULL DEFAULT '{}'"))


def _m003_monitor_heartbeat(conn: Connection) -> None:
    from server.schema import monitor_heartbeat

    monitor_heartbeat.create(conn, checkfirst=True)


def _m004_revoked_push_policy(conn: Connection) -> None:
    # Databases made before `tenants.revoked_devices_may_push` existed get it here, allowing.
    columns = {c["name"] for c in inspect(conn).get_columns("tenants")}
    if "revoked_devices_may_push" not in columns:
        conn.execute(text(
            "ALTER TABLE tenants ADD COLUMN revoked_devices_may_push BOOLEAN NOT NULL DEFAULT TRUE"
        ))


def _m005_feed_floor(conn: Connection) -> None:
    from server.schema import feed_floor

    feed_floor.create(conn, checkfirst=True)


# Numbered, applied in order, each in its own transaction with its bookkeeping row.
MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _m001_initial),
    (2, _m002_record_facts),
    (3, _m003_monitor_heartbeat),
    (4, _m004_revoked_push_policy),
    (5, _m005_feed_floor),
]


def make_engine(url: str) -> Engine:
    # hide_parameters: a database error never carries row values (names, notes) into a log.
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock at BEGIN, so the tenant clock is read and bumped
            # by one writer at a time: sequence numbers follow commit order. A transaction
            # opened by `read_only(engine)` only reads: a deferred BEGIN, so it never waits
            # for (or holds up) a writer (WAL gives it one consistent snapshot).
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         hide_parameters=True)


READ_ONLY = "fieldapp_read_only"


@contextlib.contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads (on SQLite a deferred BEGIN, not BEGIN IMMEDIATE).

    Never write through it: on SQLite a write would have to upgrade the lock mid-transaction.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            yield conn


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def migrate(engine: Engine) -> int:
    """Apply pending migrations; return the schema version now in force."""
    with engine.begin() as conn:
        schema_version.create(conn, checkfirst=True)
        done = {row[0] for row in conn.execute(select(schema_version.c.version))}
    for number, fn in MIGRATIONS:
        if number in done:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(
                insert(schema_version).values(
                    version=number, applied_at=datetime.now(UTC).isoformat()
                )
            )
    if is_sqlite(engine):
        _sqlite_statistics(engine)
    return MIGRATIONS[-1][0]


def _sqlite_statistics(engine: Engine) -> None:
    """Refresh SQLite's planner statistics (sampled: a few milliseconds on any size).

    Without them SQLite answers "a worker's visits in start order" (scope.current_scope)
    through visits_by_start, reading the whole tenant's rota, rather than
    visits_by_worker_start: at 20,000 workers that is ~110 ms a full sync instead of under
    one. The server migrates (and so runs this) at every start."""
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit=400")
        conn.exec_driver_sql("ANALYZE")
