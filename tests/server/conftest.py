"""Server fixtures: one `engine` per backend, so contract tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.storage import make_engine, migrate
from tests.support import migrated as copies
from tests.support.mail import Inbox, local_smtp


def migrated(url: str) -> Engine:
    """An engine on `url`, the database migrated to the head revision (a new SQLite file is a
    copy of this process's migrated template: tests/support/migrated.py)."""
    if copies.new_sqlite_file(url) is not None:
        return make_engine(copies.ready(url))
    eng = make_engine(url)
    migrate(eng)
    return eng


def migrated_pg(pg_url: str, prefix: str) -> tuple[str, Engine]:
    """A new migrated database on the session's PostgreSQL cluster (a copy of this process's
    migrated template): its URL and an engine."""
    url = copies.pg_copy(pg_url, prefix)
    return url, make_engine(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = migrated(f"sqlite:///{tmp_path / 'server.sqlite'}")
    else:
        _url, eng = migrated_pg(request.getfixturevalue("pg_url"), "t")
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated office database on SQLite alone (the console's in-memory tests need one)."""
    eng = migrated(f"sqlite:///{tmp_path / 'office.sqlite'}")
    yield eng
    eng.dispose()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (aiosmtpd): its inbox and port."""
    with local_smtp() as server:
        yield server
