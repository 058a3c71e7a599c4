"""Alembic revisions of the server's schema, and applying them on one open transaction."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

HERE = Path(__file__).resolve().parent

# The hand-rolled migrations of earlier releases (numbered 1-5 in a `schema_version` table)
# are revisions "0001"-"0005" here, step for step.
LEGACY_LAST = 5


def config(conn: Connection | None = None) -> Config:
    """Alembic's configuration for our scripts, running on `conn` when given."""
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def current(conn: Connection) -> str | None:
    """The revision `conn`'s database is at (None: never migrated by Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def adopt_hand_rolled(conn: Connection) -> None:
    """A database made by a release with hand-rolled migrations: record its last one as the
    matching Alembic revision and retire the old bookkeeping table."""
    tables = inspect(conn)
    if not tables.has_table("schema_version") or tables.has_table("alembic_version"):
        return
    done = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    if done is not None:
        if not 1 <= int(done) <= LEGACY_LAST:
            raise RuntimeError(f"schema version {done} is newer than this server knows")
        command.stamp(config(conn), f"{int(done):04d}")
    conn.execute(text("DROP TABLE schema_version"))


def upgrade(conn: Connection, target: str = "head") -> str:
    """Bring `conn`'s database to `target` (inside its open transaction); the revision now."""
    adopt_hand_rolled(conn)
    command.upgrade(config(conn), target)
    now = current(conn)
    assert now is not None
    return now


def downgrade(conn: Connection, target: str) -> str | None:
    command.downgrade(config(conn), target)
    return current(conn)
