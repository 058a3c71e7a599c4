"""The throwaway PostgreSQL cluster works (tests/support/pg.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support import pg

pytestmark = pytest.mark.postgres


def test_select_version(pg_url: str) -> None:
    assert pg_url.startswith("postgresql+psycopg://fieldapp@127.0.0.1:")
    assert pg_url.endswith("/fieldapp_test")
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            db = conn.execute(sa.text("select current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL")
    assert db == "fieldapp_test"


def test_create_database_gives_a_fresh_database(pg_url: str) -> None:
    url = pg.create_database(pg_url, "fresh_one")
    assert url.endswith("/fresh_one")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (id int primary key)"))
            conn.execute(sa.text("insert into t values (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from t")).scalar_one() == 1
            assert conn.execute(sa.text("select current_database()")).scalar_one() == "fresh_one"
    finally:
        engine.dispose()
    pg.drop_database(url)
    unnamed = pg.create_database(pg_url)
    assert sa.engine.make_url(unnamed).database.startswith("t_")
