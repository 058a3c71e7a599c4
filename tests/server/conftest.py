"""Server fixtures: one `engine` per backend, so contract tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.storage import make_engine, migrate
from tests.support.mail import Inbox, local_smtp


def migrated_pg(pg_url: str, prefix: str) -> tuple[str, Engine]:
    """A new database on the session's PostgreSQL cluster, migrated: its URL and an engine."""
    from tests.support.pg import create_database

    url = create_database(pg_url, f"{prefix}_{uuid.uuid4().hex[:10]}")
    eng = make_engine(url)
    migrate(eng)
    return url, eng


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    else:
        from tests.support.pg import create_database

        url = create_database(request.getfixturevalue("pg_url"), f"t_{uuid.uuid4().hex[:12]}")
    eng = make_engine(url)
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (aiosmtpd): its inbox and port."""
    with local_smtp() as server:
        yield server
