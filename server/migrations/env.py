"""Alembic's entry: runs revisions on the connection `server.storage.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from server.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:  # the `alembic` command line: the database the server would open
    from server.settings import ServerSettings
    from server.storage import make_engine

    engine = make_engine(ServerSettings.from_env().database_url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
