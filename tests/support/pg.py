"""A throwaway PostgreSQL cluster for tests.

Debian's PostgreSQL server binaries live in ``/usr/lib/postgresql/<major>/bin`` (not on PATH);
the highest version there is used. ``initdb`` refuses to run as root, so when the tests run as
root the cluster is created in a temp dir owned by the ``postgres`` user and every server command
runs through ``runuser -u postgres --``; otherwise it runs as the current user.

The cluster listens on 127.0.0.1 on a free port (plus a Unix socket in its own temp dir), trusts
local connections for the superuser ``fieldapp``, runs with fsync off (data is thrown away) and is
stopped with ``pg_ctl -m immediate stop`` and deleted afterwards.

Use the ``pg_url`` session fixture (tests/conftest.py) — a URL to an empty database
``fieldapp_test`` — and :func:`create_database` for a test that wants a database of its own.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "fieldapp"
DEFAULT_DB = "fieldapp_test"
HOW_TO_GET = (
    "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. "
    "Run `make test` (it installs Debian's postgresql package) or `apt-get install -y postgresql`."
)


class PgError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def find_bindir() -> Path | None:
    """The highest-version ``/usr/lib/postgresql/<v>/bin`` holding initdb and pg_ctl."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for d in glob.glob(PG_GLOB):
        p = Path(d)
        if (p / "initdb").is_file() and (p / "pg_ctl").is_file():
            version = tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)
            found.append((version, p))
    if not found:
        return None
    return max(found)[1]


def require_bindir() -> Path:
    """:func:`find_bindir`, or fail (``CI=true``) / skip the test with how to get PostgreSQL."""
    import pytest

    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(HOW_TO_GET, pytrace=False)
        pytest.skip(HOW_TO_GET)
    return bindir


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    bindir: Path
    base: Path  # temp dir holding data/, sock/ and server.log
    port: int
    run_as: str | None  # user to runuser to (when we are root), else None

    # Where the cluster keeps its data, its Unix socket and its log, all under `base`.
    datadir: Path = field(init=False)
    sockdir: Path = field(init=False)
    logfile: Path = field(init=False)

    def __post_init__(self) -> None:
        self.datadir, self.sockdir = self.base / "data", self.base / "sock"
        self.logfile = self.base / "server.log"

    def url(self, database: str = DEFAULT_DB, driver: str = "psycopg") -> str:
        """SQLAlchemy URL of ``database`` on this cluster (TCP on 127.0.0.1)."""
        return f"postgresql+{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server tool (initdb, pg_ctl, psql, createdb…) as the cluster's owner."""
        argv = [str(self.bindir / tool), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        env = dict(os.environ)
        env.pop("PGDATA", None)
        env.update({"LC_ALL": "C", "LANG": "C", "PGTZ": "UTC"})
        proc = subprocess.run(  # noqa: S603 - fixed tool names, our own args
            argv,
            cwd=str(self.base),  # the postgres user may not be able to read our cwd
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise PgError(
                f"{' '.join(argv)} exited with {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
                f"\n--- server log ---\n{self.log_tail()}"
            )
        return proc

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", opts,
                 "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", check=False)


def _owner_for_root() -> str | None:
    """``postgres`` when we are root (initdb refuses root), else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PgError(
            "running as root, and initdb refuses root, but there is no `postgres` user to run "
            "the throwaway cluster as (Debian's postgresql package creates it)"
        ) from None
    if shutil.which("runuser") is None:
        raise PgError("running as root but `runuser` is missing (package util-linux)")
    return "postgres"


@contextlib.contextmanager
def throwaway_cluster(
    bindir: Path | None = None, databases: tuple[str, ...] = (DEFAULT_DB,)
) -> Iterator[PgCluster]:
    """Create, start and yield a PostgreSQL cluster with ``databases`` created; destroy it after."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise PgError(HOW_TO_GET)
    run_as = _owner_for_root()
    base = Path(tempfile.mkdtemp(prefix="fieldapp-pg-"))
    cluster: PgCluster | None = None
    started = False
    try:
        (base / "sock").mkdir()
        if run_as:
            pw = pwd.getpwnam(run_as)
            for p in (base, base / "sock"):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        cluster = PgCluster(bindir=bindir, base=base, port=0, run_as=run_as)
        cluster.run(
            "initdb", "-D", str(cluster.datadir), "-A", "trust", "-U", SUPERUSER,
            "--encoding", "UTF8", "--no-locale", "--no-sync", "--no-instructions",
        )
        last_error: PgError | None = None
        for _ in range(5):  # the free port may be taken between probe and bind: retry
            cluster.port = _free_port()
            try:
                cluster.start()
                started = True
                break
            except PgError as exc:
                last_error = exc
                cluster.stop()
        if not started:
            raise last_error or PgError("could not start PostgreSQL")
        for db in databases:
            create_database(cluster.url("postgres"), db)
        yield cluster
    finally:
        if cluster is not None and started:
            cluster.stop()
        # Hundreds of test databases take a while to delete on a busy disk: let `rm` do it
        # after the session instead of holding up the last test's teardown.
        # (sh returns at once; the backgrounded rm is nobody's child to wait for.)
        try:
            subprocess.run(["/bin/sh", "-c", 'rm -rf -- "$1" &', "sh", str(base)],  # noqa: S603
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError):
            shutil.rmtree(base, ignore_errors=True)


def create_database(url: str, name: str | None = None, *, template: str | None = None) -> str:
    """Create database ``name`` (default: a fresh unique name) on the server of ``url``, a copy
    of database ``template`` when given (it must have no open connections).

    Returns ``url`` pointing at the new database.
    """
    import sqlalchemy as sa

    name = _safe_name(name or f"t_{uuid.uuid4().hex[:12]}")
    base = sa.engine.make_url(url)
    copy = f' TEMPLATE "{_safe_name(template)}"' if template is not None else ""
    _run_on_admin_db(url, f'CREATE DATABASE "{name}"{copy}')
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (terminating its other connections)."""
    import sqlalchemy as sa

    name = _safe_name(sa.engine.make_url(url).database)
    _run_on_admin_db(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _safe_name(name: str | None) -> str:
    # Database names go into SQL as identifiers; allow only plain ones.
    if not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise ValueError(f"unsafe database name: {name!r}")
    return name


def _run_on_admin_db(url: str, statement: str) -> None:
    """Run one statement on the ``postgres`` database of ``url``'s server, outside a transaction."""
    import sqlalchemy as sa

    admin = sa.engine.make_url(url).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@contextlib.contextmanager
def pg_session_url() -> Iterator[str]:
    """For the session fixture: skip/fail per policy if PostgreSQL is missing, else yield a URL."""
    bindir = require_bindir()
    with throwaway_cluster(bindir) as cluster:
        yield cluster.url(DEFAULT_DB)


def waiting_on_a_lock(engine: Any, timeout: float = 20.0) -> bool:
    """True once another transaction waits on a row lock (PostgreSQL), or after a moment for
    the writer's turn (SQLite, whose writers queue for the whole database and show no such
    thing); False if nobody waited within `timeout` seconds."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE "
                                 "wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
                            ).scalar():
                return True
        time.sleep(0.05)
    return False
