"""Opening the database (SQLite by default, PostgreSQL by URL) and applying migrations."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import orjson

try:
    import fcntl
except ImportError:  # Windows: threads in one process still queue; processes use SQLite's wait
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from server.dbfiles import make_private


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns through orjson (several times faster than the json module on a morning's scope;
# output is compact JSON that either module reads back).
_JSON: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(url: str, *, background_checkpoints: bool = False) -> Engine:
    """An engine for `url`. With `background_checkpoints` (the running server, SQLite only)
    commits never copy the WAL back into the database file themselves: a `Checkpointer`
    thread does it, so no phone's sync waits for that copy and its fsync."""
    # hide_parameters: a database error never carries row values (names, notes) into a log.
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and \
                not parsed.database.startswith("file:"):
            make_private(parsed.database)
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
            hide_parameters=True, **_JSON)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            if background_checkpoints:
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        writers = _WriterQueue(parsed.database)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock at BEGIN, so the tenant clock is read and bumped
            # by one writer at a time: sequence numbers follow commit order. A transaction
            # opened by `read_only(engine)` only reads: a deferred BEGIN, so it never waits
            # for (or holds up) a writer (WAL gives it one consistent snapshot).
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_conn = conn.connection.dbapi_connection
            writers.acquire(dbapi_conn)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writers.release(dbapi_conn)
                raise

        writers.release_after(engine.dialect)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True, **_JSON)
    _ping_when_idle(engine)
    return engine


# A pooled connection idle this long is pinged before use (a database restarted meanwhile has
# closed it). A busy server hands its connections out every few milliseconds: a ping on every
# checkout (SQLAlchemy's pool_pre_ping) was one round trip in fourteen of a morning's syncs.
IDLE_PING_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _rested(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure: a connection not to use
            raise DisconnectionError("stale pooled connection") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")


READ_ONLY = "fieldapp_read_only"
IN_CHUNK = 500  # ids per IN list: well within every backend's limit on bound parameters
_T = TypeVar("_T")


def in_chunks(ids: Sequence[_T], size: int | None = None) -> Iterator[Sequence[_T]]:
    """`ids` a slice at a time (IN_CHUNK unless `size` says), for IN lists: an agency's day
    can hold 160,000 visit ids, and PostgreSQL takes at most 65,535 parameters a statement."""
    size = size or IN_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
BUSY_TIMEOUT_S = 30
log = logging.getLogger(__name__)


def _raw_id(connection: object) -> int:
    """The id of the driver's connection, whether given it or SQLAlchemy's pool wrapper."""
    return id(getattr(connection, "dbapi_connection", connection))


class _WriterQueue:
    """Writers of one SQLite database wait their turn here rather than in SQLite.

    SQLite lets one transaction write at a time. A second writer's BEGIN IMMEDIATE finds the
    lock taken and sleeps before trying again (1, 2, 5, 10, … 100 ms), so under load writers
    sleep while the lock sits free. Here they queue on a thread lock (within a process, handed
    on the moment the previous transaction commits or rolls back) and an flock on
    `<database>.writer` (across server processes, looked at every half millisecond). SQLite's
    own lock still guards the data; this only decides who asks for it next. Anything that
    writes without this queue (another program) is still served by SQLite's busy timeout.
    """

    def __init__(self, database: str | None):
        self._lock = threading.Lock()
        self._path = None if not database or database == ":memory:" else f"{database}.writer"
        self._fd: int | None = None
        self._holder: int | None = None  # id() of the DBAPI connection holding the turn

    def acquire(self, dbapi_conn: object) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_S  # as long as SQLite's own busy timeout
        if not self._lock.acquire(timeout=BUSY_TIMEOUT_S):
            raise TimeoutError(f"the database stayed busy for {BUSY_TIMEOUT_S} s")
        try:
            if self._path is not None and fcntl is not None:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                # Another process's turn: look again every half millisecond (a blocking flock
                # would wait for ever on a process that hung while writing).
                while True:
                    try:
                        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise TimeoutError(
                                f"the database stayed busy for {BUSY_TIMEOUT_S} s") from None
                        time.sleep(0.0005)
        except BaseException:
            self._lock.release()
            raise
        self._holder = _raw_id(dbapi_conn)

    def release(self, dbapi_conn: object) -> None:
        if self._holder is None or self._holder != _raw_id(dbapi_conn):
            return  # a rollback of a read, or of a connection that never wrote
        self._holder = None
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._lock.release()

    def release_after(self, dialect: Any) -> None:
        """Hand the turn on after every commit and rollback of `dialect`'s connections."""
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn: Any) -> None:
            try:
                commit(dbapi_conn)
            finally:
                self.release(dbapi_conn)

        def do_rollback(dbapi_conn: Any) -> None:
            try:
                rollback(dbapi_conn)
            finally:
                self.release(dbapi_conn)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


class Checkpointer:
    """Copies SQLite's write-ahead log back into the database file every `every` seconds, in
    its own thread, for an engine made with `background_checkpoints=True` (PASSIVE: it never
    waits for, or blocks, a reader or writer). Several server processes may each run one."""

    def __init__(self, engine: Engine, every: float = 0.5):
        self.engine, self.every = engine, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not is_sqlite(self.engine) or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        raw = self.engine.raw_connection()
        try:
            # Outside any transaction (the driver connection is in autocommit mode).
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def _run(self) -> None:
        failed = False
        while not self._stop.wait(self.every):
            try:
                self.checkpoint()
                failed = False
            except Exception:  # noqa: BLE001 - keep trying; say so once, with no data
                if not failed:
                    log.warning("SQLite WAL checkpoint failed; retrying")
                failed = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with contextlib.suppress(Exception):
            self.checkpoint()  # leave a small WAL behind


@contextlib.contextmanager
def read_only(engine: Engine | Connection) -> Iterator[Connection]:
    """A transaction that only reads (on SQLite a deferred BEGIN, not BEGIN IMMEDIATE), on
    `engine` or on an open connection with no transaction (which may write again after it).

    Never write through it: on SQLite a write would have to upgrade the lock mid-transaction.
    """
    if isinstance(engine, Connection):
        engine.execution_options(**{READ_ONLY: True})  # in place (SQLAlchemy 2)
        try:
            with _without_transaction(engine), engine.begin():
                yield engine
        finally:
            engine.execution_options(**{READ_ONLY: False})
        return
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        with _without_transaction(conn), conn.begin():
            yield conn


@contextlib.contextmanager
def one_statement(conn: Connection) -> Iterator[Connection]:
    """A write of one statement on an open connection with no transaction: on PostgreSQL in
    autocommit (one statement is atomic alone: no BEGIN and COMMIT round trips), on SQLite in
    a transaction of its own (which queues for the writer's lock)."""
    with _without_transaction(conn), conn.begin():
        yield conn


@contextlib.contextmanager
def _without_transaction(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the driver in autocommit for the block: at READ COMMITTED (the default,
    never changed here) each statement reads its own snapshot inside a transaction or not, so
    reads and single-statement writes lose nothing and save BEGIN and COMMIT, two of a
    morning sync's round trips. SQLite keeps its transaction (one snapshot for every read)."""
    if conn.dialect.name != "postgresql" or conn.in_transaction():
        yield
        return
    driver = conn.connection.dbapi_connection
    driver.autocommit = True  # type: ignore[union-attr]
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # a connection lost meanwhile is thrown away
            driver.autocommit = False  # type: ignore[union-attr]


# PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled
# back whole because of another one, and may simply run again.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def transient(exc: DBAPIError) -> bool:
    """True when `exc` only says the transaction lost a race with another (run it again)."""
    return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def migrate(engine: Engine) -> int:
    """Apply pending Alembic revisions (all in one transaction); return the revision now in
    force as a number. Several processes starting at once take turns (SQLite: the write lock
    taken at BEGIN; PostgreSQL: a transaction-level advisory lock)."""
    from server import migrations

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        revision = migrations.upgrade(conn)
    if is_sqlite(engine):
        _sqlite_statistics(engine)
    return int(revision)


# An arbitrary, fixed 64-bit key naming "fieldapp schema migrations".
MIGRATION_LOCK = 0x6669656C646D6967


def _sqlite_statistics(engine: Engine) -> None:
    """Refresh SQLite's planner statistics (sampled: a few milliseconds on any size).

    Without them SQLite answers "a worker's visits in start order" (scope.current_scope)
    through visits_by_start, reading the whole tenant's rota, rather than
    visits_by_worker_start: at 20,000 workers that is ~110 ms a full sync instead of under
    one. The server migrates (and so runs this) at every start."""
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit=400")
        conn.exec_driver_sql("ANALYZE")
