"""Migrated office databases for tests: one real migration per test process, copied per test.

Running every Alembic revision takes 0.5-1 s on SQLite and more on PostgreSQL, and ~500 tests
each want a fresh office database at the head revision. So each test process migrates ONE
template per backend with the server's own `migrate`, and every test gets its own copy of it:
a copied file on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. The copy is the same
database a migration would have made (the migrations themselves are tested on empty databases
in tests/server/test_migrations.py); tests still never share one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import sqlalchemy as sa

from server.dbfiles import make_private
from server.storage import make_engine, migrate
from tests.support import pg

_lock = threading.Lock()
_sqlite_template: Path | None = None
_pg_templates: dict[str, str] = {}  # server address -> template database name


def _template_file() -> Path:
    global _sqlite_template
    with _lock:
        if _sqlite_template is None:
            folder = Path(tempfile.mkdtemp(prefix="fieldapp-template-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "office.sqlite"
            engine = make_engine(f"sqlite:///{path}")
            try:
                migrate(engine)
            finally:
                engine.dispose()  # the last connection's close folds the WAL into the file
            _sqlite_template = path
        return _sqlite_template


def sqlite_copy(path: str | os.PathLike[str]) -> str:
    """A migrated office database at `path` (which must not exist yet); its SQLAlchemy URL."""
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists: a migrated copy needs a fresh path")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template_file(), target)
    make_private(target)  # 0600, as the server makes its own database files
    return f"sqlite:///{target}"


def pg_copy(pg_url: str, prefix: str = "t") -> str:
    """A new migrated database on `pg_url`'s server (named `prefix`_…); its SQLAlchemy URL."""
    server = sa.engine.make_url(pg_url).set(database="postgres").render_as_string(
        hide_password=False)
    with _lock:
        template = _pg_templates.get(server)
        if template is None:
            url = pg.create_database(pg_url, f"template_{uuid.uuid4().hex[:10]}")
            engine = make_engine(url)
            try:
                migrate(engine)
            finally:
                engine.dispose()  # CREATE DATABASE … TEMPLATE needs it to have no connections
            template = str(sa.engine.make_url(url).database)
            _pg_templates[server] = template
    return pg.create_database(pg_url, f"{prefix}_{uuid.uuid4().hex[:10]}", template=template)


def new_sqlite_file(url: str) -> Path | None:
    """The file `url` names when it is a SQLite file that does not exist yet, else None."""
    prefix = "sqlite:///"
    path = url.removeprefix(prefix)
    if not url.startswith(prefix) or path in ("", ":memory:") or path.startswith("file:"):
        return None
    return None if Path(path).exists() else Path(path)


def ready(url: str) -> str:
    """`url`; when it names a SQLite file that does not exist yet, a migrated copy is put there
    first, so the app started on it (create_app migrates at start) has nothing left to do."""
    path = new_sqlite_file(url)
    return url if path is None else sqlite_copy(path)
