"""A pooled PostgreSQL connection the database closed while it sat idle (a restart, an
administrator ending sessions) is found and replaced before use: the next sync gets an answer,
not an error (server/storage.py pings a connection that has been idle a while)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from server import storage
from tests.server.conftest import migrated_pg


@pytest.mark.postgres
def test_a_connection_closed_by_the_database_while_idle_is_replaced_before_use(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url, engine = migrated_pg(pg_url, "t")
    admin = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"),
                                 {"pid": first}).scalar() is True
        monkeypatch.setattr(storage, "IDLE_PING_S", 0.0)  # it has been idle long enough
        with engine.connect() as conn:
            again = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert again is not None and again != first
    finally:
        admin.dispose()
        engine.dispose()
