"""Server fixtures: one `engine` per backend, so contract tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.storage import make_engine, migrate
from tests.support.mail import Inbox, local_smtp


def migrated(url: str) -> Engine:
    """An engine on `url`, the database migrated to the head revision."""
    eng = make_engine(url)
    migrate(eng)
    return eng


def migrated_pg(pg_url: str, prefix: str) -> tuple[str, Engine]:
    """A new database on the session's PostgreSQL cluster, migrated: its URL and an engine."""
    from tests.support.pg import create_database

    url = create_database(pg_url, f"{prefix}_{uuid.uuid4().hex[:10]}")
    return url, migrated(url)


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
